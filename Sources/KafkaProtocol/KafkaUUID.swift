/// A 16-byte UUID as Kafka sends it (topic ids, directory ids), big-endian on the wire.
///
/// Kept as two integers rather than Foundation's `UUID` so the codec needs no Foundation.
public struct KafkaUUID: Hashable, Sendable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    /// Creates a UUID from its two halves.
    /// - Parameters:
    ///   - high: the first 8 bytes, big-endian.
    ///   - low: the last 8 bytes, big-endian.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// All zeros: Kafka's "no id" (e.g. a topic addressed by name).
    public static let zero = KafkaUUID(high: 0, low: 0)

    /// Lower-case hex in the 8-4-4-4-12 layout.
    public var description: String {
        let hex = String(high, radix: 16).leftPadded(to: 16) + String(low, radix: 16).leftPadded(to: 16)
        let groups = [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { range in
            String(hex.dropFirst(range.lowerBound).prefix(range.count))
        }
        return groups.joined(separator: "-")
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        String(repeating: "0", count: Swift.max(0, width - count)) + self
    }
}
