import KafkaProtocol
import SeededRandom

/// A seeded generator (SplitMix64) for randomized tests: the same seed gives the same values,
/// so a failure reproduces from the seed the test prints.
struct TestRandom: RandomNumberGenerator {
    private var source: SplitMix64

    init(seed: UInt64) { source = SplitMix64(seed: seed) }

    mutating func next() -> UInt64 { source.next() }

    mutating func bool() -> Bool { next() & 1 == 1 }
    /// True one time in four: how often a nullable field is made null.
    mutating func isNull() -> Bool { next() % 4 == 0 }
    mutating func int8() -> Int8 { Int8(truncatingIfNeeded: next()) }
    mutating func int16() -> Int16 { Int16(truncatingIfNeeded: next()) }
    mutating func uint16() -> UInt16 { UInt16(truncatingIfNeeded: next()) }
    mutating func int32() -> Int32 { Int32(truncatingIfNeeded: next()) }
    mutating func uint32() -> UInt32 { UInt32(truncatingIfNeeded: next()) }
    mutating func int64() -> Int64 { Int64(bitPattern: next()) }
    /// A finite double (NaN would not equal itself after a round trip).
    mutating func float64() -> Double { Double(int32()) / 7 }
    mutating func uuid() -> KafkaUUID { KafkaUUID(high: next(), low: next()) }

    /// A short string, sometimes empty, sometimes with multi-byte UTF-8.
    mutating func string() -> String {
        let alphabet: [Character] = ["a", "b", "z", "0", "-", "_", ".", "é", "ß", "日", "🦀"]
        return String((0..<Int(next() % 12)).map { _ in alphabet[Int(next() % UInt64(alphabet.count))] })
    }

    mutating func bytes() -> [UInt8] { (0..<Int(next() % 20)).map { _ in UInt8(truncatingIfNeeded: next()) } }

    /// 0 to 3 elements made by `element`.
    mutating func array<Element>(_ element: (inout TestRandom) -> Element) -> [Element] {
        (0..<Int(next() % 4)).map { _ in element(&self) }
    }
}

/// A generated type that can make random instances of itself for a version.
protocol ArbitraryValue: KafkaVersionedCodable {
    /// A random value holding exactly the fields `version` carries.
    static func arbitrary(version: Int16, using random: inout TestRandom) -> Self
}

/// A generated request or response type that can make random instances of itself.
protocol ArbitraryMessage: ArbitraryValue, KafkaMessage {}

/// A generated data payload type that can make random instances of itself.
protocol ArbitraryData: ArbitraryValue, KafkaDataMessage {}
