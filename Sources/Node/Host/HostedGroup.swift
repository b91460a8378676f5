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

    /// Its status now.
    var status: GroupStatus {
        let core = replica.core
        return GroupStatus(
            group: id, role: core.currentRole, term: core.currentTerm, leader: core.currentLeader,
            membership: core.currentMembership, commitIndex: core.commitIndex,
            followerMatchIndexes: core.metrics.followerMatchIndexes, lastIndex: core.lastIndex, logStartOffset: replica.log.logStartOffset,
            logEndOffset: replica.log.nextOffset, failure: failure, refillingThrough: core.lostLogEnd?.index,
            electionsStarted: core.metrics.electionsStarted, leaderChanges: core.metrics.leaderChanges,
            scrubPasses: scrub.passesCompleted)
    }

    /// Completes the proposals the commit index (or, for those awaiting it, the applied index) has passed.
    func resolveProposals() {
        let core = replica.core
        proposals.resolve(commit: core.commitIndex, applied: core.appliedIndex) { core.term(at: $0) }
    }
}
