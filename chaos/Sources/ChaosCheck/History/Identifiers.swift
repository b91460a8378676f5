/// A partition of the topic under test, numbered across the run.
///
/// The workload writes one topic; were it to write several, the harness numbers their partitions
/// globally so that one integer names one log (as Jepsen's Kafka test does with its keys).
public struct PartitionID: IntegerIdentifier {
    /// The partition number, zero or more.
    public let rawValue: Int

    /// Wraps a partition number.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
}

/// A Kafka offset: the position of one record in one partition's log.
public struct LogOffset: IntegerIdentifier {
    /// The offset, zero or more.
    public let rawValue: Int64

    /// Wraps an offset.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
}

/// The value the workload writes in one record: unique across the whole run, so that a value
/// names exactly one send.
public struct RecordValue: IntegerIdentifier {
    /// The value as an integer (the record's bytes are its decimal text).
    public let rawValue: Int64

    /// Wraps a value.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
}

/// One logical client thread of the workload. A process has at most one operation outstanding:
/// each invoke is followed by that process's completion before its next invoke.
public struct ProcessID: IntegerIdentifier {
    /// The process number.
    public let rawValue: Int

    /// Wraps a process number.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
}

/// An integer that names one thing (a partition, an offset, a value, a process): its own type so
/// that one is never passed for another, written in histories as a bare JSON integer.
public protocol IntegerIdentifier: Hashable, Comparable, Sendable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible where IntegerLiteralType == RawValue
{
    /// The integer type underneath.
    associatedtype RawValue: FixedWidthInteger & Codable & Sendable & _ExpressibleByBuiltinIntegerLiteral
    /// The integer.
    var rawValue: RawValue { get }
    /// Wraps an integer.
    init(_ rawValue: RawValue)
}

extension IntegerIdentifier {
    /// Wraps an integer written as a literal (tests and examples).
    public init(integerLiteral value: RawValue) { self.init(value) }
    /// Decodes a bare JSON integer.
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(RawValue.self)) }
    /// Encodes as a bare JSON integer.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    /// Numeric order.
    public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
    /// The number in decimal.
    public var description: String { String(rawValue) }
}
