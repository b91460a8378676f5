import KafkaProtocol
import Transport

/// The shared core of producers, consumers and admin: one event loop, one connection per
/// broker, and the cluster metadata cache.
///
/// Metadata is fetched on demand and refreshed when a caller reports it stale (after
/// NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION or a lost connection). Connections are
/// opened lazily, shared by every user of the client, and replaced after they close.
public actor KafkaClient {
    /// The loop all connections of this client live on.
    public nonisolated let loop: EventLoop
    /// The options in use.
    public nonisolated let options: ClientOptions
    private let bootstrap: [BrokerAddress]
    private var connections: [BrokerAddress: (attempt: UInt64, task: Task<BrokerConnection, any Error>)] = [:]
    private var connectAttemptCount: UInt64 = 0
    private var staleTopics: Set<String> = []
    private var topicLookups: [String: Task<TopicInfo, any Error>] = [:]
    private var isClosed = false
    /// What is known of the cluster; refreshed by ``refreshMetadata(topics:allowAutoTopicCreation:)``.
    public private(set) var metadata = ClusterMetadata.empty

    /// Makes a client for the cluster reachable at `bootstrapServers` (`host:port,...`). Nothing
    /// connects until the first call that needs a broker.
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` for a bad list or options.
    public init(bootstrapServers: String, options: ClientOptions = ClientOptions()) throws {
        try options.validate()
        self.bootstrap = try BrokerAddress.parseList(bootstrapServers)
        self.options = options
        self.loop = try EventLoop(name: "kafka-client")
    }

    /// Closes every connection and stops the loop; later calls fail with ``KafkaClientError/Kind/closed``.
    public func close() async {
        guard !isClosed else { return }
        isClosed = true
        for entry in connections.values { try? await entry.task.value.close() }
        connections.removeAll()
        let loop = self.loop
        await Task.detached { loop.shutdown() }.value
    }

    // MARK: Connections

    /// The connection to broker `nodeId`, opened if needed.
    /// - Throws: when the broker is unknown even after a metadata refresh, or unreachable.
    public func connection(toNode nodeId: Int32) async throws -> BrokerConnection {
        if metadata.brokers[nodeId] == nil { try await refreshMetadata(topics: []) }
        guard let broker = metadata.brokers[nodeId], let port = UInt16(exactly: broker.port) else {
            throw KafkaClientError(.broker(.leaderNotAvailable), "broker \(nodeId) is not in the cluster metadata")
        }
        return try await connection(to: BrokerAddress(host: broker.host, port: port))
    }

    /// A connection to any broker: a known broker first, else a bootstrap server; tries each
    /// once and returns the first that connects.
    public func anyConnection() async throws -> BrokerConnection {
        var candidates = metadata.brokers.values.sorted { $0.nodeId < $1.nodeId }.compactMap { broker in
            UInt16(exactly: broker.port).map { BrokerAddress(host: broker.host, port: $0) }
        }
        candidates += bootstrap.filter { !candidates.contains($0) }
        if let open = candidates.first(where: { connections[$0] != nil }) {
            if let connection = try? await connection(to: open) { return connection }
        }
        var lastError: any Error = KafkaClientError(.connectionClosed, "no broker reachable")
        for candidate in candidates {
            do { return try await connection(to: candidate) } catch { lastError = error }
        }
        throw lastError
    }

    /// The connection to the broker at `address` (a group coordinator, say), opened if needed.
    public func connection(to address: BrokerAddress) async throws -> BrokerConnection {
        guard !isClosed else { throw KafkaClientError(.closed, "the client is closed") }
        if let existing = connections[address] { return try await existing.task.value }
        connectAttemptCount += 1
        let attempt = connectAttemptCount
        let loop = self.loop
        let connectionOptions = options.connection
        let task = Task<BrokerConnection, any Error> {
            let socketAddress = try address.resolved()
            return try await BrokerConnection.connect(to: socketAddress, on: loop, options: connectionOptions) {
                [weak self] _ in Task { await self?.forget(address, attempt: attempt) }
            }
        }
        connections[address] = (attempt, task)
        do {
            return try await task.value
        } catch {
            forget(address, attempt: attempt)
            throw error
        }
    }

    /// Drops a closed connection so that the next call opens a new one; a late report about
    /// an older attempt leaves the newer connection alone.
    private func forget(_ address: BrokerAddress, attempt: UInt64) {
        if connections[address]?.attempt == attempt { connections[address] = nil }
    }

    // MARK: Metadata

    /// Asks a broker for metadata and merges the answer into ``metadata``.
    /// - Parameters:
    ///   - topics: the topics to describe; nil for all, empty for brokers only.
    ///   - allowAutoTopicCreation: whether the broker may create missing topics.
    /// - Returns: the merged metadata.
    @discardableResult
    public func refreshMetadata(topics: [String]?, allowAutoTopicCreation: Bool = false) async throws -> ClusterMetadata {
        let request = MetadataRequest(
            topics: topics.map { $0.map { MetadataRequest.MetadataRequestTopic(name: $0) } },
            allowAutoTopicCreation: allowAutoTopicCreation)
        let response = try await withRetries("metadata") { client in
            try await client.anyConnection().send(request)
        }
        let fresh = ClusterMetadata(response)
        if topics == nil {
            metadata = fresh
        } else {
            metadata.merge(fresh)
        }
        staleTopics.subtract(fresh.topics.keys)
        return metadata
    }

    /// Marks a topic's cached leaders as stale: the next lookup refreshes them.
    public func invalidate(topic: String) {
        staleTopics.insert(topic)
    }

    /// The topic's partitions, refreshing the cache when the topic is unknown or stale, and
    /// retrying while the broker is still creating it or electing leaders.
    /// - Parameter allowAutoTopicCreation: whether the broker may create it.
    /// - Throws: ``KafkaClientError`` with UNKNOWN_TOPIC_OR_PARTITION (or the topic's error)
    ///   once the attempts are used up.
    public func topic(_ name: String, allowAutoTopicCreation: Bool = false) async throws -> TopicInfo {
        if let cached = metadata.topics[name], cached.error == ErrorCode.noError, !staleTopics.contains(name) { return cached }
        // Callers arriving while a lookup is under way share it rather than each asking a broker.
        if let lookup = topicLookups[name] { return try await lookup.value }
        let lookup = Task { try await lookUp(name, allowAutoTopicCreation: allowAutoTopicCreation) }
        topicLookups[name] = lookup
        defer { topicLookups[name] = nil }
        return try await lookup.value
    }

    private func lookUp(_ name: String, allowAutoTopicCreation: Bool) async throws -> TopicInfo {
        try await withRetries("metadata for topic \(name)") { client in
            let metadata = try await client.refreshMetadata(topics: [name], allowAutoTopicCreation: allowAutoTopicCreation)
            guard let topic = metadata.topics[name] else {
                throw KafkaClientError(.broker(.unknownTopicOrPartition), "topic \(name) is not in the metadata answer")
            }
            guard topic.error == .noError, !topic.partitions.isEmpty else {
                let error = topic.error == .noError ? .leaderNotAvailable : topic.error
                throw KafkaClientError(.broker(error), "topic \(name): \(error)")
            }
            return topic
        }
    }

    /// The node id of the partition's leader, refreshing metadata until one is known.
    public func leader(of partition: TopicPartition) async throws -> Int32 {
        try await withRetries("leader of \(partition)") { client in
            let topic = try await client.topic(partition.topic)
            guard Int(partition.partition) < topic.partitions.count else {
                await client.invalidate(topic: partition.topic)
                throw KafkaClientError(.broker(.unknownTopicOrPartition), "\(partition) does not exist")
            }
            let info = topic.partitions[Int(partition.partition)]
            guard info.leaderId >= 0 else {
                await client.invalidate(topic: partition.topic)
                throw KafkaClientError(.broker(.leaderNotAvailable), "\(partition) has no leader")
            }
            return info.leaderId
        }
    }

    // MARK: Retries

    /// Runs `body` until it succeeds, fails with an error that is not retriable, or has used
    /// ``ClientOptions/attemptCountMax`` attempts; waits the backoff between attempts.
    public nonisolated func withRetries<Result: Sendable>(
        _ what: String, _ body: @Sendable (KafkaClient) async throws -> Result
    ) async throws -> Result {
        var failures = 0
        while true {
            do {
                return try await body(self)
            } catch let error as KafkaClientError where error.isRetriable {
                failures += 1
                guard failures < options.attemptCountMax else {
                    throw KafkaClientError(error.kind, "\(what): gave up after \(failures) attempts: \(error.message)")
                }
                try await Task.sleep(for: options.backoff(afterFailures: failures))
            }
        }
    }
}
