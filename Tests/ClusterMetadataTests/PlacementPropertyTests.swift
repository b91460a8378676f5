import Testing
@testable import ClusterMetadata

@Suite struct PlacementPropertyTests {
    @Test func newTopicsSpreadReplicasAndLeadersWithinOneOfEachOtherOnEveryNode() {
        for seed in UInt64(1)...300 {
            var random = SeededGenerator(seed: seed)
            let nodeCount = Int32.random(in: 1...12, using: &random)
            var state = cluster(nodes: nodeCount)
            for t in 0..<UInt64.random(in: 1...6, using: &random) {
                let factor = Int16.random(in: 1...Int16(min(nodeCount, 5)), using: &random)
                let partitions = Int32.random(in: 1...60, using: &random)
                state.mustCreateTopic("t\(t)", id: random.next() | 2, partitions: partitions, replicationFactor: factor)
            }
            for topic in state.topics {
                let spread = TopicSpread(topic, over: state.placementCandidates)
                #expect(spread.replicaImbalance <= 1, "seed \(seed): \(topic.name) replicas \(spread.replicas)")
                #expect(spread.leaderImbalance <= 1, "seed \(seed): \(topic.name) leaders \(spread.leaders)")
                for partition in topic.partitions {
                    #expect(Set(partition.replicas).count == Int(topic.replicationFactor), "seed \(seed)")
                }
            }
        }
    }
}
