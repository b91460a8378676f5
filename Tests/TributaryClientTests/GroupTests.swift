import KafkaProtocol
import Testing
@testable import TributaryClient

@Suite struct AssignorTests {
    private let twoTopics: [String: Set<String>] = ["C0": ["t0", "t1"], "C1": ["t0", "t1"]]

    /// The example in the Java client's `RangeAssignor` documentation.
    @Test func rangeMatchesTheJavaClientsExample() {
        let assignment = PartitionAssignor.range.assign(subscriptions: twoTopics, partitionCounts: ["t0": 3, "t1": 3])
        #expect(assignment["C0"] == [TopicPartition("t0", 0), TopicPartition("t0", 1), TopicPartition("t1", 0), TopicPartition("t1", 1)])
        #expect(assignment["C1"] == [TopicPartition("t0", 2), TopicPartition("t1", 2)])
    }

    /// The example in the Java client's `RoundRobinAssignor` documentation.
    @Test func roundRobinMatchesTheJavaClientsExample() {
        let assignment = PartitionAssignor.roundRobin.assign(subscriptions: twoTopics, partitionCounts: ["t0": 3, "t1": 3])
        #expect(assignment["C0"] == [TopicPartition("t0", 0), TopicPartition("t0", 2), TopicPartition("t1", 1)])
        #expect(assignment["C1"] == [TopicPartition("t0", 1), TopicPartition("t1", 0), TopicPartition("t1", 2)])
    }

    @Test func membersOnlyGetTopicsTheySubscribeToAndEveryPartitionIsAssignedOnce() {
        let subscriptions: [String: Set<String>] = ["a": ["x"], "b": ["x", "y"], "c": ["y"], "idle": ["missing"]]
        for assignor in PartitionAssignor.allCases {
            let assignment = assignor.assign(subscriptions: subscriptions, partitionCounts: ["x": 5, "y": 4])
            #expect(assignment["idle"] == [], "\(assignor)")
            for (member, partitions) in assignment {
                #expect(partitions.allSatisfy { subscriptions[member]!.contains($0.topic) }, "\(assignor)")
            }
            let all = assignment.values.flatMap { $0 }
            #expect(all.count == 9 && Set(all).count == 9, "\(assignor)")
        }
    }
}

@Suite struct ConsumerGroupTests {
    private let groupOptions = GroupOptions(
        sessionTimeout: .seconds(10), rebalanceTimeout: .seconds(10), heartbeatInterval: .milliseconds(1))
    private let consumerOptions = ConsumerOptions(
        fetchMaxWait: .zero, partitionFetchBytesMax: 1, autoOffsetReset: .earliest)

    private func member(_ client: KafkaClient) throws -> ConsumerGroup {
        try ConsumerGroup(client: client, groupId: "readers", topics: ["g"], options: groupOptions, consumerOptions: consumerOptions)
    }

    /// Polls `polling` (committing after each poll) until `done` holds for the records read;
    /// bounded by a poll count.
    private func pollAndCommit(
        _ polling: ConsumerGroup, until done: ([ConsumerRecord]) async -> Bool
    ) async throws -> [ConsumerRecord] {
        var records: [ConsumerRecord] = []
        for _ in 0..<100_000 where !(await done(records)) {
            records += try await polling.poll()
            try await polling.commit()
        }
        return records
    }

    @Test func twoMembersSplitTheTopicAndTheSurvivorResumesFromCommittedOffsets() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("g", partitionCount: 4) }
            let producer = try Producer(client: client, options: ProducerOptions(lingerTime: .zero))
            // Each member has its own client, as separate processes would: a JoinGroup waiting
            // for the others holds its connection to the coordinator.
            let secondClient = try KafkaClient(bootstrapServers: try await cluster.bootstrapServers, options: client.options)
            let first = try member(client)
            let second = try member(secondClient)
            var firstRecords: [ConsumerRecord] = []
            var secondRecords: [ConsumerRecord] = []

            _ = try await first.poll()
            #expect(await first.assignment.count == 4)
            let secondJoin = Task { try await second.poll() }
            // The second member's join completes once the first rejoins (told by its heartbeat).
            firstRecords += try await pollAndCommit(first) { _ in await first.assignment.count == 2 }
            secondRecords += try await secondJoin.value
            let firstPartitions = Set(await first.assignment)
            let secondPartitions = Set(await second.assignment)
            #expect(firstPartitions.isDisjoint(with: secondPartitions))
            #expect(firstPartitions.union(secondPartitions) == Set((0..<4).map { TopicPartition("g", $0) }))

            for index in 0..<40 { try await producer.send(topic: "g", key: Array("k\(index)".utf8), value: Array("\(index)".utf8)) }
            for _ in 0..<1_000 where firstRecords.count + secondRecords.count < 40 {
                firstRecords += try await first.poll()
                try await first.commit()
                secondRecords += try await second.poll()
                try await second.commit()
            }
            #expect(firstRecords.allSatisfy { firstPartitions.contains($0.topicPartition) })
            #expect(secondRecords.allSatisfy { secondPartitions.contains($0.topicPartition) })
            #expect(Set((firstRecords + secondRecords).map(\.value)).count == 40)
            #expect(firstRecords.count + secondRecords.count == 40)

            for index in 40..<60 { try await producer.send(topic: "g", key: Array("k\(index)".utf8), value: Array("\(index)".utf8)) }
            try await second.leave()
            let afterLeave = try await pollAndCommit(first) { $0.count >= 20 }
            #expect(await first.assignment.count == 4)
            #expect(afterLeave.count == 20)
            #expect(Set(afterLeave.compactMap(\.value)) == Set((40..<60).map { Array("\($0)".utf8) }))
            await secondClient.close()
        }
    }

    @Test func committedOffsetsAreFetchedBack() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("g", partitionCount: 2) }
            let group = try member(client)
            _ = try await group.poll()
            try await group.commit([TopicPartition("g", 0): 7])
            #expect(try await group.committedOffsets(for: [TopicPartition("g", 0), TopicPartition("g", 1)]) == [TopicPartition("g", 0): 7])
        }
    }
}
