import ClusterMetadata
import Foundation
import Raft
import Storage

/// Where the retention sweep over the hosted groups stands.
///
/// A pass takes the ids of the groups with a policy when it begins and checks at most
/// ``RaftHostOptions/retentionGroupsPerTick`` of them per tick, so that a node with many
/// partitions never spends one tick deleting all of their segments; the next pass begins
/// ``RaftHostOptions/retentionCheckIntervalTicks`` after this one began.
struct RetentionSweep {
    /// The groups this pass has still to check, in id order.
    var pending: ArraySlice<RaftGroupID> = []
    /// The host tick from which the next pass may begin.
    var nextPassTick: UInt64 = 0
}

extension RaftHost {
    /// Spends one tick's share of the retention sweep: each group checked deletes its sealed
    /// segments that its policy (``retentionPolicies``) has expired.
    ///
    /// Replicas apply retention on their own, each to what it has applied (at or below its
    /// commit index: only committed data, never an entry the core still has to hand out); the
    /// storage engine never deletes the active segment. A follower that later needs entries its
    /// leader removed this way is reset to the leader's log start by Raft (`installStart`).
    func retentionTurn() {
        if sweep.pending.isEmpty {
            guard tickCount >= sweep.nextPassTick, !retentionPolicies.isEmpty else { return }
            sweep.pending = ArraySlice(retentionPolicies.keys.sorted())
            sweep.nextPassTick = tickCount &+ options.retentionCheckIntervalTicks
        }
        // The log reads no clock: retention by age compares record timestamps with wall time here.
        let nowMs = Int64(Date().timeIntervalSince1970 * 1_000)
        for _ in 0..<min(options.retentionGroupsPerTick, sweep.pending.count) {
            let id = sweep.pending.removeFirst()
            guard let group = groups[id], group.isServing, let policy = retentionPolicies[id] else { continue }
            applyRetention(policy, to: group, nowMs: nowMs)
        }
    }

    private func applyRetention(_ policy: RetentionPolicy, to group: HostedGroup, nowMs: Int64) {
        guard policy.retentionMs != nil || policy.retentionBytes != nil else { return }
        let replica = group.replica
        // Offsets up to the last applied entry's; applied <= commit.
        let deletableBelow = replica.core.appliedIndex.next.offset
        do {
            let deleted = try replica.log.applyRetention(policy, nowMs: nowMs, deletableBelow: deletableBelow)
            guard !deleted.isEmpty else { return }
            counters.retentionSegmentsDeleted += UInt64(deleted.count)
            loop.logger.info(
                "retention of group \(group.id) on \(localID) deleted \(deleted.count) segment(s); the log starts at \(replica.log.logStartOffset)")
            markDirty(group.id)
        } catch {
            fail(group, error)
        }
    }
}
