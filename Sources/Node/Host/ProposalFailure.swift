import ClusterMetadata
import Raft

/// Why a proposal to a hosted group did not commit.
public enum ProposalFailure: Error, Sendable, Equatable {
    /// This replica does not lead its group; the leader it knows of, if any, to retry there.
    case notLeader(leaderHint: NodeID?)
    /// No group with this id is hosted here.
    case unknownGroup(RaftGroupID)
    /// The batch cannot be proposed: a control batch (only Raft writes those) or one larger
    /// than the log's `batchBytesMax`.
    case invalidBatch(String)
    /// The group already has ``RaftHostOptions/pendingProposalCountMax`` proposals waiting.
    case tooManyPending
    /// The leader refused it for now (uncommitted bytes at their bound, a leadership transfer);
    /// retry later.
    case refused(ProposalError)
    /// It did not commit within ``RaftHostOptions/proposalTimeoutTicks``; it may still commit later.
    case timedOut
    /// Another leader's entry took its place in the log: it will never commit.
    case superseded
    /// The group's storage failed; the group stopped and no longer serves.
    case storageFailed(String)
    /// The group was removed or the host shut down before the proposal committed; it may still
    /// commit on the other replicas.
    case groupStopped
    /// The host's loop did not take the request (its job queue is full, or it is shut down).
    case hostUnavailable(String)
}
