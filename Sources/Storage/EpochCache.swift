/// Where each leader epoch (Raft term) starts in the log, like Kafka's leader-epoch-checkpoint but
/// kept in memory: rebuilt from batch headers on open, maintained on append, truncate and prefix removal.
///
/// Invariant: epochs strictly increase and start offsets strictly increase; every start offset
/// lies in `[logStart, nextOffset)`.
public struct EpochCache: Sendable, Equatable {
    /// One epoch and the first offset written in it.
    public struct Entry: Sendable, Equatable {
        /// The epoch.
        public var epoch: LeaderEpoch
        /// Its first offset in the log.
        public var startOffset: Offset
    }

    /// Entries in log order.
    public private(set) var entries: [Entry] = []
    /// The epoch of the entry just before the log start (Raft's snapshot term), `.none` if none.
    public private(set) var epochBeforeStart: LeaderEpoch

    init(epochBeforeStart: LeaderEpoch) {
        self.epochBeforeStart = epochBeforeStart
    }

    /// The epoch of the last entry in the log, or the one before the start when the log is empty.
    public var latestEpoch: LeaderEpoch { entries.last?.epoch ?? epochBeforeStart }

    /// Records that a batch of `epoch` starts at `offset` (appended at the end of the log).
    mutating func record(_ epoch: LeaderEpoch, at offset: Offset) {
        precondition(epoch >= latestEpoch, "epoch \(epoch) after \(latestEpoch)")
        precondition(offset > (entries.last?.startOffset ?? Offset(Int64.min)), "epoch start \(offset) goes back")
        if entries.last?.epoch != epoch { entries.append(Entry(epoch: epoch, startOffset: offset)) }
    }

    /// Forgets every epoch start at or after `end` (the new end of the log).
    mutating func truncate(toEnd end: Offset) {
        while let last = entries.last, last.startOffset >= end { entries.removeLast() }
    }

    /// Moves the start to `start` (at most `nextOffset`), remembering `epochBefore` for the entry at `start - 1`.
    mutating func advanceStart(to start: Offset, epochBefore: LeaderEpoch, nextOffset: Offset) {
        precondition(start <= nextOffset, "start \(start) beyond the end \(nextOffset)")
        var kept: Entry?
        while let first = entries.first, first.startOffset <= start {
            kept = first
            entries.removeFirst()
        }
        if var kept, start < nextOffset, entries.first?.startOffset != start {
            kept.startOffset = start
            entries.insert(kept, at: 0)
        }
        epochBeforeStart = epochBefore
    }

    /// Drops every entry and restarts empty (the log was reset to an empty one).
    mutating func reset(epochBefore: LeaderEpoch) {
        entries.removeAll()
        epochBeforeStart = epochBefore
    }

    /// The epoch of the batch holding `offset`, for offsets inside the log (caller checks the range).
    func epoch(containing offset: Offset) -> LeaderEpoch? {
        guard let index = lastIndex(startingAtOrBefore: offset) else { return nil }
        return entries[index].epoch
    }

    /// The last offset written in exactly `epoch`, given the log's `nextOffset`.
    func lastOffset(ofEpoch epoch: LeaderEpoch, nextOffset: Offset) -> Offset? {
        guard let index = entries.firstIndex(where: { $0.epoch == epoch }) else { return nil }
        let end = index + 1 < entries.count ? entries[index + 1].startOffset : nextOffset
        return end.advanced(by: -1)
    }

    /// Kafka's OffsetForLeaderEpoch answer: the largest epoch `<= epoch` in the log and the offset
    /// where the next larger epoch starts (or `nextOffset`); nil when no such epoch is in the log.
    func endOffset(forEpoch epoch: LeaderEpoch, nextOffset: Offset) -> (epoch: LeaderEpoch, endOffset: Offset)? {
        guard let index = entries.lastIndex(where: { $0.epoch <= epoch }) else { return nil }
        let end = index + 1 < entries.count ? entries[index + 1].startOffset : nextOffset
        return (entries[index].epoch, end)
    }

    private func lastIndex(startingAtOrBefore offset: Offset) -> Int? {
        var low = 0
        var high = entries.count
        while low < high {
            let middle = (low + high) / 2
            if entries[middle].startOffset <= offset { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }
}
