/// One line of a history: a process began an operation (`invoke`) or learnt how it ended
/// (`ok`, `fail`, `info`), or the harness injected a fault.
///
/// Histories follow Jepsen's model: every operation is an invoke event followed, later, by one
/// completion event of the same process. The completion repeats what the invoke said and adds
/// what was learnt (the offset a send was acknowledged at, the records a poll returned).
public struct HistoryEvent: Sendable, Equatable {
    /// Nanoseconds since the run started.
    public var timeNanos: Int64
    /// The client thread; `nil` only for faults, which the harness itself performs.
    public var process: ProcessID?
    /// Whether this starts the operation or reports its outcome.
    public var type: EventType
    /// What was done, with its arguments and results.
    public var operation: Operation

    /// Makes an event.
    public init(timeNanos: Int64, process: ProcessID?, type: EventType, operation: Operation) {
        self.timeNanos = timeNanos
        self.process = process
        self.type = type
        self.operation = operation
    }
}

/// Where in its life an operation is.
public enum EventType: String, Sendable, Codable, CaseIterable {
    /// The process started the operation.
    case invoke
    /// The operation took effect, and its results are in the event.
    case ok
    /// The operation definitely did not take effect (for a send: the record was not written).
    case fail
    /// Indeterminate: the operation may or may not have taken effect (timeouts, lost connections).
    case info
}

/// The operations of the workload, and the harness's faults.
public enum Operation: Sendable, Equatable {
    /// A producer sends one record to one partition (acks=all).
    case send(SendOperation)
    /// A consumer polls once; the completion lists every record the poll returned, in order.
    case poll(PollOperation)
    /// A consumer's assignment was replaced: positions in other partitions are forgotten.
    case assign(partitions: [PartitionID])
    /// A consumer moved its position in one partition explicitly.
    case seek(partition: PartitionID, offset: LogOffset)
    /// A consumer group commits the next offset to read in one partition.
    case commitOffset(OffsetCommitOperation)
    /// A client reads a consumer group's committed offset in one partition.
    case fetchOffset(OffsetFetchOperation)
    /// The harness injected (or healed) a fault.
    case fault(FaultOperation)

    /// The operation's name in the history format (`"send"`, `"commit-offset"`, ...).
    public var name: OperationName {
        switch self {
        case .send: .send
        case .poll: .poll
        case .assign: .assign
        case .seek: .seek
        case .commitOffset: .commitOffset
        case .fetchOffset: .fetchOffset
        case .fault: .fault
        }
    }
}

/// The `op` field of a history line.
public enum OperationName: String, Sendable, Codable, CaseIterable, Comparable {
    /// See ``Operation/send(_:)``.
    case send
    /// See ``Operation/poll(_:)``.
    case poll
    /// See ``Operation/assign(partitions:)``.
    case assign
    /// See ``Operation/seek(partition:offset:)``.
    case seek
    /// See ``Operation/commitOffset(_:)``.
    case commitOffset = "commit-offset"
    /// See ``Operation/fetchOffset(_:)``.
    case fetchOffset = "fetch-offset"
    /// See ``Operation/fault(_:)``.
    case fault

    /// Declaration order, so that reports list operations the same way every time.
    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
