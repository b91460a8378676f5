/// How many operations of each kind ended ok, failed, or indeterminate, and how many faults of
/// each kind were injected.
struct OperationStatistics {
    private(set) var operations: [OperationName: OutcomeCounts] = [:]
    private(set) var faults: [String: FaultCounts] = [:]

    /// Counts a completion (invokes are counted when they complete, or as `info` if they never do).
    mutating func count(_ event: HistoryEvent) {
        if case .fault(let fault) = event.operation {
            switch event.type {
            case .invoke: break
            case .ok, .info: faults[fault.kind, default: FaultCounts()].injected += 1
            case .fail: faults[fault.kind, default: FaultCounts()].failed += 1
            }
            return
        }
        countOutcome(event.type, of: event.operation.name)
    }

    /// Counts an operation that never completed as indeterminate, as Jepsen does.
    mutating func countUnfinished(_ name: OperationName) {
        countOutcome(.info, of: name)
    }

    private mutating func countOutcome(_ type: EventType, of name: OperationName) {
        switch type {
        case .invoke: break
        case .ok: operations[name, default: OutcomeCounts()].ok += 1
        case .fail: operations[name, default: OutcomeCounts()].fail += 1
        case .info: operations[name, default: OutcomeCounts()].info += 1
        }
    }
}

/// Outcomes of one kind of operation.
public struct OutcomeCounts: Sendable, Equatable, Codable {
    /// Took effect.
    public var ok = 0
    /// Definitely did not take effect.
    public var fail = 0
    /// Indeterminate (including operations that never completed).
    public var info = 0

    /// Makes counts.
    public init(ok: Int = 0, fail: Int = 0, info: Int = 0) {
        self.ok = ok
        self.fail = fail
        self.info = info
    }
}

/// Injections of one kind of fault.
public struct FaultCounts: Sendable, Equatable, Codable {
    /// Injected (`ok` or `info` events).
    public var injected = 0
    /// The harness tried and failed (`fail` events).
    public var failed = 0

    /// Makes counts.
    public init(injected: Int = 0, failed: Int = 0) {
        self.injected = injected
        self.failed = failed
    }
}
