/// A send of one record by one producer.
public struct SendOperation: Sendable, Equatable {
    /// The partition the record is sent to.
    public var partition: PartitionID
    /// The record's key, kept in the history for people; the checker does not use it.
    public var key: String?
    /// The record's value, unique in the run.
    public var value: RecordValue
    /// The offset the acknowledgement reported (on `ok` only; `nil` when unknown).
    public var offset: LogOffset?
    /// Which producer session sent it.
    public var producer: ProducerIdentity

    /// Makes a send.
    public init(
        partition: PartitionID, key: String? = nil, value: RecordValue, offset: LogOffset? = nil,
        producer: ProducerIdentity
    ) {
        self.partition = partition
        self.key = key
        self.value = value
        self.offset = offset
        self.producer = producer
    }
}

/// A producer session: its records keep their send order within a partition, and an idempotent
/// one's records appear exactly once.
public struct ProducerIdentity: Hashable, Sendable {
    /// Unique per producer session in the run (a restarted client is a new session).
    public var id: Int
    /// Whether the producer is idempotent.
    public var kind: ProducerKind

    /// Makes a producer identity.
    public init(id: Int, kind: ProducerKind) {
        self.id = id
        self.kind = kind
    }
}

/// Whether a producer is idempotent (retries cannot duplicate) or plain (at least once).
public enum ProducerKind: String, Sendable, Codable, CaseIterable {
    /// `enable.idempotence=true`: the broker drops retried duplicates.
    case idempotent
    /// A producer without idempotence: a retry after a lost acknowledgement may write twice.
    case plain
}

/// One poll of a consumer.
public struct PollOperation: Sendable, Equatable {
    /// The records returned, in the order the consumer received them (empty on the invoke).
    public var records: [PolledRecord]
    /// Partitions the consumer lost or regained during this poll (a group rebalance): its
    /// position there may legitimately jump, so order is not checked across the poll.
    public var rebalanced: [PartitionID]

    /// Makes a poll.
    public init(records: [PolledRecord] = [], rebalanced: [PartitionID] = []) {
        self.records = records
        self.rebalanced = rebalanced
    }
}

/// One record returned by a poll.
public struct PolledRecord: Hashable, Sendable {
    /// The partition it came from.
    public var partition: PartitionID
    /// Its offset there.
    public var offset: LogOffset
    /// Its value.
    public var value: RecordValue

    /// Makes a polled record.
    public init(partition: PartitionID, offset: LogOffset, value: RecordValue) {
        self.partition = partition
        self.offset = offset
        self.value = value
    }
}

/// A consumer group's offset commit for one partition.
public struct OffsetCommitOperation: Sendable, Equatable {
    /// The consumer group.
    public var group: String
    /// The partition.
    public var partition: PartitionID
    /// The committed position: the next offset the group will read.
    public var offset: LogOffset
    /// True when the client deliberately moves the position (possibly backwards).
    public var isReset: Bool

    /// Makes an offset commit.
    public init(group: String, partition: PartitionID, offset: LogOffset, isReset: Bool = false) {
        self.group = group
        self.partition = partition
        self.offset = offset
        self.isReset = isReset
    }
}

/// A read of a consumer group's committed offset for one partition.
public struct OffsetFetchOperation: Sendable, Equatable {
    /// The consumer group.
    public var group: String
    /// The partition.
    public var partition: PartitionID
    /// The committed offset returned (on `ok`; `nil` when the group has none).
    public var offset: LogOffset?

    /// Makes an offset fetch.
    public init(group: String, partition: PartitionID, offset: LogOffset? = nil) {
        self.group = group
        self.partition = partition
        self.offset = offset
    }
}

/// A fault the harness injected, such as `kill`, `pause`, `partition`, `power-loss`, `heal`.
public struct FaultOperation: Sendable, Equatable {
    /// The kind of fault; free text so that new faults need no checker change.
    public var kind: String
    /// What it was applied to: node names, or links written `"n1-n2"`.
    public var targets: [String]

    /// Makes a fault.
    public init(kind: String, targets: [String]) {
        self.kind = kind
        self.targets = targets
    }
}
