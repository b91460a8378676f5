/// The JSON object on one line of a history file: the flat wire form of a ``HistoryEvent``.
///
/// Which fields an operation needs is in `chaos/README.md`; fields an operation does not use
/// are absent, and unknown fields are ignored so that the harness can add context (`error`).
struct HistoryLine: Codable, Equatable {
    var time: Int64
    var process: Int?
    var op: String
    var type: String
    var partition: Int?
    var key: String?
    var value: Int64?
    var offset: Int64?
    var producer: Int?
    var producerKind: String?
    /// A poll's records as `[partition, offset, value]` triples: compact, since polls dominate.
    var records: [[Int64]]?
    var rebalanced: [Int]?
    var partitions: [Int]?
    var group: String?
    var reset: Bool?
    var fault: String?
    var targets: [String]?

    enum CodingKeys: String, CodingKey {
        case time, process, op, type, partition, key, value, offset, producer
        case producerKind = "producer_kind"
        case records, rebalanced, partitions, group, reset, fault, targets
    }
}

extension HistoryLine {
    /// The wire form of an event.
    init(_ event: HistoryEvent) {
        self.init(time: event.timeNanos, process: event.process?.rawValue, op: event.operation.name.rawValue,
                  type: event.type.rawValue)
        switch event.operation {
        case .send(let send):
            partition = send.partition.rawValue
            key = send.key
            value = send.value.rawValue
            offset = send.offset?.rawValue
            producer = send.producer.id
            producerKind = send.producer.kind.rawValue
        case .poll(let poll):
            if !poll.records.isEmpty {
                records = poll.records.map { [Int64($0.partition.rawValue), $0.offset.rawValue, $0.value.rawValue] }
            }
            if !poll.rebalanced.isEmpty { rebalanced = poll.rebalanced.map(\.rawValue) }
        case .assign(let assigned):
            partitions = assigned.map(\.rawValue)
        case .seek(let seekPartition, let seekOffset):
            partition = seekPartition.rawValue
            offset = seekOffset.rawValue
        case .commitOffset(let commit):
            group = commit.group
            partition = commit.partition.rawValue
            offset = commit.offset.rawValue
            if commit.isReset { reset = true }
        case .fetchOffset(let fetch):
            group = fetch.group
            partition = fetch.partition.rawValue
            offset = fetch.offset?.rawValue
        case .fault(let fault):
            self.fault = fault.kind
            targets = fault.targets
        }
    }

    init(time: Int64, process: Int?, op: String, type: String) {
        self.time = time
        self.process = process
        self.op = op
        self.type = type
    }

    /// The event this line describes.
    /// - Throws: a message naming the missing or invalid field.
    func event() throws(LineError) -> HistoryEvent {
        guard let name = OperationName(rawValue: op) else {
            let known = OperationName.allCases.map(\.rawValue).joined(separator: ", ")
            throw LineError("unknown op \"\(op)\" (expected one of: \(known))")
        }
        guard let eventType = EventType(rawValue: type) else {
            throw LineError("unknown type \"\(type)\" (expected invoke, ok, fail or info)")
        }
        guard time >= 0 else { throw LineError("\"time\" is negative") }
        let processID = try process.map { (number: Int) throws(LineError) -> ProcessID in
            guard number >= 0 else { throw LineError("\"process\" is negative") }
            return ProcessID(number)
        }
        if name != .fault && processID == nil {
            throw LineError("missing field \"process\" (every client operation has one)")
        }
        let operation = try operation(named: name)
        return HistoryEvent(timeNanos: time, process: processID, type: eventType, operation: operation)
    }

    private func operation(named name: OperationName) throws(LineError) -> Operation {
        switch name {
        case .send:
            let kindText = try required(producerKind, "producer_kind")
            guard let kind = ProducerKind(rawValue: kindText) else {
                throw LineError("unknown producer_kind \"\(kindText)\" (expected idempotent or plain)")
            }
            return .send(SendOperation(
                partition: try partitionID(required(partition, "partition")), key: key,
                value: RecordValue(try required(value, "value")), offset: try offset.map(logOffset),
                producer: ProducerIdentity(id: try required(producer, "producer"), kind: kind)))
        case .poll:
            let rebalancedPartitions = try (rebalanced ?? []).map(partitionID)
            return .poll(PollOperation(records: try polledRecords(), rebalanced: rebalancedPartitions))
        case .assign:
            return .assign(partitions: try required(partitions, "partitions").map(partitionID))
        case .seek:
            return .seek(partition: try partitionID(required(partition, "partition")),
                         offset: try logOffset(required(offset, "offset")))
        case .commitOffset:
            return .commitOffset(OffsetCommitOperation(
                group: try required(group, "group"), partition: try partitionID(required(partition, "partition")),
                offset: try logOffset(required(offset, "offset")), isReset: reset ?? false))
        case .fetchOffset:
            return .fetchOffset(OffsetFetchOperation(
                group: try required(group, "group"), partition: try partitionID(required(partition, "partition")),
                offset: try offset.map(logOffset)))
        case .fault:
            return .fault(FaultOperation(kind: try required(fault, "fault"), targets: targets ?? []))
        }
    }

    private func polledRecords() throws(LineError) -> [PolledRecord] {
        var result: [PolledRecord] = []
        result.reserveCapacity(records?.count ?? 0)
        for (index, triple) in (records ?? []).enumerated() {
            guard triple.count == 3, let partitionNumber = Int(exactly: triple[0]) else {
                throw LineError("records[\(index)] is not a [partition, offset, value] triple")
            }
            result.append(PolledRecord(partition: try partitionID(partitionNumber), offset: try logOffset(triple[1]),
                                       value: RecordValue(triple[2])))
        }
        return result
    }

    private func required<T>(_ field: T?, _ name: String) throws(LineError) -> T {
        guard let field else { throw LineError("missing field \"\(name)\" for op \"\(op)\"") }
        return field
    }

    private func partitionID(_ number: Int) throws(LineError) -> PartitionID {
        guard number >= 0 else { throw LineError("partition \(number) is negative") }
        return PartitionID(number)
    }

    private func logOffset(_ number: Int64) throws(LineError) -> LogOffset {
        guard number >= 0 else { throw LineError("offset \(number) is negative") }
        return LogOffset(number)
    }
}
