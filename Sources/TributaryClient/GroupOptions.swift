/// A group member's timing and assignment strategy.
public struct GroupOptions: Sendable, Equatable {
    /// How long the coordinator waits for a heartbeat before removing the member
    /// (Kafka's `session.timeout.ms`).
    public var sessionTimeout: Duration
    /// How long the coordinator waits for all members to rejoin during a rebalance
    /// (Kafka's `max.poll.interval.ms`, which the Java client sends as the rebalance timeout).
    public var rebalanceTimeout: Duration
    /// How often the member heartbeats (Kafka's `heartbeat.interval.ms`).
    public var heartbeatInterval: Duration
    /// The assignors offered, preferred first; the coordinator picks one all members offer.
    public var assignors: [PartitionAssignor]

    /// Makes options; the defaults are the Java client's.
    public init(
        sessionTimeout: Duration = .seconds(45),
        rebalanceTimeout: Duration = .seconds(300),
        heartbeatInterval: Duration = .seconds(3),
        assignors: [PartitionAssignor] = [.range, .roundRobin]
    ) {
        self.sessionTimeout = sessionTimeout
        self.rebalanceTimeout = rebalanceTimeout
        self.heartbeatInterval = heartbeatInterval
        self.assignors = assignors
    }

    /// Checks the settings against each other.
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` naming the relation.
    public func validate() throws(KafkaClientError) {
        func require(_ ok: Bool, _ relation: String) throws(KafkaClientError) {
            if !ok { throw KafkaClientError(.invalidArgument, "group options: \(relation)") }
        }
        try require(heartbeatInterval > .zero && heartbeatInterval < sessionTimeout, "0 < heartbeatInterval < sessionTimeout")
        try require(rebalanceTimeout >= sessionTimeout, "rebalanceTimeout >= sessionTimeout")
        try require(!assignors.isEmpty, "at least one assignor")
    }
}
