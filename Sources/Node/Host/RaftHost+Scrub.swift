import Raft
import Storage

extension RaftHost {
    /// Spends one tick's scrub budget (``RaftHostOptions/scrubBytesPerTick``) re-reading hosted
    /// logs, one group's pass after another (see ``ScrubCursor``).
    ///
    /// The reads run on the loop, like a fetch's: they are page-cache reads of at most the budget
    /// per tick, which is what bounds the scrub's share of the loop and of the disk. A batch that
    /// fails its checks (CRC32C and framing on the read, then its leader epoch, which no checksum
    /// covers) goes down the same path as damage a fetch finds: the replica is cut there and
    /// reopened to refill from the leader.
    func scrubTurn() {
        var budget = options.scrubBytesPerTick
        // Each group is picked at most once per turn: a pass that completes frees the rest of the
        // budget for the next due group, and the bound keeps a turn finite whatever happens.
        for _ in 0..<groups.count {
            guard budget > 0, let group = nextScrubTarget() else { return }
            budget -= scrub(group, bytesMax: budget)
            if !group.scrub.isDue(at: tickCount) || groups[group.id] !== group { scrubbing = nil }
        }
    }

    /// The group whose pass is under way, else the serving group whose pass has waited longest.
    private func nextScrubTarget() -> HostedGroup? {
        if let id = scrubbing, let group = groups[id], group.isServing, group.scrub.isDue(at: tickCount) { return group }
        let due = groups.values.filter { $0.isServing && $0.scrub.isDue(at: tickCount) }
        let chosen = due.min { ($0.scrub.nextPassTick, $0.id) < ($1.scrub.nextPassTick, $1.id) }
        scrubbing = chosen?.id
        return chosen
    }

    /// Reads up to `bytesMax` of `group`'s log for its scrub pass (at least one whole batch when
    /// any is left); returns the bytes read.
    private func scrub(_ group: HostedGroup, bytesMax: Int) -> Int {
        precondition(bytesMax > 0, "a scrub read needs a budget")
        let log = group.replica.log
        let passesBefore = group.scrub.passesCompleted
        var bytesRead = 0
        while bytesRead < bytesMax,
            let offset = group.scrub.readOffset(
                logStart: log.logStartOffset, logEnd: log.nextOffset, tick: tickCount, intervalTicks: options.scrubIntervalTicks)
        {
            do {
                let read = try log.read(from: offset, maxBytes: min(bytesMax - bytesRead, options.logOptions.limits.readBytesMax))
                try log.checkEpochs(of: read, epochMax: group.replica.core.currentTerm.epoch)
                bytesRead += read.bytes.count
                group.scrub.advance(to: read.nextOffset)
            } catch let error as StorageError where error.code == .corruptData {
                counters.scrubDamageFound += 1
                loop.logger.error("scrub of group \(group.id) on \(localID) read damaged data")
                fail(group, error)
                break
            } catch {
                group.scrub.abandon(tick: tickCount, intervalTicks: options.scrubIntervalTicks)
                loop.logger.warning("scrub of group \(group.id) on \(localID) gave up its pass: \(error)")
                break
            }
        }
        counters.scrubBytes += UInt64(bytesRead)
        if group.scrub.passesCompleted > passesBefore {
            counters.scrubPasses += 1
            loop.logger.debug("scrub of group \(group.id) on \(localID) completed pass \(group.scrub.passesCompleted): no damage")
        }
        return bytesRead
    }
}
