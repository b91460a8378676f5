/// Bounds and identity of one client's connections to brokers.
public struct ConnectionOptions: Sendable, Equatable {
    /// The `client.id` sent in every request header (brokers log it).
    public var clientId: String
    /// How long a request may wait for its response before its connection is closed as dead
    /// (Kafka's `request.timeout.ms`); all other requests on that connection then fail too.
    public var requestTimeout: Duration
    /// How often the connection checks the oldest request against `requestTimeout`; a request
    /// times out at most this much late.
    public var timeoutCheckInterval: Duration
    /// Requests sent and not yet answered on one connection, at most (Kafka's
    /// `max.in.flight.requests.per.connection`); further requests wait in order.
    public var inFlightRequestCountMax: Int
    /// Requests waiting for an in-flight slot on one connection, at most; beyond it sends fail
    /// with ``KafkaClientError/Kind/queueFull``.
    public var waitingRequestCountMax: Int

    /// Makes options; see each property.
    public init(
        clientId: String = "tributary-client",
        requestTimeout: Duration = .seconds(30),
        timeoutCheckInterval: Duration = .milliseconds(100),
        inFlightRequestCountMax: Int = 5,
        waitingRequestCountMax: Int = 1_024
    ) {
        self.clientId = clientId
        self.requestTimeout = requestTimeout
        self.timeoutCheckInterval = timeoutCheckInterval
        self.inFlightRequestCountMax = inFlightRequestCountMax
        self.waitingRequestCountMax = waitingRequestCountMax
    }

    /// Checks that the bounds are positive and consistent.
    /// - Throws: ``KafkaClientError`` (``KafkaClientError/Kind/invalidArgument``) naming the relation.
    public func validate() throws(KafkaClientError) {
        func require(_ ok: Bool, _ relation: String) throws(KafkaClientError) {
            if !ok { throw KafkaClientError(.invalidArgument, "connection options: \(relation)") }
        }
        try require(requestTimeout > .zero, "requestTimeout > 0")
        try require(timeoutCheckInterval > .zero && timeoutCheckInterval <= requestTimeout,
                    "0 < timeoutCheckInterval <= requestTimeout")
        try require(inFlightRequestCountMax > 0, "inFlightRequestCountMax > 0")
        try require(waitingRequestCountMax > 0, "waitingRequestCountMax > 0")
    }
}
