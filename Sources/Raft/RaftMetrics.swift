/// A snapshot of a replica's state for export as metrics.
public struct RaftMetrics: Hashable, Sendable {
    /// The current term.
    public var term: Term
    /// The current role.
    public var role: Role
    /// The leader this replica knows of, if any.
    public var leader: NodeID?
    /// The commit index.
    public var commitIndex: LogIndex
    /// The index of the last entry handed out to apply and reported done.
    public var appliedIndex: LogIndex
    /// The last index in the log.
    public var lastIndex: LogIndex
    /// How many elections (real, not pre-vote) this replica started since it was created.
    public var electionsStarted: UInt64
    /// How many times the known leader changed to another node since this replica was created.
    public var leaderChanges: UInt64
    /// On a leader: each other member's match index, by node; empty otherwise.
    public var followerMatchIndexes: [NodeID: LogIndex]
}
