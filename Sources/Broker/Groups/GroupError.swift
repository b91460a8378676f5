/// Why the coordinator refused a group request.
///
/// Protocol-agnostic; `kafkaErrorCode` gives the Kafka error code a Kafka front door answers with.
public enum GroupError: Error, Hashable, Sendable {
    /// The member id is not (or no longer) a member of the group.
    case unknownMemberId
    /// The request names a generation other than the group's current one.
    case illegalGeneration
    /// The group is rebalancing; the member must rejoin.
    case rebalanceInProgress
    /// First join (v4+): the member must rejoin with the member id in the response.
    case memberIdRequired
    /// The protocol type differs from the group's, or no protocol is supported by every member.
    case inconsistentGroupProtocol
    /// The group already has `membersPerGroupMax` members.
    case groupMaxSizeReached
    /// The session timeout is outside `sessionTimeoutMsMin...sessionTimeoutMsMax`.
    case invalidSessionTimeout
    /// The group id is empty or longer than `identifierBytesMax`.
    case invalidGroupId
    /// Another member id now holds this group instance id (static membership).
    case fencedInstanceId
    /// The group does not exist.
    case groupIdNotFound
    /// The group still has members (DeleteGroups).
    case nonEmptyGroup
    /// The coordinator holds `groupCountMax` groups, or the group is being deleted; retriable.
    case coordinatorNotAvailable
    /// A committed offset's metadata is longer than `offsetMetadataBytesMax`.
    case offsetMetadataTooLarge
    /// The commit would give the group more than `committedPartitionsPerGroupMax` partitions.
    case invalidCommitOffsetSize
    /// A field is out of its bounds (identifier, metadata or assignment size, protocol count).
    case invalidRequest

    /// The Kafka protocol's error code for this error.
    public var kafkaErrorCode: Int16 {
        switch self {
        case .unknownMemberId: 25
        case .illegalGeneration: 22
        case .rebalanceInProgress: 27
        case .memberIdRequired: 79
        case .inconsistentGroupProtocol: 23
        case .groupMaxSizeReached: 81
        case .invalidSessionTimeout: 26
        case .invalidGroupId: 24
        case .fencedInstanceId: 82
        case .groupIdNotFound: 69
        case .nonEmptyGroup: 68
        case .coordinatorNotAvailable: 15
        case .offsetMetadataTooLarge: 12
        case .invalidCommitOffsetSize: 28
        case .invalidRequest: 42
        }
    }
}
