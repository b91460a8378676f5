/// A Kafka offset: the dense, increasing position of one record in a partition's log.
///
/// The same number is the record's Raft index (docs/ARCHITECTURE.md, "One log, two roles").
public struct Offset: RawRepresentable, Hashable, Strideable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The offset as Kafka encodes it.
    public var rawValue: Int64

    /// Wraps a raw Kafka offset.
    public init(rawValue: Int64) { self.rawValue = rawValue }

    /// Wraps a raw Kafka offset.
    public init(_ rawValue: Int64) { self.rawValue = rawValue }

    /// Allows `let start: Offset = 0`.
    public init(integerLiteral value: Int64) { self.rawValue = value }

    /// The offset `count` records later (or earlier when negative).
    public func advanced(by count: Int64) -> Offset { Offset(rawValue + count) }

    /// The number of records from `other` up to this offset.
    public func distance(from other: Offset) -> Int64 { rawValue - other.rawValue }

    /// The number of records from this offset up to `other` (so offset ranges can be iterated).
    public func distance(to other: Offset) -> Int64 { other.rawValue - rawValue }

    public static func < (lhs: Offset, rhs: Offset) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }
}

/// A batch's partition leader epoch; in Tributary it carries the Raft term of the entry.
public struct LeaderEpoch: RawRepresentable, Hashable, Comparable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    /// The epoch as Kafka encodes it (`-1` means "no epoch").
    public var rawValue: Int32

    /// Wraps a raw epoch.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Wraps a raw epoch.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    /// Allows `let epoch: LeaderEpoch = 3`.
    public init(integerLiteral value: Int32) { self.rawValue = value }

    /// Kafka's `NO_PARTITION_LEADER_EPOCH`: before any leader wrote (or before the first entry).
    public static let none = LeaderEpoch(-1)

    public static func < (lhs: LeaderEpoch, rhs: LeaderEpoch) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { String(rawValue) }
}
