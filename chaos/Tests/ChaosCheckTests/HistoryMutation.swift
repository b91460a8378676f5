import ChaosCheck
import SeededRandom

/// Plants one anomaly in a clean ``RandomHistory``: edits the final logs or appends operations
/// of a fresh process, the way a buggy system would misbehave.
struct HistoryMutation {
    /// The anomaly kinds a mutation can plant (the informational kinds cannot fail a run).
    static let kinds: [AnomalyKind] = AnomalyKind.allCases.filter(\.isFailure)

    var events: [HistoryEvent]
    var logs: [ReplicaLog]
    private var random: SplitMix64
    private var timeNanos: Int64
    private let run: RandomHistory

    init(_ run: RandomHistory, seed: UInt64) {
        self.run = run
        events = run.events
        logs = run.replicaLogs
        random = SplitMix64(seed: seed)
        timeNanos = (run.events.last?.timeNanos ?? 0) + 1
    }

    /// Plants `kind`; returns false when this run lacks what the plant needs (no failed send,
    /// no partition with three records, ...).
    mutating func plant(_ kind: AnomalyKind) -> Bool {
        switch kind {
        case .lostWrite:
            guard let send = run.acked.randomElement(using: &random) else { return false }
            setEverywhere(send.partition, send.offset, .control)
        case .nonmonotonicSend:
            guard let (first, second) = sameProducerPair() else { return false }
            setEverywhere(first.partition, first.offset, .value(second.value))
            setEverywhere(second.partition, second.offset, .value(first.value))
        case .duplicate:
            guard let send = run.acked.filter({ $0.producer.kind == .idempotent }).randomElement(using: &random)
            else { return false }
            appendEverywhere(send.partition, .value(send.value))
        case .abortedRead:
            guard let failed = run.failedSends.randomElement(using: &random) else { return false }
            freshPoll([[PolledRecord(partition: failed.partition, offset: 1_000_000, value: failed.value)]])
        case .pollSkip:
            guard let (partition, data) = partitionWithData(count: 3) else { return false }
            let start = Int.random(in: 0...(data.count - 3), using: &random)
            freshPoll([[record(partition, data[start])], [record(partition, data[start + 2])]])
        case .nonmonotonicPoll:
            guard let (partition, data) = partitionWithData(count: 2) else { return false }
            let start = Int.random(in: 0...(data.count - 2), using: &random)
            freshPoll([[record(partition, data[start + 1])], [record(partition, data[start])]])
        case .precommittedRead:
            guard let send = run.acked.randomElement(using: &random) else { return false }
            let end = logs.first { $0.partition == send.partition }!.endOffset
            freshPoll([[PolledRecord(partition: send.partition, offset: end, value: send.value)]])
        case .inconsistentOffsets:
            guard let (partition, data) = partitionWithData(count: 2), let other = data.last, let first = data.first,
                case .value(let value) = other.content
            else { return false }
            freshPoll([[PolledRecord(partition: partition, offset: first.offset, value: value)]])
        case .divergentReplica:
            guard let index = logs.indices.filter({ logs[$0].replica == "n2" && !logs[$0].entries.isEmpty })
                .randomElement(using: &random) else { return false }
            let entry = Int.random(in: 0..<logs[index].entries.count, using: &random)
            logs[index].entries[entry].content = logs[index].entries[entry].content == .control ? .foreign : .control
        case .damagedReplica:
            guard let index = logs.indices.filter({ logs[$0].replica == "n2" && !logs[$0].entries.isEmpty })
                .randomElement(using: &random) else { return false }
            let kept = Int.random(in: 0..<logs[index].entries.count, using: &random)
            logs[index].damagedOffset = logs[index].entries[kept].offset
            logs[index].entries.removeSubrange(kept...)
        case .gap:
            guard let partition = logs.first(where: { $0.entries.count >= 2 })?.partition else { return false }
            let count = logs.first { $0.partition == partition }!.entries.count
            let removed = Int.random(in: 0..<(count - 1), using: &random)
            for index in logs.indices where logs[index].partition == partition {
                logs[index].entries.remove(at: removed)
            }
        case .phantom:
            appendEverywhere(PartitionID(0), .value(RecordValue(Int64.max)))
        case .offsetCommitRegression:
            guard let (group, partition, floor) = commitFloor() else { return false }
            let below = LogOffset(floor.rawValue - 1)
            let commit = OffsetCommitOperation(group: group, partition: partition, offset: below)
            emit(999, .invoke, .commitOffset(commit))
            emit(999, .ok, .commitOffset(commit))
        case .unseen, .plainDuplicate:
            return false
        }
        return true
    }

    private mutating func sameProducerPair() -> (RandomHistory.AckedSend, RandomHistory.AckedSend)? {
        let pairs = run.acked.indices.dropFirst().compactMap { second in
            let later = run.acked[second]
            return run.acked[..<second].last { $0.producer == later.producer && $0.partition == later.partition }
                .map { ($0, later) }
        }
        return pairs.randomElement(using: &random)
    }

    private mutating func partitionWithData(count: Int) -> (PartitionID, [LogEntry])? {
        let candidates = logs.filter { $0.replica == "n1" }.compactMap { log -> (PartitionID, [LogEntry])? in
            let data = log.entries.filter { if case .value = $0.content { true } else { false } }
            return data.count >= count ? (log.partition, data) : nil
        }
        return candidates.randomElement(using: &random)
    }

    private func record(_ partition: PartitionID, _ entry: LogEntry) -> PolledRecord {
        guard case .value(let value) = entry.content else { preconditionFailure("data entries only") }
        return PolledRecord(partition: partition, offset: entry.offset, value: value)
    }

    private func commitFloor() -> (String, PartitionID, LogOffset)? {
        for (group, floors) in run.commitFloors.sorted(by: { $0.key < $1.key }) {
            if let (partition, floor) = floors.sorted(by: { $0.key < $1.key }).first(where: { $0.value.rawValue > 0 }) {
                return (group, partition, floor)
            }
        }
        return nil
    }

    private mutating func setEverywhere(_ partition: PartitionID, _ offset: LogOffset, _ content: LogEntryContent) {
        for index in logs.indices where logs[index].partition == partition {
            let entry = logs[index].entries.firstIndex { $0.offset == offset }!
            logs[index].entries[entry].content = content
        }
    }

    private mutating func appendEverywhere(_ partition: PartitionID, _ content: LogEntryContent) {
        for index in logs.indices where logs[index].partition == partition {
            logs[index].entries.append(LogEntry(offset: logs[index].endOffset, content: content))
            logs[index].endOffset = LogOffset(logs[index].endOffset.rawValue + 1)
        }
    }

    /// Polls by a process that has not read before, one poll per element.
    private mutating func freshPoll(_ polls: [[PolledRecord]]) {
        for records in polls {
            emit(998, .invoke, .poll(PollOperation()))
            emit(998, .ok, .poll(PollOperation(records: records)))
        }
    }

    private mutating func emit(_ process: ProcessID, _ type: EventType, _ operation: Operation) {
        timeNanos += 1
        events.append(HistoryEvent(timeNanos: timeNanos, process: process, type: type, operation: operation))
    }
}
