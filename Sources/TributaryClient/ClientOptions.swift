/// How a ``KafkaClient`` finds the cluster and how hard it retries.
public struct ClientOptions: Sendable, Equatable {
    /// Per-connection bounds and the client id.
    public var connection: ConnectionOptions
    /// Attempts of one operation (metadata lookup, produce of one batch, admin call) before its
    /// last error is returned; Kafka's `retries` bounded for real.
    public var attemptCountMax: Int
    /// The wait before the first retry; it doubles per attempt up to `retryBackoffMax`
    /// (Kafka's `retry.backoff.ms` and `retry.backoff.max.ms`).
    public var retryBackoff: Duration
    /// The longest wait between attempts.
    public var retryBackoffMax: Duration

    /// Makes options; see each property.
    public init(
        connection: ConnectionOptions = ConnectionOptions(),
        attemptCountMax: Int = 10,
        retryBackoff: Duration = .milliseconds(100),
        retryBackoffMax: Duration = .seconds(1)
    ) {
        self.connection = connection
        self.attemptCountMax = attemptCountMax
        self.retryBackoff = retryBackoff
        self.retryBackoffMax = retryBackoffMax
    }

    /// The wait after `failedAttempts` failures (1 or more).
    func backoff(afterFailures failedAttempts: Int) -> Duration {
        precondition(failedAttempts >= 1, "backoff before any failure")
        let doublings = min(failedAttempts - 1, 20)
        return min(retryBackoff * (1 << doublings), retryBackoffMax)
    }

    /// Checks the bounds.
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` naming the relation.
    public func validate() throws(KafkaClientError) {
        try connection.validate()
        guard attemptCountMax >= 1 else { throw KafkaClientError(.invalidArgument, "client options: attemptCountMax >= 1") }
        guard retryBackoff >= .zero, retryBackoff <= retryBackoffMax else {
            throw KafkaClientError(.invalidArgument, "client options: 0 <= retryBackoff <= retryBackoffMax")
        }
    }
}
