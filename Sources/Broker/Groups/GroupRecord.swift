/// A coordinator state change that must survive a crash, appended as one key/value record to
/// the replicated offsets partition (the role of Kafka's `__consumer_offsets`).
///
/// The log is read back like a compacted topic: for each key the last record wins, and a record
/// without a value (a tombstone) deletes the key. `GroupCoordinator.replay` rebuilds the state.
public enum GroupRecord: Sendable, Equatable {
    /// A committed offset.
    case offsetCommit(groupId: String, partition: TopicPartition, offset: CommittedOffset)
    /// A committed offset removed (tombstone).
    case offsetDeletion(groupId: String, partition: TopicPartition)
    /// The group after a completed rebalance (or after it became Empty).
    case groupMetadata(GroupSnapshot)
    /// The group removed (tombstone).
    case groupDeletion(groupId: String)

    /// The group the record belongs to.
    public var groupId: String {
        switch self {
        case .offsetCommit(let groupId, _, _), .offsetDeletion(let groupId, _), .groupDeletion(let groupId):
            groupId
        case .groupMetadata(let snapshot):
            snapshot.groupId
        }
    }
}

/// A group's durable state: what a new coordinator needs so members can keep their ids,
/// generation and assignments.
public struct GroupSnapshot: Sendable, Equatable {
    /// The group.
    public var groupId: String
    /// E.g. "consumer"; nil if no member ever joined.
    public var protocolType: String?
    /// The generation completed.
    public var generationId: Int32
    /// The selected protocol; nil when the group is empty.
    public var protocolName: String?
    /// The leader; nil when the group is empty.
    public var leaderId: String?
    /// The members in join order; empty for an Empty group.
    public var members: [Member]

    /// A member's durable state.
    public struct Member: Sendable, Equatable {
        /// The member id.
        public var memberId: String
        /// Set for a static member.
        public var groupInstanceId: String?
        /// The client's id.
        public var clientId: String
        /// The client's address.
        public var clientHost: String
        /// The member's session timeout.
        public var sessionTimeoutMs: Int32
        /// The member's rebalance timeout.
        public var rebalanceTimeoutMs: Int32
        /// The member's metadata for the selected protocol.
        public var subscription: [UInt8]
        /// The leader's assignment for the member.
        public var assignment: [UInt8]

        /// Creates a member entry.
        public init(
            memberId: String, groupInstanceId: String?, clientId: String, clientHost: String,
            sessionTimeoutMs: Int32, rebalanceTimeoutMs: Int32, subscription: [UInt8], assignment: [UInt8]
        ) {
            self.memberId = memberId
            self.groupInstanceId = groupInstanceId
            self.clientId = clientId
            self.clientHost = clientHost
            self.sessionTimeoutMs = sessionTimeoutMs
            self.rebalanceTimeoutMs = rebalanceTimeoutMs
            self.subscription = subscription
            self.assignment = assignment
        }
    }

    /// Creates a snapshot.
    public init(
        groupId: String, protocolType: String?, generationId: Int32, protocolName: String?,
        leaderId: String?, members: [Member]
    ) {
        self.groupId = groupId
        self.protocolType = protocolType
        self.generationId = generationId
        self.protocolName = protocolName
        self.leaderId = leaderId
        self.members = members
    }
}
