/// A Raft term: a logical clock that increases with every election.
///
/// Terms of different groups are unrelated; `Term` only compares within one group.
public struct Term: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The term as a number.
    public var rawValue: UInt64

    /// Creates a term from its number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Creates a term from its number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The term before any election: no entry and no vote belongs to it.
    public static let zero = Term(0)

    /// The term that follows this one.
    public var next: Term { Term(rawValue + 1) }

    public static func < (lhs: Term, rhs: Term) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "t\(rawValue)" }
}

/// A position in a Raft log. Indexes are dense: entry `n + 1` follows entry `n`.
///
/// In a partition log an index is a Kafka offset; index 0 is "before the first entry".
public struct LogIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The index as a number.
    public var rawValue: UInt64

    /// Creates an index from its number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Creates an index from its number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The index before the first entry of a log that never removed a prefix.
    public static let zero = LogIndex(0)

    /// The index that follows this one.
    public var next: LogIndex { LogIndex(rawValue + 1) }

    /// The index that precedes this one; `zero` has none.
    public var previous: LogIndex {
        precondition(rawValue > 0, "LogIndex.zero has no previous index")
        return LogIndex(rawValue - 1)
    }

    /// The index `count` positions further.
    public func advanced(by count: UInt64) -> LogIndex { LogIndex(rawValue + count) }

    public static func < (lhs: LogIndex, rhs: LogIndex) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "i\(rawValue)" }
}

/// The identity of a member of a Raft group (a node of the cluster).
public struct NodeID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The identity as a number.
    public var rawValue: UInt64

    /// Creates an identity from its number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Creates an identity from its number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "n\(rawValue)" }
}
