import KafkaProtocol
import Storage

/// The stub broker's request handlers: Kafka's semantics reduced to what the client tests need.
extension StubModel {
    mutating func handle(_ request: KafkaRequest, on nodeId: Int32) -> any KafkaResponseMessage {
        switch request {
        case .apiVersions: apiVersions()
        case .metadata(let body): metadata(body)
        case .produce(let body): produce(body, on: nodeId)
        case .fetch(let body): fetch(body, on: nodeId)
        case .listOffsets(let body): listOffsets(body, on: nodeId)
        case .initProducerId(let body): initProducerId(body)
        case .createTopics(let body): createTopics(body)
        case .deleteTopics(let body): deleteTopics(body)
        case .createPartitions(let body): createPartitions(body)
        default: preconditionFailure("the stub broker does not implement \(request.apiKey)")
        }
    }

    private func apiVersions() -> ApiVersionsResponse {
        ApiVersionsResponse(apiKeys: ApiKey.allCases.map {
            .init(apiKey: $0.rawValue, minVersion: $0.supportedVersions.lowerBound, maxVersion: $0.supportedVersions.upperBound)
        })
    }

    private mutating func metadata(_ request: MetadataRequest) -> MetadataResponse {
        var response = MetadataResponse()
        response.brokers = nodeIds.map { .init(nodeId: $0, host: "127.0.0.1", port: Int32(ports[$0] ?? 0)) }
        response.controllerId = controllerId
        response.clusterId = "stub"
        let names = request.topics?.compactMap(\.name) ?? topics.keys.sorted()
        for name in names {
            if topics[name] == nil && request.allowAutoTopicCreation {
                createTopic(name, partitionCount: autoCreatePartitionCount)
            }
            guard let partitions = topics[name] else {
                response.topics.append(.init(errorCode: ErrorCode.unknownTopicOrPartition.rawValue, name: name))
                continue
            }
            response.topics.append(.init(name: name, partitions: partitions.enumerated().map { index, partition in
                .init(partitionIndex: Int32(index), leaderId: partition.leaderId, leaderEpoch: partition.leaderEpoch,
                      replicaNodes: nodeIds, isrNodes: nodeIds)
            }))
        }
        return response
    }

    private mutating func produce(_ request: ProduceRequest, on nodeId: Int32) -> ProduceResponse {
        var response = ProduceResponse()
        for topic in request.topicData {
            var results = ProduceResponse.TopicProduceResponse(name: topic.name)
            for data in topic.partitionData {
                let (error, baseOffset) = append(topic.name, Int(data.index), data.records ?? [], on: nodeId)
                results.partitionResponses.append(.init(index: data.index, errorCode: error.rawValue, baseOffset: baseOffset))
            }
            response.responses.append(results)
        }
        return response
    }

    /// Appends one batch with Kafka's idempotence checks; returns the error and base offset.
    private mutating func append(_ topic: String, _ index: Int, _ bytes: [UInt8], on nodeId: Int32) -> (ErrorCode, Int64) {
        guard let partitions = topics[topic], index < partitions.count else { return (.unknownTopicOrPartition, -1) }
        guard partitions[index].leaderId == nodeId else { return (.notLeaderOrFollower, -1) }
        guard var batch = try? RecordBatch(validating: bytes) else { return (.corruptMessage, -1) }
        var partition = partitions[index]
        let producerId = batch.header.producerId
        let sequence = batch.header.baseSequence
        if producerId >= 0 {
            let state = partition.producers[producerId]
            if let state, let original = state.baseOffsets[sequence] {
                duplicateBatchCount += 1
                return (.noError, original)
            }
            // As Kafka and the node: a producer the partition has no batch of must start at 0.
            if state == nil && sequence != 0 { return (.unknownProducerId, -1) }
            if let state, sequence != state.lastSequence + 1 { return (.outOfOrderSequenceNumber, -1) }
        }
        let baseOffset = partition.nextOffset
        batch.stamp(baseOffset: Offset(baseOffset), leaderEpoch: LeaderEpoch(partition.leaderEpoch))
        partition.batches.append(batch)
        partition.nextOffset = batch.lastOffset.rawValue + 1
        if producerId >= 0 {
            var state = partition.producers[producerId] ?? (lastSequence: -1, baseOffsets: [:])
            state.lastSequence = sequence + batch.header.lastOffsetDelta
            state.baseOffsets[sequence] = baseOffset
            partition.producers[producerId] = state
        }
        topics[topic]![index] = partition
        return (.noError, baseOffset)
    }

    private func fetch(_ request: FetchRequest, on nodeId: Int32) -> FetchResponse {
        var response = FetchResponse()
        for topic in request.topics {
            var results = FetchResponse.FetchableTopicResponse(topic: topic.topic)
            for wanted in topic.partitions {
                var data = FetchResponse.PartitionData(partitionIndex: wanted.partition)
                guard let partitions = topics[topic.topic], Int(wanted.partition) < partitions.count else {
                    data.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
                    results.partitions.append(data)
                    continue
                }
                let partition = partitions[Int(wanted.partition)]
                data.highWatermark = partition.nextOffset
                data.lastStableOffset = partition.nextOffset
                data.logStartOffset = 0
                if partition.leaderId != nodeId {
                    data.errorCode = ErrorCode.notLeaderOrFollower.rawValue
                } else if wanted.fetchOffset > partition.nextOffset || wanted.fetchOffset < 0 {
                    data.errorCode = ErrorCode.offsetOutOfRange.rawValue
                } else {
                    var bytes: [UInt8] = []
                    for batch in partition.batches where batch.lastOffset.rawValue >= wanted.fetchOffset {
                        if !bytes.isEmpty && bytes.count + batch.bytes.count > Int(wanted.partitionMaxBytes) { break }
                        bytes += batch.bytes
                    }
                    data.records = bytes
                }
                results.partitions.append(data)
            }
            response.responses.append(results)
        }
        return response
    }

    private func listOffsets(_ request: ListOffsetsRequest, on nodeId: Int32) -> ListOffsetsResponse {
        ListOffsetsResponse(topics: request.topics.map { topic in
            .init(name: topic.name, partitions: topic.partitions.map { wanted in
                guard let partitions = topics[topic.name], Int(wanted.partitionIndex) < partitions.count else {
                    return .init(partitionIndex: wanted.partitionIndex, errorCode: ErrorCode.unknownTopicOrPartition.rawValue)
                }
                let partition = partitions[Int(wanted.partitionIndex)]
                guard partition.leaderId == nodeId else {
                    return .init(partitionIndex: wanted.partitionIndex, errorCode: ErrorCode.notLeaderOrFollower.rawValue)
                }
                let offset: Int64 = wanted.timestamp == -2 ? 0 : partition.nextOffset
                return .init(partitionIndex: wanted.partitionIndex, timestamp: -1, offset: offset)
            })
        })
    }

    private mutating func initProducerId(_ request: InitProducerIdRequest) -> InitProducerIdResponse {
        // As Kafka and the node: an id (even an empty one) asks for a transactional producer.
        guard request.transactionalId == nil else {
            return InitProducerIdResponse(errorCode: ErrorCode.invalidRequest.rawValue, producerId: -1, producerEpoch: -1)
        }
        nextProducerId += 1
        return InitProducerIdResponse(producerId: nextProducerId, producerEpoch: 0)
    }

    private mutating func createTopics(_ request: CreateTopicsRequest) -> CreateTopicsResponse {
        CreateTopicsResponse(topics: request.topics.map { topic in
            if topics[topic.name] != nil {
                return .init(name: topic.name, errorCode: ErrorCode.topicAlreadyExists.rawValue,
                             errorMessage: "topic \(topic.name) exists")
            }
            let count = topic.numPartitions < 0 ? autoCreatePartitionCount : topic.numPartitions
            createTopic(topic.name, partitionCount: count)
            return .init(name: topic.name, numPartitions: count, replicationFactor: topic.replicationFactor)
        })
    }

    private mutating func deleteTopics(_ request: DeleteTopicsRequest) -> DeleteTopicsResponse {
        DeleteTopicsResponse(responses: request.topicNames.map { name in
            guard topics.removeValue(forKey: name) != nil else {
                return .init(name: name, errorCode: ErrorCode.unknownTopicOrPartition.rawValue)
            }
            return .init(name: name)
        })
    }

    private mutating func createPartitions(_ request: CreatePartitionsRequest) -> CreatePartitionsResponse {
        CreatePartitionsResponse(results: request.topics.map { topic in
            guard let current = topics[topic.name] else {
                return .init(name: topic.name, errorCode: ErrorCode.unknownTopicOrPartition.rawValue)
            }
            guard Int(topic.count) > current.count else {
                return .init(name: topic.name, errorCode: ErrorCode.invalidPartitions.rawValue,
                             errorMessage: "topic has \(current.count) partitions")
            }
            for index in current.count..<Int(topic.count) {
                topics[topic.name]!.append(StubPartition(leaderId: nodeIds[index % nodeIds.count]))
            }
            return .init(name: topic.name)
        })
    }
}
