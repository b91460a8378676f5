import KafkaProtocol

/// A topic to create.
public struct NewTopic: Hashable, Sendable {
    /// The topic's name.
    public var name: String
    /// Partitions, or -1 for the broker's default.
    public var partitionCount: Int32
    /// Replicas per partition, or -1 for the broker's default.
    public var replicationFactor: Int16
    /// Topic configs (`retention.ms`, say).
    public var configs: [String: String]

    /// Describes a topic to create; see each property.
    public init(_ name: String, partitionCount: Int32 = -1, replicationFactor: Int16 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitionCount = partitionCount
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// Cluster administration: topics and their partitions.
///
/// Changes go to the controller (named by Metadata); NOT_CONTROLLER and lost connections are
/// retried after a metadata refresh. Calls on several topics answer per topic.
public struct Admin: Sendable {
    /// The client whose connections and metadata this uses.
    public let client: KafkaClient
    /// How long the controller may take to apply a change before answering (the requests' `timeoutMs`).
    public var operationTimeout: Duration

    /// Makes an admin on `client`.
    public init(client: KafkaClient, operationTimeout: Duration = .seconds(30)) {
        self.client = client
        self.operationTimeout = operationTimeout
    }

    /// Creates topics.
    /// - Returns: each topic's outcome (`.noError`, `.topicAlreadyExists`, ...).
    public func createTopics(_ topics: [NewTopic]) async throws -> [String: ErrorCode] {
        let request = CreateTopicsRequest(topics: topics.map { topic in
            .init(name: topic.name, numPartitions: topic.partitionCount, replicationFactor: topic.replicationFactor,
                  configs: topic.configs.sorted { $0.key < $1.key }.map { .init(name: $0.key, value: $0.value) })
        }, timeoutMs: operationTimeout.int32Milliseconds)
        let response = try await sendToController(request, "CreateTopics") { response in
            response.topics.map { ($0.name, ErrorCode(rawValue: $0.errorCode)) }
        }
        for topic in topics { await client.invalidate(topic: topic.name) }
        return response
    }

    /// Creates one topic.
    /// - Throws: ``KafkaClientError`` with the broker's error (TOPIC_ALREADY_EXISTS, ...).
    public func createTopic(_ topic: NewTopic) async throws {
        try Self.require(try await createTopics([topic]), topic.name, "create topic")
    }

    /// Deletes topics by name.
    /// - Returns: each topic's outcome (`.noError`, `.unknownTopicOrPartition`, ...).
    public func deleteTopics(_ names: [String]) async throws -> [String: ErrorCode] {
        let request = DeleteTopicsRequest(
            topics: names.map { .init(name: $0) }, topicNames: names, timeoutMs: operationTimeout.int32Milliseconds)
        let response = try await sendToController(request, "DeleteTopics") { response in
            response.responses.compactMap { result in result.name.map { ($0, ErrorCode(rawValue: result.errorCode)) } }
        }
        for name in names { await client.invalidate(topic: name) }
        return response
    }

    /// Deletes one topic.
    /// - Throws: ``KafkaClientError`` with the broker's error (UNKNOWN_TOPIC_OR_PARTITION, ...).
    public func deleteTopic(_ name: String) async throws {
        try Self.require(try await deleteTopics([name]), name, "delete topic")
    }

    /// Grows topics to the given partition counts (Kafka never shrinks a topic).
    /// - Parameter counts: the new total partition count per topic.
    /// - Returns: each topic's outcome (`.noError`, `.invalidPartitions`, ...).
    public func createPartitions(_ counts: [String: Int32]) async throws -> [String: ErrorCode] {
        let request = CreatePartitionsRequest(
            topics: counts.sorted { $0.key < $1.key }.map { .init(name: $0.key, count: $0.value) },
            timeoutMs: operationTimeout.int32Milliseconds)
        let response = try await sendToController(request, "CreatePartitions") { response in
            response.results.map { ($0.name, ErrorCode(rawValue: $0.errorCode)) }
        }
        for name in counts.keys { await client.invalidate(topic: name) }
        return response
    }

    /// The names of the cluster's topics, internal ones left out, sorted.
    public func listTopics() async throws -> [String] {
        let metadata = try await client.refreshMetadata(topics: nil)
        return metadata.topics.values.filter { !$0.isInternal && $0.error == .noError }.map(\.name).sorted()
    }

    /// Describes topics (partitions, leaders, replicas); a missing topic comes back with its error.
    /// - Parameter names: the topics, or nil for all.
    public func describeTopics(_ names: [String]?) async throws -> [TopicInfo] {
        let metadata = try await client.refreshMetadata(topics: names)
        let wanted = names ?? metadata.topics.keys.sorted()
        return wanted.compactMap { metadata.topics[$0] }
    }

    /// Removes the records of `partition` before `offset` (DeleteRecords, sent to its leader and
    /// retried across leader moves): its log start moves there on every replica.
    /// - Parameters:
    ///   - partition: the partition.
    ///   - offset: the new first offset; -1 for the high-water mark (every committed record).
    /// - Returns: the partition's log start afterwards (Kafka's low watermark). Tributary removes
    ///   whole batches: for an offset inside a batch it is that batch's first offset.
    /// - Throws: ``KafkaClientError`` with the broker's error (OFFSET_OUT_OF_RANGE past the
    ///   high-water mark, ...).
    public func deleteRecords(in partition: TopicPartition, before offset: Int64) async throws -> Int64 {
        let request = DeleteRecordsRequest(
            topics: [.init(name: partition.topic, partitions: [.init(partitionIndex: partition.partition, offset: offset)])],
            timeoutMs: operationTimeout.int32Milliseconds)
        return try await client.withRetries("delete records of \(partition)") { client in
            let leader = try await client.leader(of: partition)
            let response = try await client.connection(toNode: leader).send(request)
            guard let result = response.topics.first?.partitions.first else {
                throw KafkaClientError(.malformedResponse, "DeleteRecords answered no partition")
            }
            let code = ErrorCode(rawValue: result.errorCode)
            if code == .notLeaderOrFollower { await client.invalidate(topic: partition.topic) }
            guard code == .noError else {
                throw KafkaClientError(.broker(code), "delete records of \(partition) before \(offset): \(code)")
            }
            return result.lowWatermark
        }
    }

    /// Sends to the controller, retrying while any topic answers NOT_CONTROLLER.
    private func sendToController<Request: KafkaRequestMessage>(
        _ request: Request, _ what: String, outcomes: @escaping @Sendable (Request.Response) -> [(String, ErrorCode)]
    ) async throws -> [String: ErrorCode] {
        try await client.withRetries(what) { client in
            let metadata = try await client.refreshMetadata(topics: [])
            let connection = metadata.controllerId >= 0
                ? try await client.connection(toNode: metadata.controllerId) : try await client.anyConnection()
            let results = Dictionary(outcomes(try await connection.send(request)), uniquingKeysWith: { first, _ in first })
            if results.values.contains(.notController) {
                throw KafkaClientError(.broker(.notController), "\(what): broker \(metadata.controllerId) is not the controller")
            }
            return results
        }
    }

    private static func require(_ outcomes: [String: ErrorCode], _ name: String, _ what: String) throws {
        let code = outcomes[name] ?? .unknownServerError
        guard code == .noError else { throw KafkaClientError(.broker(code), "\(what) \(name): \(code)") }
    }
}
