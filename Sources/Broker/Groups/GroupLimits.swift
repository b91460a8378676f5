/// Every bound the group coordinator enforces, in one place.
///
/// A request that would pass a bound is refused with an error; nothing grows without limit.
public struct GroupLimits: Sendable, Equatable {
    /// Groups this coordinator holds at once (Empty groups with offsets count).
    public var groupCountMax: Int
    /// Members (joined plus awaiting their first join with a known id) per group.
    public var membersPerGroupMax: Int
    /// Protocols a member may list in one JoinGroup.
    public var protocolsPerMemberMax: Int
    /// Bytes of protocol metadata (all of a member's protocols together).
    public var memberMetadataBytesMax: Int
    /// Bytes of one member's assignment, as given by the leader in SyncGroup.
    public var assignmentBytesMax: Int
    /// Bytes of any identifier: group, member, instance, client, host, protocol names.
    public var identifierBytesMax: Int
    /// Partitions with a committed offset per group.
    public var committedPartitionsPerGroupMax: Int
    /// Bytes of the metadata string stored with a committed offset.
    public var offsetMetadataBytesMax: Int
    /// Smallest session timeout a member may ask for (Kafka's group.min.session.timeout.ms).
    public var sessionTimeoutMsMin: Int32
    /// Largest session timeout a member may ask for (Kafka's group.max.session.timeout.ms).
    public var sessionTimeoutMsMax: Int32
    /// How long the first join into an Empty group waits for more members, extended by each
    /// newcomer up to the rebalance timeout (Kafka's group.initial.rebalance.delay.ms), so
    /// consumers started together form one generation instead of one each. 0 waits not at all.
    public var initialRebalanceDelayMs: Int32

    /// Creates limits; check them with `validate()`.
    public init(
        groupCountMax: Int, membersPerGroupMax: Int, protocolsPerMemberMax: Int,
        memberMetadataBytesMax: Int, assignmentBytesMax: Int, identifierBytesMax: Int,
        committedPartitionsPerGroupMax: Int, offsetMetadataBytesMax: Int,
        sessionTimeoutMsMin: Int32, sessionTimeoutMsMax: Int32, initialRebalanceDelayMs: Int32
    ) {
        self.groupCountMax = groupCountMax
        self.membersPerGroupMax = membersPerGroupMax
        self.protocolsPerMemberMax = protocolsPerMemberMax
        self.memberMetadataBytesMax = memberMetadataBytesMax
        self.assignmentBytesMax = assignmentBytesMax
        self.identifierBytesMax = identifierBytesMax
        self.committedPartitionsPerGroupMax = committedPartitionsPerGroupMax
        self.offsetMetadataBytesMax = offsetMetadataBytesMax
        self.sessionTimeoutMsMin = sessionTimeoutMsMin
        self.sessionTimeoutMsMax = sessionTimeoutMsMax
        self.initialRebalanceDelayMs = initialRebalanceDelayMs
    }

    /// Kafka's defaults where Kafka has one (session timeouts 6 s to 30 min, 4 KiB offset
    /// metadata, 3 s initial rebalance delay).
    public static let production = GroupLimits(
        groupCountMax: 100_000, membersPerGroupMax: 1_000, protocolsPerMemberMax: 16,
        memberMetadataBytesMax: 64 * 1024, assignmentBytesMax: 1024 * 1024, identifierBytesMax: 1_024,
        committedPartitionsPerGroupMax: 100_000, offsetMetadataBytesMax: 4_096,
        sessionTimeoutMsMin: 6_000, sessionTimeoutMsMax: 1_800_000, initialRebalanceDelayMs: 3_000
    )

    /// Small bounds so that tests reach every limit quickly.
    public static let testMin = GroupLimits(
        groupCountMax: 8, membersPerGroupMax: 4, protocolsPerMemberMax: 4,
        memberMetadataBytesMax: 256, assignmentBytesMax: 256, identifierBytesMax: 128,
        committedPartitionsPerGroupMax: 16, offsetMetadataBytesMax: 32,
        sessionTimeoutMsMin: 100, sessionTimeoutMsMax: 60_000, initialRebalanceDelayMs: 0
    )

    /// Checks the bounds against each other.
    /// - Throws: `GroupLimitsError` naming the first bound that is not sensible.
    public func validate() throws(GroupLimitsError) {
        let positive: [(String, Int)] = [
            ("groupCountMax", groupCountMax), ("membersPerGroupMax", membersPerGroupMax),
            ("protocolsPerMemberMax", protocolsPerMemberMax),
            ("memberMetadataBytesMax", memberMetadataBytesMax), ("assignmentBytesMax", assignmentBytesMax),
            ("identifierBytesMax", identifierBytesMax),
            ("committedPartitionsPerGroupMax", committedPartitionsPerGroupMax),
            ("offsetMetadataBytesMax", offsetMetadataBytesMax),
        ]
        for (name, value) in positive where value <= 0 {
            throw GroupLimitsError(message: "\(name) must be positive, is \(value)")
        }
        // Stored strings carry a 16-bit length (0xFFFF means nil).
        if identifierBytesMax >= Int(UInt16.max) || offsetMetadataBytesMax >= Int(UInt16.max) {
            throw GroupLimitsError(message: "identifierBytesMax and offsetMetadataBytesMax must fit a 16-bit length")
        }
        // Members send their generated ids back; those must pass the identifier bound.
        if identifierBytesMax < MemberIdGenerator.memberIdBytesMax {
            throw GroupLimitsError(
                message: "identifierBytesMax (\(identifierBytesMax)) must hold a generated member id (\(MemberIdGenerator.memberIdBytesMax) bytes)")
        }
        if initialRebalanceDelayMs < 0 {
            throw GroupLimitsError(message: "initialRebalanceDelayMs must not be negative, is \(initialRebalanceDelayMs)")
        }
        if sessionTimeoutMsMin <= 0 || sessionTimeoutMsMin > sessionTimeoutMsMax {
            throw GroupLimitsError(
                message: "need 0 < sessionTimeoutMsMin (\(sessionTimeoutMsMin)) <= sessionTimeoutMsMax (\(sessionTimeoutMsMax))")
        }
    }
}

/// A `GroupLimits` value whose bounds contradict each other.
public struct GroupLimitsError: Error, Equatable, CustomStringConvertible {
    /// What is wrong, naming the bound.
    public let message: String
    /// The message.
    public var description: String { message }
}
