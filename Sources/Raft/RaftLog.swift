/// The core's view of the log: the caller's durable log (`stable`) overlaid by entries the core
/// has accepted but the caller has not yet reported durable (`unstable`).
///
/// Invariants: `unstable` is gapless and starts at `unstableOffset`; indexes at or after
/// `unstableOffset` are answered from `unstable` only (older durable entries there are stale);
/// `applied <= committed <= lastIndex` once the caller has caught up.
struct RaftLog<Stable: RaftLogReader> {
    let stable: Stable
    private(set) var unstable: [Entry] = []
    private(set) var unstableOffset: LogIndex
    /// A log start the caller must install (drop everything, start there) before `unstable`.
    private(set) var pendingStart: LogStart?
    var committed: LogIndex
    var applied: LogIndex

    init(stable: Stable, committed: LogIndex, applied: LogIndex) {
        self.stable = stable
        self.unstableOffset = stable.lastIndex.next
        self.committed = committed
        self.applied = applied
    }

    var firstIndex: LogIndex { pendingStart?.index ?? stable.firstIndex }

    var lastIndex: LogIndex {
        if let last = unstable.last { return last.lastIndex }
        return unstableOffset.previous
    }

    /// The last index that is durable and not shadowed by a pending truncation or reset.
    var durableLastIndex: LogIndex {
        if pendingStart != nil { return firstIndex.previous }
        return min(stable.lastIndex, unstableOffset.previous)
    }

    var lastTerm: Term { term(at: lastIndex) ?? .zero }

    func term(at index: LogIndex) -> Term? {
        if let start = pendingStart {
            if index == start.index.previous { return start.termBefore }
            if index < start.index { return nil }
        }
        if index >= unstableOffset {
            return unstablePosition(of: index).map { unstable[$0].term }
        }
        return stable.term(at: index)
    }

    func entryRange(containing index: LogIndex) -> ClosedRange<LogIndex>? {
        if index >= unstableOffset {
            return unstablePosition(of: index).map { unstable[$0].index...unstable[$0].lastIndex }
        }
        if pendingStart != nil { return nil }
        return stable.entryRange(containing: index)
    }

    /// Whole entries from the one containing `index` through `through`, at most `bytesMax`
    /// (but at least one entry when `index` is in the log).
    func entries(from index: LogIndex, through: LogIndex, bytesMax: Int) -> [Entry] {
        guard index <= through, index >= firstIndex else { return [] }
        var result: [Entry] = []
        var sizeBytes = 0
        if index < unstableOffset && pendingStart == nil {
            for entry in stable.entries(from: index, bytesMax: bytesMax) {
                guard entry.lastIndex < unstableOffset, entry.index <= through else { break }
                if !result.isEmpty && sizeBytes + entry.sizeBytes > bytesMax { return result }
                sizeBytes += entry.sizeBytes
                result.append(entry)
            }
            if let last = result.last, last.lastIndex.next < unstableOffset { return result }
        }
        let unstableFrom = result.last?.lastIndex.next ?? index
        guard let first = unstablePosition(of: unstableFrom) else { return result }
        for entry in unstable[first...] {
            guard entry.index <= through else { break }
            if !result.isEmpty && sizeBytes + entry.sizeBytes > bytesMax { break }
            sizeBytes += entry.sizeBytes
            result.append(entry)
        }
        return result
    }

    /// Whether a log ending with (`index`, `term`) is at least as up to date as this one (§5.4.1).
    func isUpToDate(lastIndex index: LogIndex, lastTerm term: Term) -> Bool {
        term > lastTerm || (term == lastTerm && index >= lastIndex)
    }

    /// The highest entry boundary at or below `index` whose term is at most `term`, stopping at
    /// the log start: where a leader and a follower may agree after a rejected append.
    func boundary(atOrBelow index: LogIndex, termAtMost term: Term) -> (index: LogIndex, term: Term) {
        var position = min(index, lastIndex)
        while position >= firstIndex {
            guard let range = entryRange(containing: position), let entryTerm = self.term(at: position) else { break }
            if position == range.upperBound && entryTerm <= term { return (position, entryTerm) }
            position = range.lowerBound.previous
        }
        let start = firstIndex.previous
        return (start, self.term(at: start) ?? .zero)
    }

    /// Appends `entries` after truncating everything at or after the first one's index.
    mutating func append(_ entries: [Entry]) {
        guard let first = entries.first else { return }
        precondition(first.index > committed, "appending \(first) would overwrite committed index \(committed)")
        precondition(first.index <= lastIndex.next, "appending \(first) leaves a gap after \(lastIndex)")
        if first.index == lastIndex.next {
            unstable.append(contentsOf: entries)
        } else if first.index >= unstableOffset, let position = unstablePosition(of: first.index) {
            precondition(unstable[position].index == first.index, "truncation at \(first.index) splits \(unstable[position])")
            unstable.removeSubrange(position...)
            unstable.append(contentsOf: entries)
        } else {
            let range = stable.entryRange(containing: first.index)
            precondition(range?.lowerBound == first.index, "truncation at \(first.index) splits a stored entry")
            unstable = entries
            unstableOffset = first.index
        }
        assertGapless()
    }

    /// Drops the whole log and starts it at `start` once the caller installs it.
    mutating func reset(to start: LogStart) {
        pendingStart = start
        unstable = []
        unstableOffset = start.index
        committed = start.index.previous
        applied = start.index.previous
    }

    /// The caller reported durable the entries handed out through `index` (with `term`).
    mutating func stableTo(index: LogIndex, term: Term) {
        guard index >= unstableOffset, self.term(at: index) == term else { return }
        let keep = unstable.firstIndex { $0.lastIndex > index } ?? unstable.count
        precondition(keep == 0 || unstable[keep - 1].lastIndex == index, "stable index \(index) splits an entry")
        unstable.removeFirst(keep)
        unstableOffset = index.next
    }

    /// The caller installed `start`.
    mutating func stableStart(_ start: LogStart) {
        if pendingStart == start { pendingStart = nil }
    }

    private func unstablePosition(of index: LogIndex) -> Int? {
        guard index >= unstableOffset, let last = unstable.last, index <= last.lastIndex else { return nil }
        var low = 0
        var high = unstable.count - 1
        while low < high {
            let middle = (low + high) / 2
            if unstable[middle].lastIndex < index { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func assertGapless() {
        guard let first = unstable.first else { return }
        precondition(first.index == unstableOffset, "unstable log starts at \(first.index), offset \(unstableOffset)")
    }
}
