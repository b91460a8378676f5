import Testing
@testable import ClusterMetadata

@Suite struct TopicCommandTests {
    @Test func creatingATopicPlacesEveryPartitionOnDistinctNodesWithFreshGroups() throws {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("orders", id: 5, partitions: 6, replicationFactor: 3)
        let topic = try #require(state.topic(named: "orders"))
        #expect(state.topic(id: topicID(5)) == topic)
        #expect(topic.partitions.map(\.partition) == Array(0..<6))
        #expect(topic.partitions.map(\.groupID) == (1...6).map { RaftGroupID(UInt64($0)) })
        #expect(state.nextGroupID == RaftGroupID(7))
        for partition in topic.partitions { #expect(Set(partition.replicas).count == 3) }
        let leaders = Dictionary(grouping: topic.partitions, by: { $0.replicas[0] }).mapValues(\.count)
        #expect(leaders.values.allSatisfy { $0 == 2 }, "6 partitions on 3 nodes: 2 leaders each, got \(leaders)")
    }

    @Test func topicNamesFollowKafkasRules() {
        var state = cluster(nodes: 1)
        for name in ["", ".", "..", "has space", "ünicode", String(repeating: "x", count: 250)] {
            state.mustReject(.createTopic(name: name, id: topicID(2), partitionCount: 1, replicationFactor: 1, configs: TopicConfigs()), .invalidTopicName)
        }
        state.mustCreateTopic(String(repeating: "x", count: 249), id: 2, partitions: 1, replicationFactor: 1)
        state.mustCreateTopic("A-z_0.9", id: 3, partitions: 1, replicationFactor: 1)
    }

    @Test func namesThatCollideWhenDotsBecomeUnderscoresAreRejected() {
        var state = cluster(nodes: 1)
        state.mustCreateTopic("a.b", id: 2, partitions: 1, replicationFactor: 1)
        state.mustReject(.createTopic(name: "a_b", id: topicID(3), partitionCount: 1, replicationFactor: 1, configs: TopicConfigs()), .invalidTopicName)
    }

    @Test func aTakenNameOrIdOrAReservedIdIsRejected() {
        var state = cluster(nodes: 1)
        state.mustCreateTopic("a", id: 2, partitions: 1, replicationFactor: 1)
        state.mustReject(.createTopic(name: "a", id: topicID(3), partitionCount: 1, replicationFactor: 1, configs: TopicConfigs()), .topicAlreadyExists)
        state.mustReject(.createTopic(name: "b", id: topicID(2), partitionCount: 1, replicationFactor: 1, configs: TopicConfigs()), .topicAlreadyExists)
        for reserved in [TopicID(high: 0, low: 0), TopicID(high: 0, low: 1)] {
            state.mustReject(.createTopic(name: "b", id: reserved, partitionCount: 1, replicationFactor: 1, configs: TopicConfigs()), .invalidRequest)
        }
    }

    @Test func partitionCountsAndReplicationFactorsOutOfRangeAreRejected() {
        var state = cluster(nodes: 3)
        for count in [Int32(0), -1, MetadataLimits.partitionCountMax + 1] {
            state.mustReject(.createTopic(name: "a", id: topicID(2), partitionCount: count, replicationFactor: 1, configs: TopicConfigs()), .invalidPartitions)
        }
        for factor in [Int16(0), -1, 4] {
            state.mustReject(.createTopic(name: "a", id: topicID(2), partitionCount: 1, replicationFactor: factor, configs: TopicConfigs()), .invalidReplicationFactor)
        }
    }

    @Test func invalidConfigsAreRejectedAtCreation() {
        var state = cluster(nodes: 1)
        for configs in [TopicConfigs(retentionMs: -2), TopicConfigs(retentionBytes: -5), TopicConfigs(segmentBytes: 1000)] {
            state.mustReject(.createTopic(name: "a", id: topicID(2), partitionCount: 1, replicationFactor: 1, configs: configs), .invalidConfig)
        }
    }

    @Test func createPartitionsGrowsATopicAndNeverShrinksIt() throws {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("a", id: 2, partitions: 2, replicationFactor: 2)
        state.mustReject(.createPartitions(topic: topicID(2), totalCount: 2), .invalidPartitions)
        state.mustReject(.createPartitions(topic: topicID(2), totalCount: 1), .invalidPartitions)
        state.mustReject(.createPartitions(topic: topicID(9), totalCount: 5), .unknownTopic)
        state.mustApply(.createPartitions(topic: topicID(2), totalCount: 5))
        let topic = try #require(state.topic(named: "a"))
        #expect(topic.partitions.map(\.partition) == Array(0..<5))
        #expect(Set(topic.partitions.map(\.groupID)).count == 5)
    }

    @Test func deletingATopicFreesItsNameButNeverItsGroupIds() throws {
        var state = cluster(nodes: 1)
        state.mustCreateTopic("a", id: 2, partitions: 2, replicationFactor: 1)
        state.mustApply(.deleteTopic(topicID(2)))
        #expect(state.topic(named: "a") == nil && state.topic(id: topicID(2)) == nil)
        state.mustReject(.deleteTopic(topicID(2)), .unknownTopic)
        state.mustCreateTopic("a", id: 3, partitions: 1, replicationFactor: 1)
        #expect(try #require(state.topic(named: "a")).partitions[0].groupID == RaftGroupID(3))
    }

    @Test func onlyTheGroupsOfDeletedTopicsCountAsDeleted() {
        var state = cluster(nodes: 1)
        state.mustCreateTopic("a", id: 2, partitions: 2, replicationFactor: 1)
        state.mustCreateTopic("b", id: 3, partitions: 1, replicationFactor: 1)
        state.mustApply(.deleteTopic(topicID(2)))
        #expect(state.wasDeleted(RaftGroupID(1)) && state.wasDeleted(RaftGroupID(2)))
        #expect(!state.wasDeleted(RaftGroupID(3)), "b's partition is alive")
        #expect(!state.wasDeleted(RaftGroupID(4)), "an id not handed out yet may belong to a topic this node has not heard of")
        #expect(!state.wasDeleted(.controller))
    }

    @Test func alteringConfigsSetsAndResetsOverrides() throws {
        var state = cluster(nodes: 1)
        state.mustApply(.createTopic(name: "a", id: topicID(2), partitionCount: 1, replicationFactor: 1, configs: TopicConfigs(retentionMs: 1000)))
        state.mustApply(.alterTopicConfigs(topic: topicID(2), update: TopicConfigUpdate(set: TopicConfigs(segmentBytes: 1 << 21), reset: [.retentionMs])))
        #expect(try #require(state.topic(named: "a")).configs == TopicConfigs(segmentBytes: 1 << 21))
        state.mustReject(.alterTopicConfigs(topic: topicID(2), update: TopicConfigUpdate(set: TopicConfigs(retentionMs: 5), reset: [.retentionMs])), .invalidConfig)
        state.mustReject(.alterTopicConfigs(topic: topicID(2), update: TopicConfigUpdate(set: TopicConfigs(retentionBytes: -9))), .invalidConfig)
        state.mustReject(.alterTopicConfigs(topic: topicID(3), update: TopicConfigUpdate()), .unknownTopic)
    }

    @Test func configsParseFromKafkaNamesAndTextValues() throws {
        var configs = TopicConfigs()
        try configs.set("retention.ms", to: "-1")
        try configs.set("retention.bytes", to: "1073741824")
        try configs.set("segment.bytes", to: "1048576")
        try configs.set("cleanup.policy", to: "delete")
        #expect(configs == TopicConfigs(retentionMs: -1, retentionBytes: 1 << 30, segmentBytes: 1 << 20))
        #expect(configs.overrides.map(\.name) == ["retention.ms", "retention.bytes", "segment.bytes"])
        #expect(throws: MetadataError.self) { try configs.set("cleanup.policy", to: "compact") }
        #expect(throws: MetadataError.self) { try configs.set("max.message.bytes", to: "1") }
        #expect(throws: MetadataError.self) { try configs.set("segment.bytes", to: "lots") }
        #expect(throws: MetadataError.self) { try configs.set("segment.bytes", to: "1024") }
    }

    @Test func everyRejectionMapsToItsKafkaErrorCode() {
        let expected: [MetadataError.Code: Int16] = [
            .topicAlreadyExists: 36, .invalidTopicName: 17, .invalidPartitions: 37, .invalidReplicationFactor: 38,
            .invalidConfig: 40, .unknownTopic: 3, .unknownNode: 102, .noReassignmentInProgress: 85, .invalidRequest: 42,
        ]
        for code in MetadataError.Code.allCases {
            #expect(MetadataError(code, "x").kafkaErrorCode == expected[code])
        }
    }

    @Test func theVersionCountsOnlyAcceptedCommands() {
        var state = cluster(nodes: 2)
        #expect(state.version == 2)
        state.mustReject(.deleteTopic(topicID(2)), .unknownTopic)
        #expect(state.version == 2)
        state.mustCreateTopic("a", id: 2, partitions: 1, replicationFactor: 1)
        #expect(state.version == 3)
    }

    @Test func topicIdsPrintAsUUIDsAndRoundTripThroughBytes() {
        let id = TopicID(high: 0x0123_4567_89AB_CDEF, low: 0xFEDC_BA98_7654_3210)
        #expect(id.description == "01234567-89ab-cdef-fedc-ba9876543210")
        #expect(TopicID(bytes: id.bytes) == id)
        #expect(TopicID(bytes: [1, 2, 3]) == nil)
    }
}
