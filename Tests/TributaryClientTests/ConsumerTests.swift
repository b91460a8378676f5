import KafkaProtocol
import Storage
import Testing
@testable import TributaryClient

/// Polls until `count` records arrived; fails after `pollCountMax` polls (the stub answers at
/// once, so a missing record shows up as a failed expectation, not a hang).
func poll(_ consumer: Consumer, until count: Int, pollCountMax: Int = 200) async throws -> [ConsumerRecord] {
    var records: [ConsumerRecord] = []
    for _ in 0..<pollCountMax where records.count < count {
        records += try await consumer.poll()
    }
    return records
}

@Suite struct ConsumerTests {
    @Test func keyedRecordsRoundTripInOrderPerPartition() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("orders", partitionCount: 3) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            for index in 0..<90 {
                try await producer.send(topic: "orders", key: Array("customer-\(index % 11)".utf8), value: Array("\(index)".utf8),
                                        headers: [RecordHeader(key: Array("n".utf8), value: [UInt8(index)])])
            }
            let consumer = try Consumer(client: client, options: ConsumerOptions(fetchMaxWait: .zero, autoOffsetReset: .earliest))
            await consumer.assign((0..<3).map { TopicPartition("orders", $0) })
            let records = try await poll(consumer, until: 90)
            #expect(records.count == 90)
            for partition in 0..<Int32(3) {
                let mine = records.filter { $0.topicPartition.partition == partition }
                #expect(mine.map(\.offset) == (0..<Int64(mine.count)).map { $0 })
                let values = mine.map { Int(String(decoding: $0.value!, as: UTF8.self))! }
                #expect(values == values.sorted())
                for record in mine {
                    #expect(KeyPartitioner.partition(forKey: record.key!, partitionCount: 3) == partition)
                    let index = Int(String(decoding: record.value!, as: UTF8.self))!
                    #expect(record.key == Array("customer-\(index % 11)".utf8))
                    #expect(record.headers == [RecordHeader(key: Array("n".utf8), value: [UInt8(index)])])
                }
                #expect(await consumer.highWatermark(of: TopicPartition("orders", partition)) == Int64(mine.count))
            }
        }
    }

    @Test func latestSkipsWhatWasWrittenBeforeAndSeekGoesBack() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("t", partitionCount: 1) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            for index in 0..<5 { try await producer.send(topic: "t", key: nil, value: [UInt8(index)]) }
            let consumer = try Consumer(client: client, options: ConsumerOptions(fetchMaxWait: .zero, autoOffsetReset: .latest))
            let partition = TopicPartition("t", 0)
            await consumer.assign([partition])
            #expect(try await consumer.poll().isEmpty)
            #expect(await consumer.position(of: partition) == 5)
            try await producer.send(topic: "t", key: nil, value: [5])
            #expect(try await poll(consumer, until: 1).map(\.value) == [[5]])
            try await consumer.seek(partition, to: .offset(3))
            #expect(try await poll(consumer, until: 3).map(\.value) == [[3], [4], [5]])
            try await consumer.seek(partition, to: .earliest)
            #expect(try await poll(consumer, until: 6).count == 6)
        }
    }

    @Test func aPositionOutOfRangeIsResetByAutoOffsetReset() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("t", partitionCount: 1) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            for index in 0..<3 { try await producer.send(topic: "t", key: nil, value: [UInt8(index)]) }
            let consumer = try Consumer(client: client, options: ConsumerOptions(fetchMaxWait: .zero, autoOffsetReset: .earliest))
            let partition = TopicPartition("t", 0)
            await consumer.assign([partition])
            try await consumer.seek(partition, to: .offset(100))
            #expect(try await consumer.poll().isEmpty)
            #expect(await consumer.position(of: partition) == nil)
            #expect(try await poll(consumer, until: 3).map(\.value) == [[0], [1], [2]])
        }
    }

    @Test func controlBatchesAdvanceThePositionButYieldNoRecords() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { model in
                model.createTopic("txn", partitionCount: 1)
                model.appendDirectly(RecordBatchBuilder.batch([NewRecord(value: [1], timestamp: 0)]), to: "txn", 0)
                model.appendDirectly(RecordBatchBuilder.controlBatch(type: .commit, value: [0, 0, 0, 0, 0, 0], timestamp: 0), to: "txn", 0)
                model.appendDirectly(RecordBatchBuilder.batch([NewRecord(value: [2], timestamp: 0)]), to: "txn", 0)
            }
            let consumer = try Consumer(client: client, options: ConsumerOptions(fetchMaxWait: .zero, autoOffsetReset: .earliest))
            await consumer.assign([TopicPartition("txn", 0)])
            let records = try await poll(consumer, until: 2)
            #expect(records.map(\.value) == [[1], [2]])
            #expect(records.map(\.offset) == [0, 2])
            #expect(await consumer.position(of: TopicPartition("txn", 0)) == 3)
        }
    }

    @Test func aLeaderMoveBetweenPollsIsFollowed() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("t", partitionCount: 1) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            try await producer.send(topic: "t", key: nil, value: [0])
            let consumer = try Consumer(client: client, options: ConsumerOptions(fetchMaxWait: .zero, autoOffsetReset: .earliest))
            await consumer.assign([TopicPartition("t", 0)])
            #expect(try await poll(consumer, until: 1).map(\.value) == [[0]])
            try await cluster.withModel { $0.moveLeader("t", 0, to: 2) }
            try await producer.send(topic: "t", key: nil, value: [1])
            #expect(try await poll(consumer, until: 1).map(\.value) == [[1]])
            let fetchNodes = try await cluster.withModel { $0.requestLog.filter { $0.apiKey == .fetch }.map(\.nodeId) }
            #expect(fetchNodes.contains(2))
        }
    }

    @Test func aBatchCutShortByTheSizeBoundIsLeftForTheNextFetch() throws {
        let first = RecordBatchBuilder.batch([NewRecord(value: [1], timestamp: 0), NewRecord(value: [2], timestamp: 0)])
        let second = RecordBatchBuilder.batch([NewRecord(value: [3], timestamp: 0)], baseOffset: 2)
        let bytes = first.bytes + second.bytes.prefix(20)
        let partition = TopicPartition("t", 0)
        let decoded = try FetchedRecords.decode(bytes, of: partition, from: 1)
        #expect(decoded.records.map(\.value) == [[2]])
        #expect(decoded.nextPosition == 2)
    }

    @Test func aCorruptBatchIsAMalformedResponse() throws {
        var bytes = RecordBatchBuilder.batch([NewRecord(value: [1], timestamp: 0)]).bytes
        bytes[bytes.count - 1] ^= 0xff
        let error = #expect(throws: KafkaClientError.self) {
            try FetchedRecords.decode(bytes, of: TopicPartition("t", 0), from: 0)
        }
        #expect(error?.kind == .malformedResponse)
        var negative = bytes
        negative.replaceSubrange(8..<12, with: [0xff, 0xff, 0xff, 0xff])
        #expect(throws: KafkaClientError.self) { try FetchedRecords.decode(negative, of: TopicPartition("t", 0), from: 0) }
    }
}
