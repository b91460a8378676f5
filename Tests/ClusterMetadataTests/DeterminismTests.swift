import Testing
@testable import ClusterMetadata

/// Random command sequences, mostly plausible, some invalid, over a small cluster.
struct CommandSequence {
    var random: SeededGenerator
    var topicIDs: [TopicID] = []

    init(seed: UInt64) { random = SeededGenerator(seed: seed) }

    mutating func next(_ state: ClusterMetadataState) -> MetadataCommand {
        let node = BrokerID(Int32.random(in: 1...7, using: &random))
        let topic = topicIDs.randomElement(using: &random) ?? topicID(2)
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<12: return .registerNode(id: node, addresses: addresses(node.rawValue), rack: Bool.random(using: &random) ? "r\(node.rawValue % 2)" : nil)
        case 12..<20: return .markNodeDown(node)
        case 20..<30: return .markNodeAlive(node)
        case 30..<48:
            let id = TopicID(high: random.next(), low: random.next())
            topicIDs.append(id)
            return .createTopic(
                name: "t\(Int.random(in: 0..<12, using: &random))", id: id, partitionCount: Int32.random(in: 0...12, using: &random),
                replicationFactor: Int16.random(in: 1...4, using: &random), configs: TopicConfigs(retentionMs: Int64.random(in: -2...100, using: &random)))
        case 48..<58: return .createPartitions(topic: topic, totalCount: Int32.random(in: 1...20, using: &random))
        case 58..<64: return .deleteTopic(topic)
        case 64..<70: return .alterTopicConfigs(topic: topic, update: TopicConfigUpdate(set: TopicConfigs(retentionBytes: Int64.random(in: -1...9, using: &random)), reset: [.retentionMs]))
        case 70..<76: return .decommissionNode(node)
        case 76..<96:
            let moving = state.topics.flatMap { t in t.partitions.compactMap { p in p.targetReplicas.map { (t.id, p.partition, $0) } } }
            guard let (id, partition, target) = moving.randomElement(using: &random) else { return .rebalancePreferredLeaders }
            return .completeReassignment(topic: id, partition: partition, replicas: target)
        default: return .rebalancePreferredLeaders
        }
    }
}

@Suite struct DeterminismTests {
    @Test func twoReplicasApplyingTheSameCommandsEndWithIdenticalSnapshots() throws {
        for seed in UInt64(1)...40 {
            var commands = CommandSequence(seed: seed)
            var leader = ClusterMetadataState()
            var follower = ClusterMetadataState()
            for step in 0..<300 {
                // The follower sees only the bytes, as it would read them from the log.
                let command = commands.next(leader)
                let leaderResult = leader.apply(command)
                let followerResult = follower.apply(try MetadataCommand(decoding: try command.encoded()))
                #expect(leaderResult.failureCode == followerResult.failureCode, "seed \(seed) step \(step)")
            }
            #expect(leader.snapshot() == follower.snapshot(), "seed \(seed)")
            #expect(leader == follower, "seed \(seed)")
        }
    }

    @Test func aSnapshotRestoresAnEqualStateThatContinuesIdentically() throws {
        for seed in UInt64(100)...130 {
            var commands = CommandSequence(seed: seed)
            var original = ClusterMetadataState()
            for _ in 0..<150 { original.apply(commands.next(original)) }
            var restored = try ClusterMetadataState(snapshot: original.snapshot())
            #expect(restored == original, "seed \(seed)")
            for _ in 0..<150 {
                let command = commands.next(original)
                original.apply(command)
                restored.apply(command)
            }
            #expect(restored.snapshot() == original.snapshot(), "seed \(seed)")
        }
    }

    @Test func randomHistoriesKeepTheStateInvariants() {
        for seed in UInt64(200)...230 {
            var commands = CommandSequence(seed: seed)
            var state = ClusterMetadataState()
            for _ in 0..<300 { state.apply(commands.next(state)) }
            var groups = Set<RaftGroupID>()
            for topic in state.topics {
                for partition in topic.partitions {
                    #expect(groups.insert(partition.groupID).inserted && partition.groupID < state.nextGroupID, "seed \(seed)")
                    for list in [partition.replicas, partition.targetReplicas ?? partition.replicas] {
                        #expect(list.count == Int(topic.replicationFactor) && Set(list).count == list.count, "seed \(seed)")
                    }
                    #expect(partition.intendedReplicas.allSatisfy { state.node($0)?.state == .active }, "seed \(seed)")
                }
            }
            for node in state.nodes where node.state == .removed {
                #expect(state.groupsFor(node: node.id).isEmpty, "seed \(seed)")
            }
        }
    }
}

extension Result where Failure == MetadataError {
    var failureCode: MetadataError.Code? {
        if case let .failure(error) = self { return error.code }
        return nil
    }
}
