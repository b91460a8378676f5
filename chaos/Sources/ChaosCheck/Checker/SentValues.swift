/// Everything the checker remembers about one sent value: a few dozen bytes, whatever the run's
/// length, so that millions of sends fit.
struct SentValue {
    var value: RecordValue
    var partition: PartitionID
    var producer: ProducerIdentity
    var process: ProcessID
    /// `invoke` until the send completes.
    var outcome: EventType
    var ackedOffset: LogOffset?
    var completionTimeNanos: Int64
    /// The first offset a client (an acknowledgement or a poll) reported the value at.
    var firstObservedOffset: LogOffset?
    var isPolled = false
    var isReportedDuplicate = false
}

/// Every value sent in the run, in the order the sends were invoked (so that reports are the
/// same on every run of the checker).
struct SentValues {
    private(set) var all: [SentValue] = []
    private var indexByValue: [RecordValue: Int] = [:]

    /// Records the invoke of `send`.
    /// - Throws: if the value was already sent: values must be unique for the checks to mean anything.
    mutating func register(_ send: SendOperation, by process: ProcessID, at timeNanos: Int64)
        throws(HistoryInconsistency)
    {
        guard indexByValue[send.value] == nil else {
            throw HistoryInconsistency("value \(send.value) is sent twice; the workload's values must be unique")
        }
        indexByValue[send.value] = all.count
        all.append(SentValue(value: send.value, partition: send.partition, producer: send.producer, process: process,
                             outcome: .invoke, completionTimeNanos: timeNanos))
    }

    /// Records the completion of the send of `value`.
    mutating func complete(_ value: RecordValue, as outcome: EventType, ackedOffset: LogOffset?, at timeNanos: Int64) {
        let index = indexByValue[value]!
        all[index].outcome = outcome
        all[index].ackedOffset = ackedOffset
        all[index].completionTimeNanos = timeNanos
    }

    /// What is known of `value`, or `nil` if it was never sent.
    subscript(value: RecordValue) -> SentValue? {
        indexByValue[value].map { all[$0] }
    }

    /// Notes that a client saw `value` at `offset` (by a poll if `isPoll`). Returns the offset it
    /// was first seen at when that differs and no duplicate was reported for it yet (the caller
    /// reports one), else `nil`.
    mutating func observe(_ value: RecordValue, at offset: LogOffset, isPoll: Bool) -> LogOffset? {
        guard let index = indexByValue[value] else { return nil }
        if isPoll { all[index].isPolled = true }
        guard let first = all[index].firstObservedOffset else {
            all[index].firstObservedOffset = offset
            return nil
        }
        guard first != offset, !all[index].isReportedDuplicate else { return nil }
        all[index].isReportedDuplicate = true
        return first
    }

    /// Ends every send still outstanding as indeterminate.
    mutating func endOutstanding() {
        for index in all.indices where all[index].outcome == .invoke {
            all[index].outcome = .info
        }
    }
}
