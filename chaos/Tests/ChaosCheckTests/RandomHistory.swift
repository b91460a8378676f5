import ChaosCheck
import SeededRandom

/// A seeded simulation of a correct system under the workload: producers (idempotent and plain)
/// append to in-memory partition logs, consumers poll, seek, get reassigned and commit offsets,
/// faults come and go. Sends end ok, fail, or indeterminate (landed or not), some never end.
/// Its histories and logs must pass the checker; ``HistoryMutation`` then breaks them.
struct RandomHistory {
    struct AckedSend {
        var value: RecordValue
        var partition: PartitionID
        var offset: LogOffset
        var producer: ProducerIdentity
    }

    private(set) var events: [HistoryEvent] = []
    private(set) var logs: [[LogEntryContent]]
    private(set) var acked: [AckedSend] = []
    private(set) var failedSends: [(value: RecordValue, partition: PartitionID)] = []
    /// Acknowledged committed-offset floors at the end, by group and partition.
    private(set) var commitFloors: [String: [PartitionID: LogOffset]] = [:]

    private var random: SplitMix64
    private var timeNanos: Int64 = 0
    private var nextValue: Int64 = 1
    private var producers: [ProducerIdentity]
    private var consumers: [ConsumerState]
    private var pendingSends: [Int: SendOperation] = [:]
    private var committed: [String: [PartitionID: LogOffset]] = [:]

    private struct ConsumerState {
        var process: ProcessID
        var group: String
        var assigned: [PartitionID] = []
        var positions: [PartitionID: LogOffset] = [:]
    }

    init(seed: UInt64, steps: Int = 300) {
        random = SplitMix64(seed: seed)
        let partitionCount = Int.random(in: 1...3, using: &random)
        logs = Array(repeating: [], count: partitionCount)
        producers = []
        consumers = []
        for id in 0..<Int.random(in: 2...4, using: &random) {
            producers.append(ProducerIdentity(id: id, kind: Bool.random(using: &random) ? .idempotent : .plain))
        }
        for index in 0..<Int.random(in: 1...2, using: &random) {
            consumers.append(ConsumerState(process: ProcessID(100 + index), group: "g\(index)"))
        }
        for _ in 0..<steps { step() }
        for id in pendingSends.keys.sorted() where Bool.random(using: &random) {
            append(pendingSends[id]!.value, to: pendingSends[id]!.partition)  // landed, never acknowledged
        }
    }

    /// Three identical replicas of every partition's log.
    var replicaLogs: [ReplicaLog] {
        logs.indices.flatMap { index in
            ["n1", "n2", "n3"].map { name in
                ReplicaLog(partition: PartitionID(index), replica: name, startOffset: 0,
                           endOffset: LogOffset(Int64(logs[index].count)),
                           entries: logs[index].enumerated().map {
                               LogEntry(offset: LogOffset(Int64($0)), content: $1)
                           })
            }
        }
    }

    private mutating func step() {
        switch Int.random(in: 0..<10, using: &random) {
        case 0..<5: producerStep(producers.randomElement(using: &random)!)
        case 5..<9: consumerStep(Int.random(in: 0..<consumers.count, using: &random))
        default:
            let kind = ["kill", "pause", "partition", "heal"].randomElement(using: &random)!
            let target = "n\(Int.random(in: 1...3, using: &random))"
            emit(nil, .info, .fault(FaultOperation(kind: kind, targets: [target])))
        }
    }

    private mutating func producerStep(_ producer: ProducerIdentity) {
        let process = ProcessID(producer.id)
        guard var send = pendingSends.removeValue(forKey: producer.id) else {
            let send = SendOperation(partition: PartitionID(Int.random(in: 0..<logs.count, using: &random)),
                                     value: RecordValue(nextValue), producer: producer)
            nextValue += 1
            pendingSends[producer.id] = send
            emit(process, .invoke, .send(send))
            return
        }
        if Int.random(in: 0..<8, using: &random) == 0 { logs[send.partition.rawValue].append(.control) }
        switch Int.random(in: 0..<20, using: &random) {
        case 0..<15:
            send.offset = append(send.value, to: send.partition)
            acked.append(AckedSend(value: send.value, partition: send.partition, offset: send.offset!,
                                   producer: producer))
            emit(process, .ok, .send(send))
        case 15..<17:
            failedSends.append((send.value, send.partition))
            emit(process, .fail, .send(send))
        default:
            if Bool.random(using: &random) {
                append(send.value, to: send.partition)
                // A plain producer's retry after a lost acknowledgement may land twice.
                if producer.kind == .plain && Bool.random(using: &random) { append(send.value, to: send.partition) }
            }
            emit(process, .info, .send(send))
        }
    }

    @discardableResult
    private mutating func append(_ value: RecordValue, to partition: PartitionID) -> LogOffset {
        logs[partition.rawValue].append(.value(value))
        return LogOffset(Int64(logs[partition.rawValue].count - 1))
    }

    private mutating func consumerStep(_ index: Int) {
        var consumer = consumers[index]
        switch Int.random(in: 0..<12, using: &random) {
        case 0..<6: poll(&consumer)
        case 6: reassign(&consumer)
        case 7:
            if let partition = consumer.assigned.randomElement(using: &random) {
                let offset = LogOffset(Int64.random(in: 0...Int64(logs[partition.rawValue].count), using: &random))
                consumer.positions[partition] = offset
                emitPair(consumer.process, .ok, .seek(partition: partition, offset: offset))
            }
        case 8..<11: commit(&consumer)
        default: fetch(consumer)
        }
        consumers[index] = consumer
    }

    private mutating func poll(_ consumer: inout ConsumerState) {
        var records: [PolledRecord] = []
        var rebalanced: [PartitionID] = []
        for partition in consumer.assigned {
            if Int.random(in: 0..<15, using: &random) == 0 {
                rebalanced.append(partition)  // the group moved it away and back: restart from the commit
                consumer.positions[partition] = committed[consumer.group]?[partition] ?? 0
            }
            var position = consumer.positions[partition] ?? 0
            let log = logs[partition.rawValue]
            var budget = Int.random(in: 0...4, using: &random)
            while budget > 0 && position.rawValue < Int64(log.count) {
                if case .value(let value) = log[Int(position.rawValue)] {
                    records.append(PolledRecord(partition: partition, offset: position, value: value))
                    budget -= 1
                }
                position = LogOffset(position.rawValue + 1)
            }
            consumer.positions[partition] = position
        }
        emit(consumer.process, .invoke, .poll(PollOperation()))
        emit(consumer.process, .ok, .poll(PollOperation(records: records, rebalanced: rebalanced)))
    }

    private mutating func reassign(_ consumer: inout ConsumerState) {
        var partitions: [PartitionID] = []
        for index in 0..<logs.count where Bool.random(using: &random) { partitions.append(PartitionID(index)) }
        for partition in partitions where !consumer.assigned.contains(partition) {
            consumer.positions[partition] = committed[consumer.group]?[partition] ?? 0
        }
        consumer.assigned = partitions
        emitPair(consumer.process, .ok, .assign(partitions: partitions))
    }

    private mutating func commit(_ consumer: inout ConsumerState) {
        guard let partition = consumer.assigned.randomElement(using: &random) else { return }
        let current = committed[consumer.group]?[partition]
        let isReset = Int.random(in: 0..<10, using: &random) == 0
        let position = consumer.positions[partition] ?? 0
        let offset = isReset ? LogOffset(Int64.random(in: 0...position.rawValue, using: &random))
            : max(current ?? position, position)
        let outcome: EventType = [.ok, .ok, .ok, .fail, .info].randomElement(using: &random)!
        if outcome == .ok || (outcome == .info && Bool.random(using: &random)) {
            committed[consumer.group, default: [:]][partition] = offset
        }
        // The floor the checker must hold: an indeterminate reset leaves it unknown.
        switch (outcome, isReset) {
        case (.ok, false):
            let floor = commitFloors[consumer.group]?[partition]
            commitFloors[consumer.group, default: [:]][partition] = max(floor ?? offset, offset)
        case (.ok, true): commitFloors[consumer.group, default: [:]][partition] = offset
        case (.info, true): commitFloors[consumer.group]?[partition] = nil
        default: break
        }
        emitPair(consumer.process, outcome, .commitOffset(OffsetCommitOperation(
            group: consumer.group, partition: partition, offset: offset, isReset: isReset)))
    }

    private mutating func fetch(_ consumer: ConsumerState) {
        let partition = PartitionID(Int.random(in: 0..<logs.count, using: &random))
        emit(consumer.process, .invoke, .fetchOffset(OffsetFetchOperation(group: consumer.group, partition: partition)))
        emit(consumer.process, .ok, .fetchOffset(OffsetFetchOperation(
            group: consumer.group, partition: partition, offset: committed[consumer.group]?[partition])))
    }

    private mutating func emitPair(_ process: ProcessID, _ outcome: EventType, _ operation: Operation) {
        emit(process, .invoke, operation)
        emit(process, outcome, operation)
    }

    private mutating func emit(_ process: ProcessID?, _ type: EventType, _ operation: Operation) {
        timeNanos += Int64.random(in: 1...2_000_000, using: &random)
        events.append(HistoryEvent(timeNanos: timeNanos, process: process, type: type, operation: operation))
    }
}
