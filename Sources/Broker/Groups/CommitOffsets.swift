/// An OffsetCommit request, protocol-agnostic (named apart from KafkaProtocol's wire type).
public struct CommitOffsetsRequest: Sendable, Equatable {
    /// The group.
    public var groupId: String
    /// The member's generation; -1 for a commit from outside the group (admin tools, consumers
    /// that assign partitions themselves).
    public var generationId: Int32
    /// The member id; empty for a commit from outside the group.
    public var memberId: String
    /// Set by static members.
    public var groupInstanceId: String?
    /// One entry per partition.
    public var offsets: [Entry]

    /// One partition's commit.
    public struct Entry: Sendable, Equatable {
        /// The partition.
        public var partition: TopicPartition
        /// The next offset to consume.
        public var offset: Int64
        /// The leader epoch of the last consumed record; -1 when unknown.
        public var leaderEpoch: Int32
        /// The client's metadata string.
        public var metadata: String?

        /// Creates an entry.
        public init(partition: TopicPartition, offset: Int64, leaderEpoch: Int32 = -1, metadata: String? = nil) {
            self.partition = partition
            self.offset = offset
            self.leaderEpoch = leaderEpoch
            self.metadata = metadata
        }
    }

    /// Creates a request.
    public init(
        groupId: String, generationId: Int32 = -1, memberId: String = "", groupInstanceId: String? = nil,
        offsets: [Entry]
    ) {
        self.groupId = groupId
        self.generationId = generationId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.offsets = offsets
    }
}

/// The answer for one partition of an OffsetCommit.
public struct PartitionCommitResult: Sendable, Equatable {
    /// The partition.
    public var partition: TopicPartition
    /// nil when the offset was committed.
    public var error: GroupError?
    /// The offset committed before this one, if any. Kafka accepts any offset, backwards too
    /// (that is how a consumer resets); this lets a checker tell a reset from a regression.
    public var previousOffset: Int64?
}

/// The answer to an OffsetCommit: results per partition and the records to make durable first.
public struct OffsetCommitOutcome: Sendable, Equatable {
    /// One per requested partition, in request order.
    public var results: [PartitionCommitResult]
    /// Append these (committed) before answering the client.
    public var effects: GroupEffects
}
