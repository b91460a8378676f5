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
    /// Where the replica's stored bytes failed their checks (CRC32C or framing) when the harness
    /// read them, if they did: the entries stop there, since nothing past it can be vouched for.
    public var damagedOffset: LogOffset?

    /// Makes a replica log.
    public init(partition: PartitionID, replica: String, startOffset: LogOffset, endOffset: LogOffset,
                entries: [LogEntry], damagedOffset: LogOffset? = nil) {
        self.partition = partition
        self.replica = replica
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.entries = entries
        self.damagedOffset = damagedOffset
    }
}

/// One record of a committed log.
public struct LogEntry: Hashable, Sendable {
    /// Its offset.
    public var offset: LogOffset
    /// What it holds.
    public var content: LogEntryContent
    /// CRC32C of the record as stored (key, value, headers, timestamp), when the dump gives it:
    /// replicas must agree byte for byte, not only on the value.
    public var checksum: UInt32?

    /// Makes an entry.
    public init(offset: LogOffset, content: LogEntryContent, checksum: UInt32? = nil) {
        self.offset = offset
        self.content = content
        self.checksum = checksum
    }

    /// Whether two replicas' entries at one offset disagree: different contents, or different
    /// checksums when both are known.
    func differs(from other: LogEntry) -> Bool {
        guard content == other.content else { return true }
        guard let checksum, let otherChecksum = other.checksum else { return false }
        return checksum != otherChecksum
    }

    /// The content, with its checksum when known, for reports.
    var summary: String {
        checksum.map { "\(content) (crc \(String($0, radix: 16)))" } ?? content.description
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
