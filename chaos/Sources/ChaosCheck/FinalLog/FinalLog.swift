/// The final committed log of one partition: the replica log the checker holds as the truth,
/// with its entries sorted by offset, one per offset.
public struct FinalLog: Sendable {
    /// The partition.
    public let partition: PartitionID
    /// The replica this log was read from.
    public let replica: String
    /// The first offset held.
    public let startOffset: LogOffset
    /// The offset after the last committed one; where damage was found when ``isDamaged``.
    public let endOffset: LogOffset
    /// Whether the replica's stored bytes failed their checks at ``endOffset``, so that its
    /// committed log went on past what this log holds.
    public let isDamaged: Bool
    private let entries: [LogEntry]
    /// `dataCountBefore[i]` = data (non-control) records among `entries[..<i]`, so that the
    /// records between two offsets count in O(log n).
    private let dataCountBefore: [Int]

    /// Wraps a replica log whose entries are already sorted by offset with no repeats.
    init(sorted log: ReplicaLog) {
        precondition(zip(log.entries, log.entries.dropFirst()).allSatisfy { $0.offset < $1.offset },
                     "FinalLog needs entries sorted by offset without repeats")
        partition = log.partition
        replica = log.replica
        startOffset = log.startOffset
        endOffset = log.damagedOffset ?? log.endOffset
        isDamaged = log.damagedOffset != nil
        entries = log.entries
        var counts = [0]
        counts.reserveCapacity(log.entries.count + 1)
        for entry in log.entries {
            counts.append(counts.last! + (entry.content == .control ? 0 : 1))
        }
        dataCountBefore = counts
    }

    /// How many records the log holds.
    public var entryCount: Int { entries.count }

    /// The records, in offset order.
    public var allEntries: [LogEntry] { entries }

    /// What the log holds at `offset`, or `nil` when it holds nothing there.
    public func content(at offset: LogOffset) -> LogEntryContent? {
        let index = firstIndex(atOrAfter: offset)
        return index < entries.count && entries[index].offset == offset ? entries[index].content : nil
    }

    /// The data (non-control) records strictly between `lower` and `upper`.
    public func dataRecords(between lower: LogOffset, and upper: LogOffset) -> Int {
        guard lower < upper else { return 0 }
        let from = firstIndex(atOrAfter: LogOffset(lower.rawValue + 1))
        let to = firstIndex(atOrAfter: upper)
        return from < to ? dataCountBefore[to] - dataCountBefore[from] : 0
    }

    /// The first data record strictly between `lower` and `upper`, if any (for examples).
    public func firstDataRecord(between lower: LogOffset, and upper: LogOffset) -> LogEntry? {
        guard lower < upper else { return nil }
        var index = firstIndex(atOrAfter: LogOffset(lower.rawValue + 1))
        while index < entries.count && entries[index].offset < upper {
            if entries[index].content != .control { return entries[index] }
            index += 1
        }
        return nil
    }

    private func firstIndex(atOrAfter offset: LogOffset) -> Int {
        entries.partitionPoint { $0.offset >= offset }
    }
}
