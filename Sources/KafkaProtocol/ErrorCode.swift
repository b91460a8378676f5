/// A Kafka error code: the `ErrorCode` fields of responses.
///
/// A struct rather than an enum so that any code read from the wire stays representable; the
/// named constants are the ones Tributary sends or acts on, with Kafka's numbers
/// (`org.apache.kafka.common.protocol.Errors`).
public struct ErrorCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible, Error {
    /// The number on the wire.
    public var rawValue: Int16

    /// Wraps a wire number.
    public init(rawValue: Int16) {
        self.rawValue = rawValue
    }

    /// UNKNOWN_SERVER_ERROR (-1): An unexpected server error; not retriable.
    public static let unknownServerError = ErrorCode(rawValue: -1)
    /// NONE (0): Success.
    public static let noError = ErrorCode(rawValue: 0)
    /// OFFSET_OUT_OF_RANGE (1): The requested offset is outside the log's range (before its start or after its end).
    public static let offsetOutOfRange = ErrorCode(rawValue: 1)
    /// CORRUPT_MESSAGE (2): A record batch failed its CRC or framing checks.
    public static let corruptMessage = ErrorCode(rawValue: 2)
    /// UNKNOWN_TOPIC_OR_PARTITION (3): The topic or partition does not exist; clients refresh metadata and retry.
    public static let unknownTopicOrPartition = ErrorCode(rawValue: 3)
    /// LEADER_NOT_AVAILABLE (5): The partition has no leader right now (an election is under way).
    public static let leaderNotAvailable = ErrorCode(rawValue: 5)
    /// NOT_LEADER_OR_FOLLOWER (6): This node does not lead the partition; clients refresh metadata and retry.
    public static let notLeaderOrFollower = ErrorCode(rawValue: 6)
    /// REQUEST_TIMED_OUT (7): The request did not complete in time (e.g. acks=all replication).
    public static let requestTimedOut = ErrorCode(rawValue: 7)
    /// MESSAGE_TOO_LARGE (10): A batch is larger than the topic or broker allows.
    public static let messageTooLarge = ErrorCode(rawValue: 10)
    /// COORDINATOR_LOAD_IN_PROGRESS (14): The group coordinator is still loading its state; retry.
    public static let coordinatorLoadInProgress = ErrorCode(rawValue: 14)
    /// COORDINATOR_NOT_AVAILABLE (15): The group coordinator is not available; retry FindCoordinator.
    public static let coordinatorNotAvailable = ErrorCode(rawValue: 15)
    /// NOT_COORDINATOR (16): This node is not the group's coordinator; retry FindCoordinator.
    public static let notCoordinator = ErrorCode(rawValue: 16)
    /// INVALID_TOPIC_EXCEPTION (17): The topic name is invalid (or an internal topic was addressed).
    public static let invalidTopicException = ErrorCode(rawValue: 17)
    /// RECORD_LIST_TOO_LARGE (18): A produce request's records exceed the allowed size.
    public static let recordListTooLarge = ErrorCode(rawValue: 18)
    /// NOT_ENOUGH_REPLICAS (19): Too few in-sync replicas to accept an acks=all write; retriable.
    public static let notEnoughReplicas = ErrorCode(rawValue: 19)
    /// NOT_ENOUGH_REPLICAS_AFTER_APPEND (20): Written, but too few replicas acknowledged; retriable.
    public static let notEnoughReplicasAfterAppend = ErrorCode(rawValue: 20)
    /// INVALID_REQUIRED_ACKS (21): acks is not 0, 1 or -1.
    public static let invalidRequiredAcks = ErrorCode(rawValue: 21)
    /// ILLEGAL_GENERATION (22): The group generation in the request is stale.
    public static let illegalGeneration = ErrorCode(rawValue: 22)
    /// INCONSISTENT_GROUP_PROTOCOL (23): The member's protocols do not match the group's.
    public static let inconsistentGroupProtocol = ErrorCode(rawValue: 23)
    /// INVALID_GROUP_ID (24): The group id is empty or invalid.
    public static let invalidGroupId = ErrorCode(rawValue: 24)
    /// UNKNOWN_MEMBER_ID (25): The member id is not known to the group.
    public static let unknownMemberId = ErrorCode(rawValue: 25)
    /// INVALID_SESSION_TIMEOUT (26): The session timeout is outside the broker's allowed range.
    public static let invalidSessionTimeout = ErrorCode(rawValue: 26)
    /// REBALANCE_IN_PROGRESS (27): The group is rebalancing; the member must rejoin.
    public static let rebalanceInProgress = ErrorCode(rawValue: 27)
    /// INVALID_COMMIT_OFFSET_SIZE (28): The committed offset metadata is too large.
    public static let invalidCommitOffsetSize = ErrorCode(rawValue: 28)
    /// TOPIC_AUTHORIZATION_FAILED (29): Not authorized for the topic.
    public static let topicAuthorizationFailed = ErrorCode(rawValue: 29)
    /// GROUP_AUTHORIZATION_FAILED (30): Not authorized for the group.
    public static let groupAuthorizationFailed = ErrorCode(rawValue: 30)
    /// CLUSTER_AUTHORIZATION_FAILED (31): Not authorized for the cluster operation.
    public static let clusterAuthorizationFailed = ErrorCode(rawValue: 31)
    /// INVALID_TIMESTAMP (32): A record timestamp is out of the accepted range.
    public static let invalidTimestamp = ErrorCode(rawValue: 32)
    /// UNSUPPORTED_VERSION (35): The request's version is not implemented (see ApiVersions).
    public static let unsupportedVersion = ErrorCode(rawValue: 35)
    /// TOPIC_ALREADY_EXISTS (36): CreateTopics: the topic exists.
    public static let topicAlreadyExists = ErrorCode(rawValue: 36)
    /// INVALID_PARTITIONS (37): The partition count is invalid (CreatePartitions may only grow).
    public static let invalidPartitions = ErrorCode(rawValue: 37)
    /// INVALID_REPLICATION_FACTOR (38): The replication factor is invalid or exceeds the live nodes.
    public static let invalidReplicationFactor = ErrorCode(rawValue: 38)
    /// INVALID_REPLICA_ASSIGNMENT (39): The manual replica assignment is invalid.
    public static let invalidReplicaAssignment = ErrorCode(rawValue: 39)
    /// INVALID_CONFIG (40): A configuration name or value is invalid.
    public static let invalidConfig = ErrorCode(rawValue: 40)
    /// NOT_CONTROLLER (41): This node is not the controller.
    public static let notController = ErrorCode(rawValue: 41)
    /// INVALID_REQUEST (42): The request is well-formed bytes but makes no sense (e.g. duplicate partitions).
    public static let invalidRequest = ErrorCode(rawValue: 42)
    /// POLICY_VIOLATION (44): The request violates a configured policy.
    public static let policyViolation = ErrorCode(rawValue: 44)
    /// OUT_OF_ORDER_SEQUENCE_NUMBER (45): An idempotent producer's sequence skips ahead of the expected one.
    public static let outOfOrderSequenceNumber = ErrorCode(rawValue: 45)
    /// DUPLICATE_SEQUENCE_NUMBER (46): An idempotent producer's batch was already written.
    public static let duplicateSequenceNumber = ErrorCode(rawValue: 46)
    /// INVALID_PRODUCER_EPOCH (47): The producer epoch is older than the current one (a fenced producer).
    public static let invalidProducerEpoch = ErrorCode(rawValue: 47)
    /// INVALID_TXN_STATE (48): The transactional state does not allow the operation.
    public static let invalidTxnState = ErrorCode(rawValue: 48)
    /// INVALID_PRODUCER_ID_MAPPING (49): The producer id is not mapped to the transactional id.
    public static let invalidProducerIdMapping = ErrorCode(rawValue: 49)
    /// INVALID_TRANSACTION_TIMEOUT (50): The transaction timeout is out of range.
    public static let invalidTransactionTimeout = ErrorCode(rawValue: 50)
    /// CONCURRENT_TRANSACTIONS (51): Another transaction is completing for this producer.
    public static let concurrentTransactions = ErrorCode(rawValue: 51)
    /// KAFKA_STORAGE_ERROR (56): The broker failed to read or write its storage.
    public static let kafkaStorageError = ErrorCode(rawValue: 56)
    /// UNKNOWN_PRODUCER_ID (59): The broker has no state for the producer id (e.g. removed by retention).
    public static let unknownProducerId = ErrorCode(rawValue: 59)
    /// NON_EMPTY_GROUP (68): The group still has members.
    public static let nonEmptyGroup = ErrorCode(rawValue: 68)
    /// GROUP_ID_NOT_FOUND (69): The group does not exist.
    public static let groupIdNotFound = ErrorCode(rawValue: 69)
    /// FETCH_SESSION_ID_NOT_FOUND (70): The incremental fetch session is not known.
    public static let fetchSessionIdNotFound = ErrorCode(rawValue: 70)
    /// INVALID_FETCH_SESSION_EPOCH (71): The incremental fetch session epoch is wrong.
    public static let invalidFetchSessionEpoch = ErrorCode(rawValue: 71)
    /// TOPIC_DELETION_DISABLED (73): Topic deletion is disabled.
    public static let topicDeletionDisabled = ErrorCode(rawValue: 73)
    /// FENCED_LEADER_EPOCH (74): The client's leader epoch is older than the broker's.
    public static let fencedLeaderEpoch = ErrorCode(rawValue: 74)
    /// UNKNOWN_LEADER_EPOCH (75): The client's leader epoch is newer than the broker's.
    public static let unknownLeaderEpoch = ErrorCode(rawValue: 75)
    /// UNSUPPORTED_COMPRESSION_TYPE (76): The compression codec is not supported in this version.
    public static let unsupportedCompressionType = ErrorCode(rawValue: 76)
    /// OFFSET_NOT_AVAILABLE (78): The leader's high-water mark is not yet known; retry.
    public static let offsetNotAvailable = ErrorCode(rawValue: 78)
    /// MEMBER_ID_REQUIRED (79): JoinGroup v4+: rejoin with the member id given in the response.
    public static let memberIdRequired = ErrorCode(rawValue: 79)
    /// GROUP_MAX_SIZE_REACHED (81): The group is full.
    public static let groupMaxSizeReached = ErrorCode(rawValue: 81)
    /// FENCED_INSTANCE_ID (82): A newer member with the same group instance id exists.
    public static let fencedInstanceId = ErrorCode(rawValue: 82)
    /// INVALID_RECORD (87): A record failed validation.
    public static let invalidRecord = ErrorCode(rawValue: 87)
    /// UNSTABLE_OFFSET_COMMIT (88): Pending transactional offsets; retry.
    public static let unstableOffsetCommit = ErrorCode(rawValue: 88)
    /// THROTTLING_QUOTA_EXCEEDED (89): A quota was exceeded.
    public static let throttlingQuotaExceeded = ErrorCode(rawValue: 89)
    /// PRODUCER_FENCED (90): A newer producer with the same transactional id exists.
    public static let producerFenced = ErrorCode(rawValue: 90)
    /// RESOURCE_NOT_FOUND (91): The config resource does not exist.
    public static let resourceNotFound = ErrorCode(rawValue: 91)
    /// UNKNOWN_TOPIC_ID (100): The topic id is not known.
    public static let unknownTopicId = ErrorCode(rawValue: 100)
    /// BROKER_ID_NOT_REGISTERED (102): The broker id is not registered with the controller.
    public static let brokerIdNotRegistered = ErrorCode(rawValue: 102)
    /// INCONSISTENT_TOPIC_ID (103): The topic id does not match the topic name.
    public static let inconsistentTopicId = ErrorCode(rawValue: 103)

    /// Every named code, for `description` and tests.
    public static let named: [ErrorCode] = [
        .unknownServerError, .noError, .offsetOutOfRange, .corruptMessage, .unknownTopicOrPartition,
        .leaderNotAvailable, .notLeaderOrFollower, .requestTimedOut, .messageTooLarge,
        .coordinatorLoadInProgress, .coordinatorNotAvailable, .notCoordinator, .invalidTopicException,
        .recordListTooLarge, .notEnoughReplicas, .notEnoughReplicasAfterAppend, .invalidRequiredAcks,
        .illegalGeneration, .inconsistentGroupProtocol, .invalidGroupId, .unknownMemberId,
        .invalidSessionTimeout, .rebalanceInProgress, .invalidCommitOffsetSize, .topicAuthorizationFailed,
        .groupAuthorizationFailed, .clusterAuthorizationFailed, .invalidTimestamp, .unsupportedVersion,
        .topicAlreadyExists, .invalidPartitions, .invalidReplicationFactor, .invalidReplicaAssignment,
        .invalidConfig, .notController, .invalidRequest, .policyViolation, .outOfOrderSequenceNumber,
        .duplicateSequenceNumber, .invalidProducerEpoch, .invalidTxnState, .invalidProducerIdMapping,
        .invalidTransactionTimeout, .concurrentTransactions, .kafkaStorageError, .unknownProducerId,
        .nonEmptyGroup, .groupIdNotFound, .fetchSessionIdNotFound, .invalidFetchSessionEpoch,
        .topicDeletionDisabled, .fencedLeaderEpoch, .unknownLeaderEpoch, .unsupportedCompressionType,
        .offsetNotAvailable, .memberIdRequired, .groupMaxSizeReached, .fencedInstanceId, .invalidRecord,
        .unstableOffsetCommit, .throttlingQuotaExceeded, .producerFenced, .resourceNotFound, .unknownTopicId,
        .brokerIdNotRegistered, .inconsistentTopicId,
    ]

    /// Kafka's name for the code (e.g. "NOT_LEADER_OR_FOLLOWER"), or its number if unnamed here.
    public var description: String {
        switch rawValue {
        case -1: "UNKNOWN_SERVER_ERROR"
        case 0: "NONE"
        case 1: "OFFSET_OUT_OF_RANGE"
        case 2: "CORRUPT_MESSAGE"
        case 3: "UNKNOWN_TOPIC_OR_PARTITION"
        case 5: "LEADER_NOT_AVAILABLE"
        case 6: "NOT_LEADER_OR_FOLLOWER"
        case 7: "REQUEST_TIMED_OUT"
        case 10: "MESSAGE_TOO_LARGE"
        case 14: "COORDINATOR_LOAD_IN_PROGRESS"
        case 15: "COORDINATOR_NOT_AVAILABLE"
        case 16: "NOT_COORDINATOR"
        case 17: "INVALID_TOPIC_EXCEPTION"
        case 18: "RECORD_LIST_TOO_LARGE"
        case 19: "NOT_ENOUGH_REPLICAS"
        case 20: "NOT_ENOUGH_REPLICAS_AFTER_APPEND"
        case 21: "INVALID_REQUIRED_ACKS"
        case 22: "ILLEGAL_GENERATION"
        case 23: "INCONSISTENT_GROUP_PROTOCOL"
        case 24: "INVALID_GROUP_ID"
        case 25: "UNKNOWN_MEMBER_ID"
        case 26: "INVALID_SESSION_TIMEOUT"
        case 27: "REBALANCE_IN_PROGRESS"
        case 28: "INVALID_COMMIT_OFFSET_SIZE"
        case 29: "TOPIC_AUTHORIZATION_FAILED"
        case 30: "GROUP_AUTHORIZATION_FAILED"
        case 31: "CLUSTER_AUTHORIZATION_FAILED"
        case 32: "INVALID_TIMESTAMP"
        case 35: "UNSUPPORTED_VERSION"
        case 36: "TOPIC_ALREADY_EXISTS"
        case 37: "INVALID_PARTITIONS"
        case 38: "INVALID_REPLICATION_FACTOR"
        case 39: "INVALID_REPLICA_ASSIGNMENT"
        case 40: "INVALID_CONFIG"
        case 41: "NOT_CONTROLLER"
        case 42: "INVALID_REQUEST"
        case 44: "POLICY_VIOLATION"
        case 45: "OUT_OF_ORDER_SEQUENCE_NUMBER"
        case 46: "DUPLICATE_SEQUENCE_NUMBER"
        case 47: "INVALID_PRODUCER_EPOCH"
        case 48: "INVALID_TXN_STATE"
        case 49: "INVALID_PRODUCER_ID_MAPPING"
        case 50: "INVALID_TRANSACTION_TIMEOUT"
        case 51: "CONCURRENT_TRANSACTIONS"
        case 56: "KAFKA_STORAGE_ERROR"
        case 59: "UNKNOWN_PRODUCER_ID"
        case 68: "NON_EMPTY_GROUP"
        case 69: "GROUP_ID_NOT_FOUND"
        case 70: "FETCH_SESSION_ID_NOT_FOUND"
        case 71: "INVALID_FETCH_SESSION_EPOCH"
        case 73: "TOPIC_DELETION_DISABLED"
        case 74: "FENCED_LEADER_EPOCH"
        case 75: "UNKNOWN_LEADER_EPOCH"
        case 76: "UNSUPPORTED_COMPRESSION_TYPE"
        case 78: "OFFSET_NOT_AVAILABLE"
        case 79: "MEMBER_ID_REQUIRED"
        case 81: "GROUP_MAX_SIZE_REACHED"
        case 82: "FENCED_INSTANCE_ID"
        case 87: "INVALID_RECORD"
        case 88: "UNSTABLE_OFFSET_COMMIT"
        case 89: "THROTTLING_QUOTA_EXCEEDED"
        case 90: "PRODUCER_FENCED"
        case 91: "RESOURCE_NOT_FOUND"
        case 100: "UNKNOWN_TOPIC_ID"
        case 102: "BROKER_ID_NOT_REGISTERED"
        case 103: "INCONSISTENT_TOPIC_ID"
        default: "error \(rawValue)"
        }
    }
}
