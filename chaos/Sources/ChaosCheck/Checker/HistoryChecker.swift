/// Checks a history, event by event in the order they happened, against the final logs read
/// from every replica; ``finish()`` completes the checks that need the whole history and
/// returns the report.
///
/// Partitions with a final log are checked against it (lost writes, precommitted reads, poll
/// skips, duplicates, phantoms). Partitions without one are checked from what clients saw, as
/// Jepsen's checker does. Memory grows with the number of values sent and offsets observed,
/// about a hundred bytes each; examples of anomalies are bounded per kind.
public struct HistoryChecker {
    let options: CheckOptions
    let finalLogs: FinalLogs
    var anomalies: AnomalyLog
    var statistics = OperationStatistics()
    var pending = PendingOperations()
    var sent = SentValues()
    var observed = ObservedOffsets()
    private var consumers = ConsumerPositions()
    private var producers = ProducerOrder()
    private var offsetCommits = OffsetCommits()
    /// Highest offset any poll returned, per partition (for partitions without a final log).
    var highestPolled: [PartitionID: LogOffset] = [:]
    var deferredJumps: [PositionJump] = []
    var droppedJumpCount = 0
    var eventCount = 0

    /// Starts a check.
    /// - Parameters:
    ///   - finalLogs: every replica's log, added; empty to check from the history alone.
    ///   - options: bounds of the check.
    public init(finalLogs: FinalLogs, options: CheckOptions = CheckOptions()) {
        self.options = options
        var indexed = finalLogs
        indexed.indexValues()
        self.finalLogs = indexed
        self.anomalies = AnomalyLog(exampleCountMax: options.exampleCountMax)
    }

    /// Checks the next event of the history.
    /// - Parameters:
    ///   - event: the event, in history order.
    ///   - line: its line in the history file, for messages.
    /// - Throws: ``HistoryInconsistency`` when the history breaks the format's rules.
    public mutating func record(_ event: HistoryEvent, line: Int) throws(HistoryInconsistency) {
        eventCount += 1
        if case .fault = event.operation {
            statistics.count(event)
            return
        }
        guard event.type != .invoke else {
            try begin(event, line: line)
            return
        }
        statistics.count(event)
        let begun = try pending.complete(event)
        let process = event.process!
        switch event.operation {
        case .send(let send):
            guard case .sendFloor(let floor) = begun.snapshot else { preconditionFailure("send without its floor") }
            completeSend(send, type: event.type, floor: floor, process: process, timeNanos: event.timeNanos)
        case .poll(let poll):
            for partition in poll.rebalanced { consumers.forget(process, partition) }
            if event.type == .ok { completePoll(poll, process: process, timeNanos: event.timeNanos) }
        // An indeterminate assign or seek may have moved the consumer: only a failed one surely did not.
        case .assign(let partitions):
            if event.type != .fail { consumers.assign(process, to: partitions) }
        case .seek(let partition, _):
            if event.type != .fail { consumers.forget(process, partition) }
        case .commitOffset(let commit):
            guard case .offsetFloor(let floor) = begun.snapshot else { preconditionFailure("commit without its floor") }
            report(offsetCommits.complete(commit, type: event.type, floorAtInvoke: floor, process: process,
                                          timeNanos: event.timeNanos))
        case .fetchOffset(let fetch):
            guard case .offsetFloor(let floor) = begun.snapshot else { preconditionFailure("fetch without its floor") }
            report(offsetCommits.complete(fetch, type: event.type, floorAtInvoke: floor, process: process,
                                          timeNanos: event.timeNanos))
        case .fault:
            preconditionFailure("faults are counted above")
        }
    }

    private mutating func begin(_ event: HistoryEvent, line: Int) throws(HistoryInconsistency) {
        let snapshot: PendingOperations.Snapshot
        switch event.operation {
        case .send(let send):
            try sent.register(send, by: event.process!, at: event.timeNanos)
            snapshot = .sendFloor(producers.floor(producer: send.producer, partition: send.partition))
        case .commitOffset(let commit):
            snapshot = .offsetFloor(offsetCommits.floor(group: commit.group, partition: commit.partition))
            offsetCommits.invoke(commit)
        case .fetchOffset(let fetch):
            snapshot = .offsetFloor(offsetCommits.floor(group: fetch.group, partition: fetch.partition))
        default:
            snapshot = .none
        }
        try pending.begin(event, line: line, snapshot: snapshot)
    }

    private mutating func completeSend(
        _ send: SendOperation, type: EventType, floor: SendFloor?, process: ProcessID, timeNanos: Int64
    ) {
        let ackedOffset = type == .ok ? send.offset : nil
        sent.complete(send.value, as: type, ackedOffset: ackedOffset, at: timeNanos)
        guard type == .ok else { return }
        if let ackedOffset {
            report(observed.observe(send.value, at: ackedOffset, in: send.partition, by: process,
                                    timeNanos: timeNanos, how: "an acknowledgement reported"))
            noteObservation(send.value, at: ackedOffset, in: send.partition, isPoll: false)
        }
        guard let position = position(of: send.value, in: send.partition, acknowledgedAt: ackedOffset) else { return }
        report(producers.acknowledge(send, at: position, floorAtInvoke: floor, by: process, timeNanos: timeNanos))
    }

    /// Where a value sits in its partition's order: its offset in the final log if there is one,
    /// else the offset its acknowledgement reported.
    private func position(of value: RecordValue, in partition: PartitionID, acknowledgedAt offset: LogOffset?)
        -> LogOffset?
    {
        guard finalLogs.log(of: partition) != nil else { return offset }
        guard let placement = finalLogs.placement(of: value), placement.partition == partition else { return nil }
        return placement.offset
    }

    private mutating func completePoll(_ poll: PollOperation, process: ProcessID, timeNanos: Int64) {
        for record in poll.records {
            let (backwards, jump) = consumers.read(record, by: process, at: timeNanos)
            report(backwards)
            if let jump { checkJumpNowOrLater(jump) }
            report(observed.observe(record.value, at: record.offset, in: record.partition, by: process,
                                    timeNanos: timeNanos, how: "a poll returned"))
            highestPolled[record.partition] = max(highestPolled[record.partition] ?? record.offset, record.offset)
            checkPolledValue(record, process: process, timeNanos: timeNanos)
        }
    }

    private mutating func checkPolledValue(_ record: PolledRecord, process: ProcessID, timeNanos: Int64) {
        guard let sentTo = sent[record.value]?.partition, sentTo == record.partition else {
            let sentWhere = sent[record.value].map { "sent to partition \($0.partition)" } ?? "never sent"
            report(Anomaly(.phantom, partition: record.partition, offset: record.offset, value: record.value,
                           process: process, timeNanos: timeNanos,
                           detail: "process \(process) polled \(record.value) from partition \(record.partition), "
                               + "which was \(sentWhere)"))
            return
        }
        noteObservation(record.value, at: record.offset, in: record.partition, isPoll: true)
        guard let log = finalLogs.log(of: record.partition) else { return }
        let held = log.content(at: record.offset)
        guard held != .value(record.value) else { return }
        report(Anomaly(
            .precommittedRead, partition: record.partition, offset: record.offset, value: record.value,
            process: process, timeNanos: timeNanos,
            detail: "process \(process) polled \(record.value) at offset \(record.offset), where the final log holds "
                + (held?.description ?? "nothing (it ends at \(log.endOffset))")))
    }

    /// Notes that a client saw a value at an offset; in partitions without a final log, a value
    /// seen at two offsets is a duplicate (with one, the final log decides).
    private mutating func noteObservation(
        _ value: RecordValue, at offset: LogOffset, in partition: PartitionID, isPoll: Bool
    ) {
        guard let earlier = sent.observe(value, at: offset, isPoll: isPoll), finalLogs.log(of: partition) == nil,
            let sentValue = sent[value]
        else { return }
        report(duplicate(sentValue, at: [earlier, offset].map { Placement(partition: partition, offset: $0) }))
    }

    private mutating func checkJumpNowOrLater(_ jump: PositionJump) {
        if let log = finalLogs.log(of: jump.partition) {
            if let skipped = log.firstDataRecord(between: jump.from, and: jump.to) {
                let count = log.dataRecords(between: jump.from, and: jump.to)
                report(pollSkip(jump, skipped: count, first: skipped.offset))
            }
        } else if deferredJumps.count < options.deferredSkipCountMax {
            deferredJumps.append(jump)
        } else {
            droppedJumpCount += 1
        }
    }

    func pollSkip(_ jump: PositionJump, skipped: Int?, first: LogOffset) -> Anomaly {
        let count = skipped.map { "\($0) records" } ?? "records"
        return Anomaly(.pollSkip, partition: jump.partition, offset: first, process: jump.process,
                       timeNanos: jump.timeNanos,
                       detail: "process \(jump.process) read offset \(jump.from) then \(jump.to) of partition "
                           + "\(jump.partition), skipping \(count) from offset \(first)")
    }

    func duplicate(_ value: SentValue, at placements: [Placement]) -> Anomaly {
        let kind: AnomalyKind = value.producer.kind == .idempotent ? .duplicate : .plainDuplicate
        let offsets = placements.map { "\($0.partition)/\($0.offset)" }.joined(separator: ", ")
        return Anomaly(kind, partition: value.partition, offset: placements.first?.offset, value: value.value,
                       process: value.process,
                       detail: "\(value.producer.kind.rawValue) producer \(value.producer.id)'s value \(value.value) "
                           + "is at partition/offset \(offsets)")
    }

    mutating func report(_ anomaly: Anomaly?) {
        if let anomaly { anomalies.record(anomaly) }
    }
}
