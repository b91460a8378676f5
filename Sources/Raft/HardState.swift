/// The part of a replica's state that must survive a crash, apart from the log and membership.
public struct HardState: Hashable, Sendable, CustomStringConvertible {
    /// The latest term this replica has seen.
    public var term: Term
    /// The candidate this replica voted for in `term`, if any.
    public var vote: NodeID?
    /// The highest index known committed (always the last index of an entry).
    public var commit: LogIndex

    /// Creates a hard state.
    public init(term: Term = .zero, vote: NodeID? = nil, commit: LogIndex = .zero) {
        self.term = term
        self.vote = vote
        self.commit = commit
    }

    public var description: String {
        "term=\(term.rawValue) vote=\(vote.map { "\($0)" } ?? "-") commit=\(commit.rawValue)"
    }
}

/// Where a log starts after its prefix was removed: what etcd calls snapshot metadata.
///
/// A follower that needs entries the leader has removed is reset to the leader's `LogStart`;
/// the partition's records before `index` are gone on both.
public struct LogStart: Hashable, Sendable, CustomStringConvertible {
    /// The first index of the log.
    public var index: LogIndex
    /// The term of the entry just before `index` (`Term.zero` if none ever existed).
    public var termBefore: Term

    /// Creates a log start.
    public init(index: LogIndex, termBefore: Term) {
        precondition(index.rawValue >= 1, "a log starts at index 1 or later")
        self.index = index
        self.termBefore = termBefore
    }

    public var description: String { "start=\(index.rawValue) termBefore=\(termBefore.rawValue)" }
}
