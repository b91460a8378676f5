/// A consumer's position that jumped forward between two reads of a partition: a poll-skip if
/// records exist between them (decided when the partition's records are known).
struct PositionJump {
    var process: ProcessID
    var partition: PartitionID
    var from: LogOffset
    var to: LogOffset
    var timeNanos: Int64
}

/// Follows each consumer's last read offset per partition, as Jepsen's poll-skip and
/// nonmonotonic-poll checks do: successive reads of a partition by one process must move to the
/// next offset, unless an assign, seek or rebalance intervened.
struct ConsumerPositions {
    private var lastRead: [ProcessID: [PartitionID: LogOffset]] = [:]

    /// Keeps only the positions in `partitions` (the consumer's new assignment).
    mutating func assign(_ process: ProcessID, to partitions: [PartitionID]) {
        let kept = Set(partitions)
        lastRead[process] = lastRead[process]?.filter { kept.contains($0.key) }
    }

    /// Forgets the position in `partition` (a seek or rebalance moved it deliberately).
    mutating func forget(_ process: ProcessID, _ partition: PartitionID) {
        lastRead[process]?[partition] = nil
    }

    /// Advances the position over one polled record. Returns a nonmonotonic-poll anomaly if the
    /// record is at or before the last one read, or the jump if it is beyond the next offset.
    mutating func read(_ record: PolledRecord, by process: ProcessID, at timeNanos: Int64)
        -> (backwards: Anomaly?, jump: PositionJump?)
    {
        let previous = lastRead[process]?[record.partition]
        lastRead[process, default: [:]][record.partition] = record.offset
        guard let previous else { return (nil, nil) }
        if record.offset <= previous {
            let anomaly = Anomaly(
                .nonmonotonicPoll, partition: record.partition, offset: record.offset, value: record.value,
                process: process, timeNanos: timeNanos,
                detail: "process \(process) read offset \(record.offset) of partition \(record.partition) "
                    + "after offset \(previous)")
            return (anomaly, nil)
        }
        if record.offset.rawValue > previous.rawValue + 1 {
            let jump = PositionJump(process: process, partition: record.partition, from: previous,
                                    to: record.offset, timeNanos: timeNanos)
            return (nil, jump)
        }
        return (nil, nil)
    }
}
