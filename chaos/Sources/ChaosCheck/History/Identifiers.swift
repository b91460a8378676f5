/// A partition of the topic under test, numbered across the run.
///
/// The workload writes one topic; were it to write several, the harness numbers their partitions
/// globally so that one integer names one log (as Jepsen's Kafka test does with its keys).
public struct PartitionID: Hashable, Comparable, Sendable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The partition number, zero or more.
    public let rawValue: Int

    /// Wraps a partition number.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    /// Wraps a partition number written as a literal (tests and examples).
    public init(integerLiteral value: Int) { self.rawValue = value }
    /// Decodes a bare JSON integer.
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int.self) }
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

/// A Kafka offset: the position of one record in one partition's log.
public struct LogOffset: Hashable, Comparable, Sendable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The offset, zero or more.
    public let rawValue: Int64

    /// Wraps an offset.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// Wraps an offset written as a literal (tests and examples).
    public init(integerLiteral value: Int64) { self.rawValue = value }
    /// Decodes a bare JSON integer.
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int64.self) }
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

/// The value the workload writes in one record: unique across the whole run, so that a value
/// names exactly one send.
public struct RecordValue: Hashable, Comparable, Sendable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The value as an integer (the record's bytes are its decimal text).
    public let rawValue: Int64

    /// Wraps a value.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }
    /// Wraps a value written as a literal (tests and examples).
    public init(integerLiteral value: Int64) { self.rawValue = value }
    /// Decodes a bare JSON integer.
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int64.self) }
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

/// One logical client thread of the workload. A process has at most one operation outstanding:
/// each invoke is followed by that process's completion before its next invoke.
public struct ProcessID: Hashable, Comparable, Sendable, Codable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The process number.
    public let rawValue: Int

    /// Wraps a process number.
    public init(_ rawValue: Int) { self.rawValue = rawValue }
    /// Wraps a process number written as a literal (tests and examples).
    public init(integerLiteral value: Int) { self.rawValue = value }
    /// Decodes a bare JSON integer.
    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int.self) }
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
