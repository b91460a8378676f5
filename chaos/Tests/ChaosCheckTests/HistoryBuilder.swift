import ChaosCheck

/// Writes histories for tests: each call appends an invoke and its completion (or just one of
/// them, for overlapping operations), advancing the clock by a millisecond per event.
struct HistoryBuilder {
    private(set) var events: [HistoryEvent] = []
    private var timeNanos: Int64 = 0

    static let idempotent = ProducerIdentity(id: 1, kind: .idempotent)
    static let plain = ProducerIdentity(id: 2, kind: .plain)

    mutating func append(_ process: ProcessID?, _ type: EventType, _ operation: Operation) {
        timeNanos += 1_000_000
        events.append(HistoryEvent(timeNanos: timeNanos, process: process, type: type, operation: operation))
    }

    /// A send that ends `outcome`; `offset` is what an `ok` acknowledgement reported.
    mutating func send(
        _ process: ProcessID, _ value: RecordValue, to partition: PartitionID, at offset: LogOffset? = nil,
        outcome: EventType = .ok, producer: ProducerIdentity = idempotent
    ) {
        let invoke = SendOperation(partition: partition, key: "k\(value)", value: value, producer: producer)
        var completion = invoke
        completion.offset = offset
        append(process, .invoke, .send(invoke))
        append(process, outcome, .send(completion))
    }

    /// A poll returning `(partition, offset, value)` records.
    mutating func poll(
        _ process: ProcessID, _ records: [(PartitionID, LogOffset, RecordValue)], rebalanced: [PartitionID] = []
    ) {
        append(process, .invoke, .poll(PollOperation()))
        let polled = records.map { PolledRecord(partition: $0.0, offset: $0.1, value: $0.2) }
        append(process, .ok, .poll(PollOperation(records: polled, rebalanced: rebalanced)))
    }

    mutating func assign(_ process: ProcessID, _ partitions: [PartitionID]) {
        append(process, .invoke, .assign(partitions: partitions))
        append(process, .ok, .assign(partitions: partitions))
    }

    mutating func seek(_ process: ProcessID, _ partition: PartitionID, to offset: LogOffset) {
        append(process, .invoke, .seek(partition: partition, offset: offset))
        append(process, .ok, .seek(partition: partition, offset: offset))
    }

    mutating func commit(
        _ process: ProcessID, group: String = "g", _ partition: PartitionID, _ offset: LogOffset, reset: Bool = false,
        outcome: EventType = .ok
    ) {
        let commit = OffsetCommitOperation(group: group, partition: partition, offset: offset, isReset: reset)
        append(process, .invoke, .commitOffset(commit))
        append(process, outcome, .commitOffset(commit))
    }

    mutating func fetch(
        _ process: ProcessID, group: String = "g", _ partition: PartitionID, returns offset: LogOffset?
    ) {
        append(process, .invoke, .fetchOffset(OffsetFetchOperation(group: group, partition: partition)))
        append(process, .ok, .fetchOffset(OffsetFetchOperation(group: group, partition: partition, offset: offset)))
    }

    mutating func fault(_ kind: String, _ targets: [String]) {
        append(nil, .info, .fault(FaultOperation(kind: kind, targets: targets)))
    }
}

/// A replica log from offset 0: `nil` is a control record.
func replica(_ partition: PartitionID, _ name: String, _ values: [Int64?], end: Int64? = nil) -> ReplicaLog {
    let entries = values.enumerated().map { index, value in
        LogEntry(offset: LogOffset(Int64(index)), content: value.map { .value(RecordValue($0)) } ?? .control)
    }
    return ReplicaLog(partition: partition, replica: name, startOffset: 0,
                      endOffset: LogOffset(end ?? Int64(values.count)), entries: entries)
}

/// Three identical replicas of one partition.
func replicas(_ partition: PartitionID, _ values: [Int64?]) -> [ReplicaLog] {
    ["n1", "n2", "n3"].map { replica(partition, $0, values) }
}

/// Checks `events` against `replicaLogs` (none: history only).
func check(_ events: [HistoryEvent], _ replicaLogs: [ReplicaLog] = [], exampleCountMax: Int = 8) throws -> CheckReport {
    var finalLogs = FinalLogs(exampleCountMax: exampleCountMax)
    for log in replicaLogs { finalLogs.add(log) }
    var checker = HistoryChecker(finalLogs: finalLogs, options: CheckOptions(exampleCountMax: exampleCountMax))
    for (index, event) in events.enumerated() { try checker.record(event, line: index + 1) }
    return checker.finish()
}

extension CheckReport {
    /// The kinds found, in order.
    var kinds: [AnomalyKind] { anomalies.map(\.kind) }

    /// The examples of `kind` (empty when none).
    func examples(of kind: AnomalyKind) -> [Anomaly] { anomalies(of: kind)?.examples ?? [] }
}
