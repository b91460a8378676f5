/// Why the controller rejected a command. Every replica rejects the same commands for the
/// same reasons; a rejected command leaves the state untouched.
public struct MetadataError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The kind of rejection, each mapping to one Kafka error code.
    public enum Code: Hashable, Sendable, CaseIterable {
        /// A topic with that name or id exists.
        case topicAlreadyExists
        /// The name breaks Kafka's rules, or collides with one after `.`/`_` folding.
        case invalidTopicName
        /// A partition count out of range, or a count that does not grow the topic.
        case invalidPartitions
        /// A replication factor out of range or above the nodes that can take replicas.
        case invalidReplicationFactor
        /// A config name that is not supported or a value out of range.
        case invalidConfig
        /// No topic has that id.
        case unknownTopic
        /// No node has that id.
        case unknownNode
        /// The completion names a partition or target that is not being reassigned.
        case noReassignmentInProgress
        /// Well-formed but not acceptable (a removed node re-registering, a bound reached).
        case invalidRequest
    }

    /// The kind of rejection.
    public let code: Code
    /// What was wrong, for logs and for the client's error message.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The Kafka protocol error code the broker answers with.
    ///
    /// `unknownTopic` maps to UNKNOWN_TOPIC_OR_PARTITION; a request that named the topic by id
    /// answers UNKNOWN_TOPIC_ID (100) instead.
    public var kafkaErrorCode: Int16 {
        switch code {
        case .topicAlreadyExists: 36
        case .invalidTopicName: 17
        case .invalidPartitions: 37
        case .invalidReplicationFactor: 38
        case .invalidConfig: 40
        case .unknownTopic: 3
        case .unknownNode: 102
        case .noReassignmentInProgress: 85
        case .invalidRequest: 42
        }
    }

    public var description: String { "\(code): \(message)" }
}
