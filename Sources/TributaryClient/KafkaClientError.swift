import KafkaProtocol

/// An error of the Tributary client: what failed, as a ``Kind`` to branch on and a sentence.
public struct KafkaClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that react differently to different failures.
    public enum Kind: Sendable, Equatable {
        /// The connection could not be opened, or closed before the response arrived.
        case connectionClosed
        /// No response arrived within the request timeout; the connection was closed.
        case timedOut
        /// The broker's bytes were not a valid response (garbage, wrong correlation id);
        /// the connection was closed.
        case malformedResponse
        /// The broker supports no version of the API that this client implements.
        case unsupportedVersion
        /// A bounded queue of the client (requests waiting for a connection slot) is full.
        case queueFull
        /// The broker answered with a Kafka error code.
        case broker(ErrorCode)
        /// An argument or a configuration value is out of range.
        case invalidArgument
        /// The client, producer or consumer was closed.
        case closed
    }

    /// What went wrong.
    public let kind: Kind
    /// A sentence for logs.
    public let message: String

    /// Makes an error of `kind` described by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The broker's error code, if the broker answered with one.
    public var errorCode: ErrorCode? {
        if case .broker(let code) = kind { return code }
        return nil
    }

    /// Whether trying again (after a metadata refresh and a backoff) may succeed: lost
    /// connections, timeouts, a connection whose request queue is full for now (many producers
    /// pipelining over many partitions), and the broker errors Kafka marks retriable.
    public var isRetriable: Bool {
        switch kind {
        case .connectionClosed, .timedOut, .queueFull: true
        case .broker(let code): code.isRetriableForClients
        default: false
        }
    }

    /// The message.
    public var description: String { message }
}

extension ErrorCode {
    /// Whether a Kafka client retries a request failing with this code (Kafka's `RetriableException`
    /// subclasses that the client APIs here can meet).
    var isRetriableForClients: Bool {
        switch self {
        case .notLeaderOrFollower, .leaderNotAvailable, .unknownTopicOrPartition, .requestTimedOut,
             .notEnoughReplicas, .notEnoughReplicasAfterAppend, .kafkaStorageError,
             .coordinatorLoadInProgress, .coordinatorNotAvailable, .notCoordinator, .notController:
            true
        default: false
        }
    }

    /// Whether the error says the client's metadata (leaders, partitions) is stale.
    var invalidatesMetadata: Bool {
        switch self {
        case .notLeaderOrFollower, .leaderNotAvailable, .unknownTopicOrPartition, .kafkaStorageError,
             .notController:
            true
        default: false
        }
    }
}
