import ClusterMetadata
import KafkaProtocol

/// Metadata and topic creation.
extension KafkaBroker {
    func metadata(_ request: MetadataRequest, version: Int16) -> MetadataResponse {
        let state = node.applier.state
        // As KRaft lists only unfenced brokers: a node the controller saw go down is left out, so
        // that clients stop picking it for requests that any node could answer.
        let brokers = state.nodes.filter { $0.state != .removed && $0.isAlive }.compactMap { registered -> MetadataResponse.MetadataResponseBroker? in
            guard let address = HostPort(parsing: registered.addresses.client) else { return nil }
            return .init(nodeId: registered.id.rawValue, host: address.host, port: Int32(address.port), rack: registered.rack)
        }
        // Version 0 means "all topics" by an empty list; later versions by null.
        let wantsAll = request.topics == nil || (version == 0 && request.topics?.isEmpty == true)
        var topics: [MetadataResponse.MetadataResponseTopic] = []
        if wantsAll {
            topics = state.topics.map(describe)
        } else {
            for wanted in request.topics ?? [] {
                let byID = wanted.topicId != .zero ? state.topics.first { $0.id.kafkaUUID == wanted.topicId } : nil
                if let topic = byID ?? wanted.name.flatMap(state.topic(named:)) {
                    topics.append(describe(topic))
                } else if let name = wanted.name {
                    topics.append(unknownTopic(name, autoCreate: request.allowAutoTopicCreation || version < 4))
                } else {
                    topics.append(.init(errorCode: ErrorCode.unknownTopicId.rawValue, name: nil, topicId: wanted.topicId))
                }
            }
        }
        let controller = node.knownControllerLeader.map { Int32($0.rawValue) } ?? -1
        return MetadataResponse(brokers: brokers, clusterId: node.config.clusterID, controllerId: controller, topics: topics)
    }

    private func describe(_ topic: Topic) -> MetadataResponse.MetadataResponseTopic {
        let partitions = topic.partitions.map { assignment -> MetadataResponse.MetadataResponsePartition in
            let leader = leaderID(of: assignment.groupID)
            let replicas = assignment.replicas.map(\.rawValue)
            return .init(
                errorCode: leader < 0 ? ErrorCode.leaderNotAvailable.rawValue : 0, partitionIndex: assignment.partition,
                leaderId: leader, leaderEpoch: leaderEpoch(of: assignment.groupID), replicaNodes: replicas,
                isrNodes: replicas, offlineReplicas: [])
        }
        return .init(name: topic.name, topicId: topic.id.kafkaUUID, isInternal: Self.isInternal(topic.name), partitions: partitions)
    }

    /// An unknown topic: created with the defaults when auto-creation is on and the client
    /// allows it, answered LEADER_NOT_AVAILABLE meanwhile (clients ask again).
    private func unknownTopic(_ name: String, autoCreate: Bool) -> MetadataResponse.MetadataResponseTopic {
        guard autoCreate, node.config.kafka.autoCreateTopics else {
            return .init(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, name: name)
        }
        let defaults = node.config.kafka
        submitCreateTopic(name: name, partitions: defaults.defaultPartitionCount, replicationFactor: defaults.defaultReplicationFactor, configs: TopicConfigs()) { [logger] result in
            if case .failure(let failure) = result, case .rejected(let code, _) = failure, code != ErrorCode.topicAlreadyExists.rawValue {
                logger.warning("auto-creating topic '\(name)' failed: \(failure)")
            }
        }
        return .init(errorCode: ErrorCode.leaderNotAvailable.rawValue, name: name)
    }

    /// Proposes a topic with a fresh random id; completes once applied.
    func submitCreateTopic(
        name: String, partitions: Int32, replicationFactor: Int16, configs: TopicConfigs,
        completion: @escaping (Result<Void, ControllerFailure>) -> Void
    ) {
        guard let controller = node.controller else { return completion(.failure(.unavailable("node starting"))) }
        var random = SystemRandomNumberGenerator()
        var id = TopicID(high: random.next(), low: random.next())
        while id.isReserved { id = TopicID(high: random.next(), low: random.next()) }
        controller.submit(.createTopic(name: name, id: id, partitionCount: partitions, replicationFactor: replicationFactor, configs: configs), completion: completion)
    }

    func createTopics(_ request: CreateTopicsRequest, respond: Responder) {
        let defaults = node.config.kafka
        var results = [CreateTopicsResponse.CreatableTopicResult?](repeating: nil, count: request.topics.count)
        var remaining = request.topics.count
        let finish = {
            respond(CreateTopicsResponse(topics: results.map { $0! }))
        }
        guard remaining > 0 else { return finish() }
        for (index, wanted) in request.topics.enumerated() {
            let partitions = wanted.numPartitions == -1 ? defaults.defaultPartitionCount : wanted.numPartitions
            let factor = wanted.replicationFactor == -1 ? defaults.defaultReplicationFactor : wanted.replicationFactor
            let complete: (Int16, String?) -> Void = { [node] code, message in
                let topicID = node.applier.state.topic(named: wanted.name)?.id.kafkaUUID ?? .zero
                results[index] = .init(
                    name: wanted.name, topicId: code == 0 ? topicID : .zero, errorCode: code, errorMessage: message,
                    numPartitions: code == 0 ? partitions : -1, replicationFactor: code == 0 ? factor : -1)
                remaining -= 1
                if remaining == 0 { finish() }
            }
            guard wanted.assignments.isEmpty else {
                complete(ErrorCode.invalidRequest.rawValue, "manual replica assignments are not supported; the controller places replicas")
                continue
            }
            var configs = TopicConfigs()
            do {
                for config in wanted.configs {
                    guard let value = config.value else { continue }
                    try configs.set(config.name, to: value)
                }
            } catch {
                complete(error.kafkaErrorCode, error.message)
                continue
            }
            if request.validateOnly {
                complete(node.applier.state.topic(named: wanted.name) == nil ? 0 : ErrorCode.topicAlreadyExists.rawValue, nil)
                continue
            }
            submitCreateTopic(name: wanted.name, partitions: partitions, replicationFactor: factor, configs: configs) { result in
                switch result {
                case .success: complete(0, nil)
                case .failure(.rejected(let code, let message)): complete(code, message)
                case .failure(.unavailable(let why)): complete(ErrorCode.notController.rawValue, why)
                }
            }
        }
    }
}
