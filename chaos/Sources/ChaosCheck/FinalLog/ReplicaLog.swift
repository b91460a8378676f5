/// One replica's committed log of one partition, as the harness read it after the run.
public struct ReplicaLog: Sendable, Equatable {
    /// The partition.
    public var partition: PartitionID
    /// The replica's name (its node, such as `"n2"`).
    public var replica: String
    /// The first offset the replica holds (0 unless a prefix was removed).
    public var startOffset: LogOffset
    /// The offset after the last committed one (the high-water mark the replica reported).
    public var endOffset: LogOffset
    /// The records read, in the order the replica returned them.
    public var entries: [LogEntry]

    /// Makes a replica log.
    public init(partition: PartitionID, replica: String, startOffset: LogOffset, endOffset: LogOffset,
                entries: [LogEntry]) {
        self.partition = partition
        self.replica = replica
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.entries = entries
    }
}

/// One record of a committed log.
public struct LogEntry: Hashable, Sendable {
    /// Its offset.
    public var offset: LogOffset
    /// What it holds.
    public var content: LogEntryContent

    /// Makes an entry.
    public init(offset: LogOffset, content: LogEntryContent) {
        self.offset = offset
        self.content = content
    }
}

/// What one offset of a committed log holds.
public enum LogEntryContent: Hashable, Sendable, CustomStringConvertible {
    /// A workload record with this value.
    case value(RecordValue)
    /// A control record (Raft's no-op or membership entry): takes an offset, invisible to consumers.
    case control
    /// A data record whose bytes are not a workload value (never written by the workload).
    case foreign

    /// `17`, `control` or `foreign`, for reports.
    public var description: String {
        switch self {
        case .value(let value): "\(value)"
        case .control: "control"
        case .foreign: "foreign"
        }
    }
}
