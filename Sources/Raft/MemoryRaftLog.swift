/// A `RaftLogReader` kept in memory: the durable log of tests, the simulator and the benchmark.
///
/// Its mutating methods are the operations a caller performs when handling `Ready`.
public final class MemoryRaftLog: RaftLogReader {
    /// The stored entries in order, without gaps.
    public private(set) var storedEntries: [Entry] = []
    /// Where the log starts.
    public private(set) var start: LogStart

    /// Creates an empty log starting at `start` (index 1, no term before, by default).
    public init(start: LogStart = LogStart(index: LogIndex(1), termBefore: .zero)) {
        self.start = start
    }

    public var firstIndex: LogIndex { start.index }

    public var lastIndex: LogIndex { storedEntries.last?.lastIndex ?? start.index.previous }

    public func term(at index: LogIndex) -> Term? {
        if index == start.index.previous { return start.termBefore }
        return position(of: index).map { storedEntries[$0].term }
    }

    public func entryRange(containing index: LogIndex) -> ClosedRange<LogIndex>? {
        position(of: index).map { storedEntries[$0].index...storedEntries[$0].lastIndex }
    }

    public func entries(from index: LogIndex, bytesMax: Int) -> [Entry] {
        guard let first = position(of: index) else { return [] }
        var result: [Entry] = []
        var sizeBytes = 0
        for entry in storedEntries[first...] {
            if !result.isEmpty && sizeBytes + entry.sizeBytes > bytesMax { break }
            sizeBytes += entry.sizeBytes
            result.append(entry)
        }
        return result
    }

    /// Drops every entry at or after `index` (which must start an entry or follow the last one),
    /// then appends `newEntries`, which must continue the log without a gap.
    public func append(_ newEntries: [Entry]) {
        guard let first = newEntries.first else { return }
        truncate(from: first.index)
        for entry in newEntries {
            precondition(entry.index == lastIndex.next, "appended \(entry) does not follow index \(lastIndex)")
            storedEntries.append(entry)
        }
    }

    /// Drops every entry at or after `index`, which must be an entry boundary.
    public func truncate(from index: LogIndex) {
        precondition(index >= start.index, "cannot truncate at \(index) before log start \(start.index)")
        guard index <= lastIndex else { return }
        let position = position(of: index)!
        precondition(storedEntries[position].index == index, "truncation at \(index) splits \(storedEntries[position])")
        storedEntries.removeSubrange(position...)
    }

    /// Removes the prefix before `index`, which must start an entry or follow the last one.
    public func removePrefix(before index: LogIndex) {
        guard index > start.index else { return }
        precondition(index <= lastIndex.next, "cannot start the log at \(index) past \(lastIndex.next)")
        let termBefore = term(at: index.previous)!
        let kept = storedEntries.drop { $0.lastIndex < index }
        precondition(kept.first.map { $0.index == index } ?? true, "prefix removal at \(index) splits an entry")
        storedEntries = Array(kept)
        start = LogStart(index: index, termBefore: termBefore)
    }

    /// Drops every entry and starts the log at `newStart` (installing a leader's log start).
    public func reset(to newStart: LogStart) {
        storedEntries = []
        start = newStart
    }

    /// The position in `storedEntries` of the entry containing `index`.
    private func position(of index: LogIndex) -> Int? {
        guard index >= start.index, index <= lastIndex else { return nil }
        var low = 0
        var high = storedEntries.count - 1
        while low < high {
            let middle = (low + high) / 2
            if storedEntries[middle].lastIndex < index { low = middle + 1 } else { high = middle }
        }
        return low
    }
}
