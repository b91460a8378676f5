import ClusterMetadata
import Raft
import Storage

/// One group on a host: its replica and what the host tracks about it. Loop thread only.
final class HostedGroup {
    let id: RaftGroupID
    let replica: PartitionReplica
    /// Proposals waiting for their commit.
    var proposals = PendingProposals()
    /// Whether a Ready of this group is being persisted off the loop.
    var isSyncing = false
    /// Why the group stopped (its storage failed); it is then neither driven nor stepped.
    var failure: String?
    /// Where a read found damage: the log is cut there and the replica reopened once no sync of
    /// it is in flight (that sync may be rewriting `raft.state`).
    var damageFound: DataLocation?
    /// How far the background scrub of its log has come.
    var scrub = ScrubCursor()
    /// The status observers last heard of.
    var reportedStatus: GroupStatus?

    init(id: RaftGroupID, replica: PartitionReplica) {
        self.id = id
        self.replica = replica
    }

    /// Whether the host drives it (ticks, messages, Ready cycles).
    var isServing: Bool { failure == nil }

    /// Its status now. Every read goes through `replica` rather than a local copy of the core:
    /// copying the core (a struct of collections) retains and releases each of them, and this
    /// runs for every group with work in every host cycle.
    var status: GroupStatus {
        let metrics = replica.core.metrics
        return GroupStatus(
            group: id, role: replica.core.currentRole, term: replica.core.currentTerm, leader: replica.core.currentLeader,
            membership: replica.core.currentMembership, commitIndex: replica.core.commitIndex,
            followerMatchIndexes: metrics.followerMatchIndexes, lastIndex: replica.core.lastIndex,
            logStartOffset: replica.log.logStartOffset, logEndOffset: replica.log.nextOffset, failure: failure,
            refillingThrough: replica.core.lostLogEnd?.index, electionsStarted: metrics.electionsStarted,
            leaderChanges: metrics.leaderChanges, scrubPasses: scrub.passesCompleted)
    }

    /// Completes the proposals the commit index (or, for those awaiting it, the applied index) has passed.
    func resolveProposals() {
        let replica = self.replica
        proposals.resolve(commit: replica.core.commitIndex, applied: replica.core.appliedIndex) { replica.core.term(at: $0) }
    }
}
