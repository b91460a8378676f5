import KafkaProtocol
import Storage
import Testing
@testable import TributaryClient

/// A flag one task sets and another reads.
actor Flag {
    private(set) var isSet = false
    func set() { isSet = true }
}

@Suite struct ProducerTests {
    /// Kafka's `UtilsTest.testMurmur2` vectors: the Java client's hashes of these keys.
    @Test func murmur2MatchesTheJavaClient() {
        let vectors: [(String, Int32)] = [
            ("21", -973_932_308), ("foobar", -790_332_482), ("a-little-bit-long-string", -985_981_536),
            ("a-little-bit-longer-string", -1_486_304_829),
            ("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58_897_971), ("abc", 479_470_107),
        ]
        for (key, hash) in vectors {
            #expect(KeyPartitioner.murmur2(Array(key.utf8)) == hash, "murmur2(\(key))")
        }
        // toPositive(-790332482) = 1357151166, and 1357151166 % 50 = 16.
        #expect(KeyPartitioner.partition(forKey: Array("foobar".utf8), partitionCount: 50) == 16)
    }

    @Test func keyedRecordsLandOnTheMurmur2PartitionInSendOrder() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("keys", partitionCount: 4) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            var sent: [(key: String, value: String, metadata: RecordMetadata)] = []
            for index in 0..<60 {
                let key = "user-\(index % 7)"
                let value = "event-\(index)"
                let metadata = try await producer.send(topic: "keys", key: Array(key.utf8), value: Array(value.utf8))
                sent.append((key, value, metadata))
            }
            let logs = try await cluster.withModel { model in try model.topics["keys"]!.map { try $0.records() } }
            for (key, value, metadata) in sent {
                #expect(metadata.topicPartition.partition == KeyPartitioner.partition(forKey: Array(key.utf8), partitionCount: 4))
                let stored = logs[Int(metadata.topicPartition.partition)][Int(metadata.offset)]
                #expect(stored.key == Array(key.utf8) && stored.value == Array(value.utf8))
            }
            #expect(logs.map(\.count).reduce(0, +) == 60)
        }
    }

    @Test func batchesWaitingForOneBrokerShareOneProduceRequest() async throws {
        try await withStubClient(nodeCount: 1) { cluster, client in
            try await cluster.withModel { model in
                model.createTopic("wide", partitionCount: 40)
                model.script = { model, _, request in
                    guard case .produce(let produce) = request.body else { return .answer }
                    model.producedPartitionCounts.append(produce.topicData.reduce(0) { $0 + $1.partitionData.count })
                    return .hold
                }
            }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            let sends = (0..<40).map { index in
                Task { try await producer.send(topic: "wide", key: nil, value: [UInt8(index)], partition: Int32(index)) }
            }
            func sentPartitions() async throws -> Int {
                try await cluster.withModel { model in model.producedPartitionCounts.reduce(0, +) }
            }
            // Every batch is either in a request the broker holds or waiting for a free slot.
            while try await sentPartitions() + producer.batchesAwaitingRequest < 40 { await Task.yield() }
            let slots = client.options.connection.inFlightRequestCountMax
            #expect(try await cluster.withModel { $0.producedPartitionCounts.count } <= slots)
            while try await sentPartitions() < 40 {
                try await cluster.releaseHeldResponses()
                await Task.yield()
            }
            try await cluster.releaseHeldResponses()
            var partitions: Set<Int32> = []
            for send in sends { partitions.insert(try await send.value.topicPartition.partition) }
            #expect(partitions.count == 40)
            // One request per batch would be 40; the waiting ones share the next free slot.
            let requests = try await cluster.withModel { $0.producedPartitionCounts }
            #expect(requests.count <= slots + 1, "40 batches of 40 partitions in requests of \(requests) partitions")
            let stored = try await cluster.withModel { model in model.topics["wide"]!.map(\.nextOffset) }
            #expect(stored.allSatisfy { $0 == 1 })
        }
    }

    @Test func acksAllReturnsOnlyAfterTheBrokerAnswers() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("t", partitionCount: 1) }
            let producer = try Producer(client: client, options: ProducerOptions(acks: .all))
            let (arrivals, arrived) = AsyncStream.makeStream(of: Void.self)
            try await cluster.withModel { model in
                model.script = { _, _, request in
                    guard request.body.apiKey == .produce else { return .answer }
                    arrived.yield()
                    return .hold
                }
            }
            let acknowledged = Flag()
            let send = Task {
                let metadata = try await producer.send(topic: "t", key: nil, value: [1])
                await acknowledged.set()
                return metadata
            }
            var iterator = arrivals.makeAsyncIterator()
            await iterator.next()
            #expect(await acknowledged.isSet == false)
            try await cluster.releaseHeldResponses()
            #expect(try await send.value.offset == 0)
            #expect(await acknowledged.isSet)
        }
    }

    @Test func acksNoneReturnsWithoutAnAnswer() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("t", partitionCount: 1) }
            let producer = try Producer(client: client, options: ProducerOptions(acks: .none, idempotent: false))
            let metadata = try await producer.send(topic: "t", key: nil, value: [1])
            #expect(metadata.offset == -1)
        }
    }

    @Test func notLeaderOrFollowerIsRetriedOnTheNewLeader() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("moving", partitionCount: 1) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            try await producer.send(topic: "moving", key: nil, value: [0])
            try await cluster.withModel { model in
                model.script = { model, nodeId, request in
                    if request.body.apiKey == .produce && nodeId == 1 { model.moveLeader("moving", 0, to: 2) }
                    return .answer
                }
            }
            let metadata = try await producer.send(topic: "moving", key: nil, value: [1])
            #expect(metadata.offset == 1)
            let (log, produceNodes) = try await cluster.withModel { model in
                (try model.topics["moving"]![0].records().map(\.value), model.requestLog.filter { $0.apiKey == .produce }.map(\.nodeId))
            }
            #expect(log == [[0], [1]])
            #expect(produceNodes == [1, 1, 2])
        }
    }

    @Test func aLostResponseDuringALeaderMoveCausesNoDuplicatesForTheIdempotentProducer() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("dedup", partitionCount: 1) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero, batchBytesMax: 200))
            try await cluster.withModel { model in
                model.script = { model, _, request in
                    // The third batch is written on node 1 but its answer is lost; its retry finds
                    // that node 1 lost leadership meanwhile, so it goes to node 2, which has it.
                    guard request.body.apiKey == .produce else { return .answer }
                    switch model.requestLog.filter({ $0.apiKey == .produce }).count {
                    case 3: return .applyThenClose
                    case 4: model.moveLeader("dedup", 0, to: 2)
                    default: break
                    }
                    return .answer
                }
            }
            let recordCount = 100
            let results = try await withThrowingTaskGroup(of: (Int, RecordMetadata).self) { group in
                for index in 0..<recordCount {
                    group.addTask {
                        (index, try await producer.send(topic: "dedup", key: nil, value: Array("\(index)".utf8)))
                    }
                }
                return try await group.reduce(into: [Int: RecordMetadata]()) { $0[$1.0] = $1.1 }
            }
            let (log, duplicates) = try await cluster.withModel { model in
                (try model.topics["dedup"]![0].records(), model.duplicateBatchCount)
            }
            // The batch whose answer was lost, and any sent behind it on that connection (up to
            // the in-flight bound), are resent and recognised as what the log already holds.
            #expect((1...ProducerOptions().inFlightBatchesPerPartitionMax).contains(duplicates), "\(duplicates) duplicates")
            #expect(log.count == recordCount)
            #expect(Set(log.compactMap(\.value)).count == recordCount)
            for (index, metadata) in results {
                #expect(metadata.offset >= 0 && log[Int(metadata.offset)].value == Array("\(index)".utf8))
            }
        }
    }

    @Test func concurrentFirstBatchesOnManyPartitionsGetConsistentSequences() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("wide", partitionCount: 8) }
            // Every partition's first batch waits for the producer id at the end of the same linger.
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .milliseconds(5), batchBytesMax: 400))
            let recordCount = 2_000
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<recordCount {
                    group.addTask { try await producer.send(topic: "wide", key: Array("\(index)".utf8), value: [1]) }
                }
                try await group.waitForAll()
            }
            let (stored, duplicates) = try await cluster.withModel { model in
                (try model.topics["wide"]!.map { try $0.records().count }.reduce(0, +), model.duplicateBatchCount)
            }
            #expect(duplicates == 0)
            #expect(stored == recordCount)
        }
    }

    @Test func flushSendsLingeringRecordsAndWaitsForThem() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("t", partitionCount: 2) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .seconds(3_600)))
            let sends = Task {
                try await withThrowingTaskGroup(of: RecordMetadata.self) { group in
                    for index in 0..<10 { group.addTask { try await producer.send(topic: "t", key: [UInt8(index)], value: []) } }
                    return try await group.reduce(into: 0) { count, _ in count += 1 }
                }
            }
            // Records linger an hour unless flushed; wait until they are all buffered, then flush.
            while await producer.bufferedCount < 10 { await Task.yield() }
            await producer.flush()
            #expect(try await sends.value == 10)
            let stored = try await cluster.withModel { model in try model.topics["t"]!.map { try $0.records().count } }
            #expect(stored.reduce(0, +) == 10)
        }
    }

    @Test func anIdempotentProducerKeepsUpToItsBoundOfBatchesInFlightPerPartitionAPlainOneOne() async throws {
        for (idempotent, bound) in [(true, 5), (false, 1)] {
            try await withStubClient { cluster, client in
                try await cluster.withModel { model in
                    model.createTopic("pipe", partitionCount: 1)
                    model.script = { _, _, request in request.body.apiKey == .produce ? .hold : .answer }
                }
                let options = ProducerOptions(acks: .all, idempotent: idempotent, lingerTime: .zero, batchRecordCountMax: 1)
                let producer = try Producer(client: client, options: options)
                let sends = (0..<20).map { index in Task { try await producer.send(topic: "pipe", key: nil, value: [UInt8(index)]) } }
                while true {
                    let buffered = await producer.bufferedCount, sent = await producer.batchesInFlight
                    if buffered == 20 && sent >= bound { break }
                    await Task.yield()
                }
                #expect(await producer.batchesInFlight == bound, "idempotent: \(idempotent)")
                try await cluster.withModel { $0.script = nil }
                try await cluster.releaseHeldResponses()
                for send in sends { _ = try await send.value }
                #expect(await producer.batchesInFlight == 0)
            }
        }
    }

    @Test func pipelinedBatchesLandInSequenceOrderThroughLeaderMovesWithoutDuplicates() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { model in
                model.createTopic("pipe", partitionCount: 1)
                // Three times the leader moves under a Produce: the batches in flight behind it
                // fail too, or reach the new leader out of order and are refused until it has
                // the earlier ones.
                model.script = { model, nodeId, request in
                    guard request.body.apiKey == .produce else { return .answer }
                    if [10, 30, 50].contains(model.requestLog.filter({ $0.apiKey == .produce }).count) {
                        model.moveLeader("pipe", 0, to: nodeId == 1 ? 2 : 1)
                    }
                    return .answer
                }
            }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero, batchBytesMax: 200))
            let recordCount = 300
            let results = try await withThrowingTaskGroup(of: (Int, RecordMetadata).self) { group in
                for index in 0..<recordCount {
                    group.addTask { (index, try await producer.send(topic: "pipe", key: nil, value: Array("\(index)".utf8))) }
                }
                return try await group.reduce(into: [Int: RecordMetadata]()) { $0[$1.0] = $1.1 }
            }
            let (batches, log) = try await cluster.withModel { model in
                (model.topics["pipe"]![0].batches, try model.topics["pipe"]![0].records())
            }
            let sequences = batches.map(\.header.baseSequence)
            #expect(Set(batches.map(\.header.producerId)).count == 1, "no batch failed, so one producer id")
            #expect(sequences == sequences.sorted() && Set(sequences).count == sequences.count, "batches in sequence order, none twice")
            #expect(log.count == recordCount && Set(log.compactMap(\.value)).count == recordCount)
            for (index, metadata) in results {
                #expect(log[Int(metadata.offset)].value == Array("\(index)".utf8))
            }
        }
    }

    @Test func sendsBeyondTheBufferBoundAreRefused() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { model in
                model.createTopic("t", partitionCount: 1)
                model.script = { _, _, request in request.body.apiKey == .produce ? .hold : .answer }
            }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero, bufferedRecordCountMax: 2))
            let held = (0..<2).map { index in Task { try await producer.send(topic: "t", key: nil, value: [UInt8(index)]) } }
            while await producer.bufferedCount < 2 { await Task.yield() }
            let error = await #expect(throws: KafkaClientError.self) { try await producer.send(topic: "t", key: nil, value: [9]) }
            #expect(error?.kind == .queueFull)
            try await cluster.withModel { $0.script = nil }
            try await cluster.releaseHeldResponses()
            for send in held { _ = try await send.value }
        }
    }

    @Test func aRecordLargerThanABatchIsRefused() async throws {
        try await withStubClient { _, client in
            let producer = try Producer(client: client, options: ProducerOptions(batchBytesMax: 128))
            let error = await #expect(throws: KafkaClientError.self) {
                try await producer.send(topic: "t", key: nil, value: [UInt8](repeating: 0, count: 200))
            }
            #expect(error?.kind == .invalidArgument)
        }
    }

    @Test func optionsAreValidated() async throws {
        #expect(throws: KafkaClientError.self) { try ProducerOptions(acks: .leader, idempotent: true).validate() }
        #expect(throws: KafkaClientError.self) { try ProducerOptions(batchBytesMax: 10).validate() }
    }
}
