import KafkaProtocol

/// Reads assigned partitions: one Fetch per leader per ``poll()``, following each partition's
/// position from record to record and its high-water mark.
///
/// Positions start where ``seek(_:to:)`` puts them, else at ``ConsumerOptions/autoOffsetReset``
/// (resolved with ListOffsets). A partition whose leader moved is looked up again on the next
/// poll; one whose position fell out of the log is reset.
public actor Consumer {
    /// The client whose connections and metadata this consumer uses.
    public nonisolated let client: KafkaClient
    /// The settings in use.
    public nonisolated let options: ConsumerOptions
    /// The partitions read, in assignment order.
    public private(set) var assignment: [TopicPartition] = []
    private var positions: [TopicPartition: Int64] = [:]
    private var highWatermarks: [TopicPartition: Int64] = [:]

    /// Makes a consumer on `client`.
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` for inconsistent options.
    public init(client: KafkaClient, options: ConsumerOptions = ConsumerOptions()) throws {
        try options.validate(frameBytesMax: client.loop.limits.frameBytesMax)
        self.client = client
        self.options = options
    }

    /// Replaces the assignment; positions of partitions kept are kept.
    public func assign(_ partitions: [TopicPartition]) {
        var seen = Set<TopicPartition>()
        assignment = partitions.filter { seen.insert($0).inserted }
        positions = positions.filter { assignment.contains($0.key) }
    }

    /// The offset of the next record ``poll()`` returns for `partition`, if known.
    public func position(of partition: TopicPartition) -> Int64? { positions[partition] }

    /// The partition's high-water mark as of the last fetch, if any.
    public func highWatermark(of partition: TopicPartition) -> Int64? { highWatermarks[partition] }

    /// Moves `partition`'s position; `.earliest` and `.latest` ask the leader (ListOffsets).
    /// - Throws: ``KafkaClientError`` when the partition is not assigned or the lookup fails.
    public func seek(_ partition: TopicPartition, to spec: OffsetSpec) async throws {
        guard assignment.contains(partition) else {
            throw KafkaClientError(.invalidArgument, "\(partition) is not assigned")
        }
        positions[partition] = try await resolve(spec, for: partition)
    }

    /// The offset `spec` names for `partition`, asking its leader when it is not explicit.
    public func resolve(_ spec: OffsetSpec, for partition: TopicPartition) async throws -> Int64 {
        let timestamp: Int64
        switch spec {
        case .offset(let offset): return offset
        case .earliest: timestamp = -2
        case .latest: timestamp = -1
        }
        return try await client.withRetries("ListOffsets for \(partition)") { client in
            let connection = try await client.connection(toNode: try await client.leader(of: partition))
            let request = ListOffsetsRequest(replicaId: -1, topics: [.init(
                name: partition.topic, partitions: [.init(partitionIndex: partition.partition, timestamp: timestamp)])])
            let response = try await connection.send(request)
            guard let result = response.topics.first(where: { $0.name == partition.topic })?
                .partitions.first(where: { $0.partitionIndex == partition.partition })
            else { throw KafkaClientError(.malformedResponse, "ListOffsets response has no entry for \(partition)") }
            let code = ErrorCode(rawValue: result.errorCode)
            guard code == .noError else {
                if code.invalidatesMetadata { await client.invalidate(topic: partition.topic) }
                throw KafkaClientError(.broker(code), "ListOffsets for \(partition): \(code)")
            }
            return result.offset
        }
    }

    /// Fetches once from the leader of every assigned partition and returns the records read,
    /// in offset order per partition; empty when nothing new arrived within the fetch wait.
    /// - Throws: ``KafkaClientError`` for failures that retrying the next poll cannot fix
    ///   (a malformed or undecodable batch); lost leaders and connections just yield no records
    ///   for their partitions this time.
    public func poll() async throws -> [ConsumerRecord] {
        for partition in assignment where positions[partition] == nil {
            positions[partition] = try await resolve(options.autoOffsetReset, for: partition)
        }
        var byLeader: [Int32: [TopicPartition]] = [:]
        for partition in assignment {
            guard let leader = try? await client.leader(of: partition) else { continue }
            byLeader[leader, default: []].append(partition)
        }
        let requests = byLeader.map { leader, partitions in (leader, fetchRequest(for: partitions)) }
        let client = self.client
        let responses = await withTaskGroup(of: (Int32, Result<FetchResponse, any Error>).self) { group in
            for (leader, request) in requests {
                group.addTask {
                    do {
                        return (leader, .success(try await client.connection(toNode: leader).send(request)))
                    } catch {
                        return (leader, .failure(error))
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var records: [ConsumerRecord] = []
        for (_, outcome) in responses {
            switch outcome {
            case .success(let response): records += try await apply(response)
            case .failure: for partition in assignment { await client.invalidate(topic: partition.topic) }
            }
        }
        return records
    }

    private func fetchRequest(for partitions: [TopicPartition]) -> FetchRequest {
        var topics: [FetchRequest.FetchTopic] = []
        for partition in partitions {
            let entry = FetchRequest.FetchPartition(
                partition: partition.partition, fetchOffset: positions[partition] ?? 0,
                partitionMaxBytes: options.partitionFetchBytesMax)
            if let index = topics.firstIndex(where: { $0.topic == partition.topic }) {
                topics[index].partitions.append(entry)
            } else {
                topics.append(FetchRequest.FetchTopic(topic: partition.topic, partitions: [entry]))
            }
        }
        return FetchRequest(
            maxWaitMs: options.fetchMaxWait.int32Milliseconds, minBytes: options.fetchMinBytes,
            maxBytes: options.fetchBytesMax, sessionId: 0, sessionEpoch: -1, topics: topics)
    }

    private func apply(_ response: FetchResponse) async throws -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        for topic in response.responses {
            for data in topic.partitions {
                let partition = TopicPartition(topic.topic, data.partitionIndex)
                guard let position = positions[partition] else { continue }  // unassigned meanwhile
                let code = ErrorCode(rawValue: data.errorCode)
                switch code {
                case .noError:
                    highWatermarks[partition] = data.highWatermark
                    let fetched = try FetchedRecords.decode(data.records ?? [], of: partition, from: position)
                    records += fetched.records
                    positions[partition] = fetched.nextPosition
                case .offsetOutOfRange:
                    positions[partition] = nil
                default:
                    if code.invalidatesMetadata { await client.invalidate(topic: partition.topic) }
                }
            }
        }
        return records
    }
}
