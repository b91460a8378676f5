import ClusterMetadata
import Logging
import Raft
import Storage
import Transport

/// A group whose Ready waits for its fsyncs off the loop.
private struct Persisting {
    let group: HostedGroup
    let ready: Ready
    let pending: PendingPersist
}

extension RaftHost {
    /// Notes that `group` may have work and makes sure a host cycle runs at the end of this turn
    /// (a zero-delay timer fires once the turn's I/O callbacks are done, so everything that
    /// arrived in the turn shares one cycle and one frame per peer).
    func markDirty(_ group: RaftGroupID) {
        dirtyGroups.insert(group)
        if !isClosed && !cycleTimer.isScheduled { cycleTimer.schedule(after: .zero) { [weak self] in self?.runCycle() } }
    }

    /// One host cycle: every dirty group's Ready is taken and written; a few offloaded jobs
    /// sync them all; the messages queued meanwhile go out, one frame per peer.
    func runCycle() {
        guard !isClosed else { return }
        if cycleTimer.isScheduled { cycleTimer.cancel() }
        let ids = dirtyGroups.sorted()
        dirtyGroups = []
        // At the offload bound no new persist starts; the next sync completion (or tick) runs a
        // cycle again.
        let offloadsFree = loop.limits.offloadCountMax - loop.offloadInFlightCount
        var persisting: [Persisting] = []
        for id in ids {
            guard let group = groups[id] else { continue }
            if offloadsFree > 0, let started = advance(group) { persisting.append(started) }
            if offloadsFree <= 0 && !group.isSyncing { dirtyGroups.insert(id) }
            report(group)
        }
        if !persisting.isEmpty { startSyncs(persisting, jobCount: min(options.syncJobsPerCycleMax, offloadsFree)) }
        flush()
    }

    /// Runs `group`'s Ready cycles that need no fsync (up to the bound) and returns the first
    /// one that does, with its writes done.
    private func advance(_ group: HostedGroup) -> Persisting? {
        guard group.isServing, !group.isSyncing else { return nil }
        do {
            for _ in 0..<options.immediateCyclesPerGroupMax {
                guard let ready = try group.replica.takeReady() else { return nil }
                enqueue(ready.messages, of: group)
                let pending = try group.replica.beginPersist(ready)
                if !pending.isEmpty {
                    group.isSyncing = true
                    return Persisting(group: group, ready: ready, pending: pending)
                }
                try group.replica.finishPersist(pending, outcome: PersistOutcome())
                finish(ready, of: group)
            }
            if group.replica.core.hasReady { markDirty(group.id) }
        } catch {
            fail(group, error)
        }
        return nil
    }

    /// The last step of a group's Ready: the core goes on, messages that promised durability
    /// leave, proposals the commit passed complete.
    private func finish(_ ready: Ready, of group: HostedGroup) {
        enqueue(group.replica.complete(ready), of: group)
        group.resolveProposals()
    }

    /// Spreads the groups' fsyncs over at most `jobCount` offloaded jobs, or hands them all to
    /// one job that syncs their filesystem once when there are many
    /// (``RaftHostOptions/filesystemSyncGroupsMin``): splitting would flush it several times.
    private func startSyncs(_ persisting: [Persisting], jobCount: Int) {
        precondition(jobCount >= 1, "a sync needs an offload slot")
        let logSyncs = persisting.count { $0.pending.logSync != nil }
        let wholeFilesystem = FilesystemSync.reportsWritebackErrors && logSyncs >= options.filesystemSyncGroupsMin
        let perJob = wholeFilesystem ? persisting.count : (persisting.count + jobCount - 1) / jobCount
        for first in stride(from: 0, to: persisting.count, by: perJob) {
            let share = Array(persisting[first..<min(first + perJob, persisting.count)])
            let work = share.map(\.pending)
            do {
                try loop.offload({ PendingPersist.performAll(work, wholeFilesystem: wholeFilesystem) }) { [weak self] outcomes in
                    self?.finishSync(share, outcomes: outcomes)
                }
                counters.syncBatches += 1
                counters.groupSyncs += UInt64(work.count)
                if wholeFilesystem { counters.filesystemSyncs += 1 }
            } catch {
                // Only while the loop stops (the bound was checked): the writes stay unacknowledged.
                for started in share { fail(started.group, error) }
            }
        }
    }

    private func finishSync(_ persisting: [Persisting], outcomes: [PersistOutcome]) {
        precondition(persisting.count == outcomes.count, "one outcome per persisted group")
        guard !isClosed else { return }
        for (started, outcome) in zip(persisting, outcomes) {
            let group = started.group
            group.isSyncing = false
            if group.damageFound != nil { reopenCuttingDamage(group) }
            // Removed (or removed and added again) meanwhile: that replica is gone.
            guard groups[group.id] === group, group.isServing else { continue }
            do {
                try group.replica.finishPersist(started.pending, outcome: outcome)
                finish(started.ready, of: group)
            } catch {
                fail(group, error)
            }
            dirtyGroups.insert(group.id)
        }
        runCycle()
    }

    /// Stops a group whose storage failed: it may have lost what it acknowledged, so it must
    /// neither vote nor acknowledge again until an operator (or the controller) rebuilds it.
    /// Damage found reading (a batch failing its checks) is cut off instead, and the replica
    /// reopened to refill from the leader before it is a full voter again.
    func fail(_ group: HostedGroup, _ error: Error) {
        guard group.failure == nil else { return }
        group.failure = "\(error)"
        group.proposals.failAll(.storageFailed("\(error)"))
        guard let damage = error as? StorageError, damage.code == .corruptData, let location = damage.location else {
            loop.logger.error("group \(group.id) on \(localID) stopped: \(error)")
            report(group)
            return
        }
        loop.logger.error("group \(group.id) on \(localID): damaged storage: \(error); cutting its log at offset \(location.offset)")
        group.damageFound = location
        report(group)
        if !group.isSyncing { reopenCuttingDamage(group) }
    }

    /// Cuts `group`'s log where a read found damage and hosts the replica again, reopened with
    /// what it had marked lost (see `RaftCore.lostLogEnd`). Left stopped if that fails.
    func reopenCuttingDamage(_ group: HostedGroup) {
        guard let location = group.damageFound, groups[group.id] === group else { return }
        group.damageFound = nil
        do {
            try group.replica.cutDamage(at: location.offset)
            let replica = try openReplica(directory: group.replica.directory, membership: group.replica.core.currentMembership)
            host(group.id, replica: replica)
        } catch {
            group.failure = "\(group.failure ?? ""); cutting the damage failed: \(error)"
            loop.logger.error("group \(group.id) on \(localID) stopped: cutting the damage failed: \(error)")
            report(group)
        }
    }

    /// Tells the observer about `group` if its status changed since it last heard.
    func report(_ group: HostedGroup) {
        guard let onStatusChange else { return }
        let status = group.status
        guard status != group.reportedStatus else { return }
        group.reportedStatus = status
        onStatusChange(status)
    }
}
