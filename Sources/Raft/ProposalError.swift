/// Why the core refused a proposal, a membership change or a leadership transfer.
public enum ProposalError: Error, Hashable, Sendable {
    /// Only the leader accepts proposals; the leader this replica knows, if any.
    case notLeader(leader: NodeID?)
    /// The leader is handing leadership over and accepts nothing until that ends.
    case leadershipTransferInProgress
    /// Uncommitted entries already reach `uncommittedBytesMax`: retry after commits (backpressure).
    case uncommittedBytesMaxReached
    /// A membership change waits for the leader's first entry of its term to commit, and for the
    /// previous change to commit.
    case membershipChangePending
    /// A learner is promoted only once its log has caught up with the commit index.
    case learnerBehind(NodeID)
    /// The change does not apply to the current membership.
    case invalidMembershipChange(MembershipError)
    /// Leadership can only go to a voter other than the leader.
    case invalidTransferTarget(NodeID)
    /// An entry spans at least one index, and control entries exactly one.
    case invalidIndexCount(UInt64)
}
