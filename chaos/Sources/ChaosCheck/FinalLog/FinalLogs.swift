/// Where a value sits in the final logs.
public struct Placement: Hashable, Sendable {
    /// The partition.
    public var partition: PartitionID
    /// The offset there.
    public var offset: LogOffset
}

/// The final committed logs of every partition, built from every replica's dump.
///
/// Each replica's log is checked for gaps (offsets must be dense and increasing between its
/// start and end), then compared with the log already held for its partition (any difference is
/// a divergent replica); the longer of the two is kept as the partition's final log. If no
/// difference is reported, every replica of a partition holds the same log.
public struct FinalLogs: Sendable {
    /// How many placements are kept for one duplicated value.
    public static let duplicatePlacementCountMax = 4

    private(set) var logs: [PartitionID: FinalLog] = [:]
    /// The first placement of every value in the final logs.
    private(set) var placements: [RecordValue: Placement] = [:]
    /// Values placed more than once, with their first few placements.
    private(set) var duplicates: [RecordValue: [Placement]] = [:]
    /// Gaps, divergent replicas and foreign records found while building.
    private(set) var anomalies: AnomalyLog

    /// No final logs: every partition is checked from the history alone.
    public init(exampleCountMax: Int = CheckOptions.exampleCountMaxDefault) {
        anomalies = AnomalyLog(exampleCountMax: exampleCountMax)
    }

    /// The final log of `partition`, if any replica of it was read.
    public func log(of partition: PartitionID) -> FinalLog? { logs[partition] }

    /// The partitions that have a final log.
    public var partitions: [PartitionID] { logs.keys.sorted() }

    /// Adds one replica's log: checks it for gaps, compares it with the partition's log so far,
    /// and keeps the longer one. Memory holds the final logs plus the one being added.
    /// A replica whose stored bytes failed their checks is a damaged replica, and is checked
    /// further only up to the damage.
    public mutating func add(_ replica: ReplicaLog) {
        if let damaged = replica.damagedOffset {
            anomalies.record(Anomaly(
                .damagedReplica, partition: replica.partition, offset: damaged,
                detail: "replica \(replica.replica) of partition \(replica.partition) fails its checks at offset "
                    + "\(damaged), below its high-water mark \(replica.endOffset): after recovery it still holds "
                    + "committed data it cannot vouch for"))
        }
        let candidate = FinalLog(sorted: sortedCheckingGaps(replica))
        guard let current = logs[replica.partition] else {
            logs[replica.partition] = candidate
            return
        }
        compare(current, candidate)
        if candidate.entryCount > current.entryCount { logs[replica.partition] = candidate }
    }

    /// Indexes every value of the final logs (``HistoryChecker`` does, once all are added).
    mutating func indexValues() {
        precondition(placements.isEmpty && duplicates.isEmpty, "values are indexed once")
        for partition in partitions {
            for entry in logs[partition]!.allEntries {
                switch entry.content {
                case .value(let value):
                    place(value, at: Placement(partition: partition, offset: entry.offset))
                case .foreign:
                    anomalies.record(Anomaly(
                        .phantom, partition: partition, offset: entry.offset,
                        detail: "the record at offset \(entry.offset) is not a value the workload writes"))
                case .control:
                    break
                }
            }
        }
    }

    /// Where `value` first sits in the final logs.
    public func placement(of value: RecordValue) -> Placement? { placements[value] }

    private mutating func place(_ value: RecordValue, at placement: Placement) {
        guard let first = placements[value] else {
            placements[value] = placement
            return
        }
        var known = duplicates[value] ?? [first]
        if known.count < Self.duplicatePlacementCountMax { known.append(placement) }
        duplicates[value] = known
    }

    /// The entries of `log` that are in its range, in increasing offset order; records a gap for
    /// every hole, every repeat or step backwards, and every entry outside the range.
    private mutating func sortedCheckingGaps(_ log: ReplicaLog) -> ReplicaLog {
        var kept: [LogEntry] = []
        kept.reserveCapacity(log.entries.count)
        var expected = log.startOffset
        // A damaged replica vouches only for what lies before the damage.
        let end = log.damagedOffset ?? log.endOffset
        for entry in log.entries {
            if entry.offset < log.startOffset || entry.offset >= end {
                recordGap(log, at: entry.offset,
                          "holds offset \(entry.offset) outside its range [\(log.startOffset), \(end))")
            } else if let last = kept.last, entry.offset <= last.offset {
                recordGap(log, at: entry.offset, "lists offset \(entry.offset) after offset \(last.offset)")
            } else {
                if entry.offset > expected {
                    recordGap(log, at: expected, "is missing offsets \(expected)..<\(entry.offset)")
                }
                kept.append(entry)
                expected = LogOffset(entry.offset.rawValue + 1)
            }
        }
        if expected < end {
            recordGap(log, at: expected, "is missing offsets \(expected)..<\(end) (\(log.damagedOffset == nil ? "its end" : "its damage"))")
        }
        var sorted = log
        sorted.entries = kept
        return sorted
    }

    private mutating func recordGap(_ log: ReplicaLog, at offset: LogOffset, _ what: String) {
        anomalies.record(Anomaly(.gap, partition: log.partition, offset: offset,
                                 detail: "replica \(log.replica) of partition \(log.partition) \(what)"))
    }

    /// Records a divergent replica if `a` and `b` differ at an offset both cover, or end apart
    /// (unless either ends at damage, which the damaged replica is already reported for).
    /// Walks the two entry lists together, so the cost follows the records, not the offsets a
    /// (possibly corrupt) header claims.
    private mutating func compare(_ a: FinalLog, _ b: FinalLog) {
        let from = max(a.startOffset, b.startOffset)
        let to = min(a.endOffset, b.endOffset)
        let left = a.allEntries.drop { $0.offset < from }.prefix { $0.offset < to }
        let right = b.allEntries.drop { $0.offset < from }.prefix { $0.offset < to }
        var i = left.startIndex
        var j = right.startIndex
        while i < left.endIndex || j < right.endIndex {
            let offset = min(i < left.endIndex ? left[i].offset : to, j < right.endIndex ? right[j].offset : to)
            let leftEntry = i < left.endIndex && left[i].offset == offset ? left[i] : nil
            let rightEntry = j < right.endIndex && right[j].offset == offset ? right[j] : nil
            if let leftEntry, let rightEntry, !leftEntry.differs(from: rightEntry) {
                i += 1
                j += 1
                continue
            }
            anomalies.record(Anomaly(
                .divergentReplica, partition: a.partition, offset: offset,
                detail: "partition \(a.partition) offset \(offset): replica \(a.replica) holds "
                    + "\(leftEntry?.summary ?? "nothing"), replica \(b.replica) holds "
                    + "\(rightEntry?.summary ?? "nothing")"))
            return
        }
        if a.endOffset != b.endOffset && !a.isDamaged && !b.isDamaged {
            anomalies.record(Anomaly(
                .divergentReplica, partition: a.partition, offset: to,
                detail: "partition \(a.partition): replica \(a.replica) ends at \(a.endOffset), "
                    + "replica \(b.replica) at \(b.endOffset)"))
        }
    }
}
