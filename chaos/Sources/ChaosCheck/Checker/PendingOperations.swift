/// The operation each process has outstanding, with what the checker knew when it began.
///
/// Order checks compare an operation with those that completed before it was invoked (real-time
/// order), so the floor they compare against is captured at the invoke.
struct PendingOperations {
    /// What the checker captured when an operation was invoked.
    enum Snapshot {
        case none
        /// The producer's furthest acknowledged position in the partition.
        case sendFloor(SendFloor?)
        /// The group's highest acknowledged committed offset, unless a reset was in flight.
        case offsetFloor(OffsetFloor?)
    }

    struct Pending {
        var invoke: HistoryEvent
        var line: Int
        var snapshot: Snapshot
    }

    private var byProcess: [ProcessID: Pending] = [:]

    /// Starts `event`'s operation.
    /// - Throws: if the process already has an operation outstanding.
    mutating func begin(_ event: HistoryEvent, line: Int, snapshot: Snapshot) throws(HistoryInconsistency) {
        let process = event.process!
        if let outstanding = byProcess[process] {
            throw HistoryInconsistency(
                "process \(process) invokes \(event.operation.name.rawValue) while its "
                    + "\(outstanding.invoke.operation.name.rawValue) from line \(outstanding.line) is outstanding")
        }
        byProcess[process] = Pending(invoke: event, line: line, snapshot: snapshot)
    }

    /// Ends the operation `completion` reports, returning what its invoke captured.
    /// - Throws: if the process has no outstanding operation, or a different one.
    mutating func complete(_ completion: HistoryEvent) throws(HistoryInconsistency) -> Pending {
        let process = completion.process!
        let name = completion.operation.name.rawValue
        guard let pending = byProcess.removeValue(forKey: process) else {
            throw HistoryInconsistency("process \(process) completes a \(name) it never invoked")
        }
        guard Self.sameOperation(pending.invoke.operation, completion.operation) else {
            throw HistoryInconsistency(
                "process \(process)'s \(completion.type.rawValue) \(name) does not match its invoke on line "
                    + "\(pending.line) (\(pending.invoke.operation.name.rawValue); a completion repeats "
                    + "the invoke's partition, value, producer and group)")
        }
        return pending
    }

    /// Operations never completed, in process order.
    var outstanding: [Pending] { byProcess.keys.sorted().map { byProcess[$0]! } }

    private static func sameOperation(_ invoke: Operation, _ completion: Operation) -> Bool {
        switch (invoke, completion) {
        case (.send(let a), .send(let b)):
            a.partition == b.partition && a.value == b.value && a.producer == b.producer
        case (.commitOffset(let a), .commitOffset(let b)):
            a.group == b.group && a.partition == b.partition && a.offset == b.offset && a.isReset == b.isReset
        case (.fetchOffset(let a), .fetchOffset(let b)):
            a.group == b.group && a.partition == b.partition
        case (.seek(let a, _), .seek(let b, _)):
            a == b
        case (.poll, .poll), (.assign, .assign):
            true
        default:
            false
        }
    }
}
