import Storage

/// How far the background scrub of one replica's log has come.
///
/// Opening a log CRC-checks only what lies above its durable checkpoint: a sealed segment is
/// trusted from its summary, so a byte that rots in old data (while the node runs, or while it
/// is down) stays unseen until a consumer or a lagging follower reads it, which may be never.
/// The scrub re-reads every batch, checksums and all, a bounded number of bytes per tick, so that
/// such damage is found and the replica refills from its leader while the other replicas still
/// hold the data. A pass covers the log as it was when the pass began; the next pass starts an
/// interval after the last one ended. A replica opened (or reopened after a damage cut) starts
/// with a pass due at once, because the time it was closed is when damage went unwatched.
struct ScrubCursor: Equatable {
    /// Where the current pass reads next; nil between passes.
    private(set) var next: Offset?
    /// Where the current pass ends: the log's end when the pass began.
    private(set) var passEnd: Offset = 0
    /// Passes completed since the replica was opened.
    private(set) var passesCompleted: UInt64 = 0
    /// The host tick from which the next pass may begin.
    private(set) var nextPassTick: UInt64 = 0

    /// Whether a pass is under way or may begin at `tick`.
    func isDue(at tick: UInt64) -> Bool { next != nil || tick >= nextPassTick }

    /// The offset to read from now, beginning a pass if one is due; nil when nothing is to be
    /// read (not due, or the pass just completed because the log holds nothing left to check).
    /// - Parameters:
    ///   - logStart: the log's first offset now (retention or a snapshot may have moved it).
    ///   - logEnd: the offset after the log's last batch now (a Raft truncation may have cut it).
    ///   - tick: the host's tick count now.
    ///   - intervalTicks: ticks between the end of a pass and the start of the next.
    mutating func readOffset(logStart: Offset, logEnd: Offset, tick: UInt64, intervalTicks: UInt64) -> Offset? {
        precondition(logStart <= logEnd, "log start \(logStart) after log end \(logEnd)")
        if next == nil {
            guard tick >= nextPassTick else { return nil }
            next = logStart
            passEnd = logEnd
        }
        let offset = max(next!, logStart)
        guard offset < min(passEnd, logEnd) else {
            complete(tick: tick, intervalTicks: intervalTicks)
            return nil
        }
        next = offset
        return offset
    }

    /// Records a successful read that ended before `offset`.
    mutating func advance(to offset: Offset) {
        guard let current = next else { preconditionFailure("advance outside a scrub pass") }
        precondition(offset > current, "a scrub read moves forward: \(current) to \(offset)")
        next = offset
    }

    /// Gives up the current pass (the log could not be read for a reason other than damage);
    /// the next begins an interval from now.
    mutating func abandon(tick: UInt64, intervalTicks: UInt64) {
        endPass(tick: tick, intervalTicks: intervalTicks)
    }

    private mutating func complete(tick: UInt64, intervalTicks: UInt64) {
        passesCompleted += 1
        endPass(tick: tick, intervalTicks: intervalTicks)
    }

    private mutating func endPass(tick: UInt64, intervalTicks: UInt64) {
        next = nil
        nextPassTick = tick &+ intervalTicks
    }
}
