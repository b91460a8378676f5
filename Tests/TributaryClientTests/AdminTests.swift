import KafkaProtocol
import Testing
@testable import TributaryClient

@Suite struct AdminTests {
    @Test func topicsAreCreatedListedDescribedGrownAndDeleted() async throws {
        try await withStubClient { cluster, client in
            let admin = Admin(client: client)
            try await admin.createTopic(NewTopic("events", partitionCount: 4, replicationFactor: 2))
            let outcomes = try await admin.createTopics([NewTopic("events", partitionCount: 1), NewTopic("audit", partitionCount: 2)])
            #expect(outcomes == ["events": .topicAlreadyExists, "audit": .noError])
            #expect(try await admin.listTopics() == ["audit", "events"])

            let described = try await admin.describeTopics(["events", "missing"])
            #expect(described.map(\.name) == ["events", "missing"])
            #expect(described[0].partitions.map(\.partition) == [0, 1, 2, 3])
            #expect(described[0].partitions.map(\.leaderId) == [1, 2, 1, 2])
            #expect(described[1].error == .unknownTopicOrPartition)

            #expect(try await admin.createPartitions(["events": 6, "audit": 1]) == ["events": .noError, "audit": .invalidPartitions])
            #expect(try await admin.describeTopics(["events"])[0].partitions.count == 6)

            try await admin.deleteTopic("audit")
            let error = await #expect(throws: KafkaClientError.self) { try await admin.deleteTopic("audit") }
            #expect(error?.errorCode == .unknownTopicOrPartition)
            #expect(try await admin.listTopics() == ["events"])
            let partitionCount = try await cluster.withModel { $0.topics["events"]?.count }
            #expect(partitionCount == 6)
        }
    }

    @Test func changesGoToTheController() async throws {
        try await withStubClient(nodeCount: 3) { cluster, client in
            try await cluster.withModel { $0.controllerId = 3 }
            try await Admin(client: client).createTopic(NewTopic("x", partitionCount: 1))
            let createNodes = try await cluster.withModel { $0.requestLog.filter { $0.apiKey == .createTopics }.map(\.nodeId) }
            #expect(createNodes == [3])
        }
    }

    @Test func aProducerSeesPartitionsAddedAfterItsFirstLookup() async throws {
        try await withStubClient { _, client in
            let admin = Admin(client: client)
            try await admin.createTopic(NewTopic("growing", partitionCount: 1))
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            try await producer.send(topic: "growing", key: nil, value: [0], partition: 0)
            #expect(try await admin.createPartitions(["growing": 2]) == ["growing": .noError])
            #expect(try await producer.send(topic: "growing", key: nil, value: [1], partition: 1).topicPartition.partition == 1)
        }
    }
}
