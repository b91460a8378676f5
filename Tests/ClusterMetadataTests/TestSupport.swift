import Testing
@testable import ClusterMetadata
import SeededRandom

/// The project's seeded generator, under the name these tests use.
typealias SeededGenerator = SplitMix64

func addresses(_ id: Int32) -> NodeAddresses {
    NodeAddresses(peer: "127.0.0.\(id):19000", client: "127.0.0.\(id):19092", admin: "127.0.0.\(id):19644")
}

func topicID(_ n: UInt64) -> TopicID { TopicID(high: 0xABCD, low: n) }

/// A state with nodes `1...count` registered and alive.
func cluster(nodes count: Int32) -> ClusterMetadataState {
    var state = ClusterMetadataState()
    for id in 1...count { state.mustApply(.registerNode(id: BrokerID(id), addresses: addresses(id), rack: nil)) }
    return state
}

extension ClusterMetadataState {
    /// Applies a command that the test expects to succeed.
    mutating func mustApply(_ command: MetadataCommand, sourceLocation: SourceLocation = #_sourceLocation) {
        if case let .failure(error) = apply(command) {
            Issue.record("\(command) was rejected: \(error)", sourceLocation: sourceLocation)
        }
    }

    /// Applies a command that the test expects to be rejected with `code`, and checks that
    /// the rejection changed nothing.
    mutating func mustReject(_ command: MetadataCommand, _ code: MetadataError.Code, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = self
        switch apply(command) {
        case .success: Issue.record("\(command) was accepted", sourceLocation: sourceLocation)
        case let .failure(error): #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        }
        #expect(self == before, "a rejected command changed the state", sourceLocation: sourceLocation)
    }

    /// Creates a topic with default configs, expecting success.
    mutating func mustCreateTopic(_ name: String, id: UInt64, partitions: Int32, replicationFactor: Int16, sourceLocation: SourceLocation = #_sourceLocation) {
        mustApply(
            .createTopic(name: name, id: topicID(id), partitionCount: partitions, replicationFactor: replicationFactor, configs: TopicConfigs()),
            sourceLocation: sourceLocation)
    }
}

/// Per-node counts of a topic's replicas and preferred leaders, over `nodes` (zero included).
struct TopicSpread {
    var replicas: [BrokerID: Int] = [:]
    var leaders: [BrokerID: Int] = [:]

    init(_ topic: Topic, over nodes: [BrokerID]) {
        for node in nodes {
            replicas[node] = 0
            leaders[node] = 0
        }
        for partition in topic.partitions {
            let list = partition.intendedReplicas
            for node in list { replicas[node, default: 0] += 1 }
            leaders[list[0], default: 0] += 1
        }
    }

    var replicaImbalance: Int { replicas.values.max()! - replicas.values.min()! }
    var leaderImbalance: Int { leaders.values.max()! - leaders.values.min()! }
}
