// Cost of the controller's state machine on a large cluster: how long one apply of each
// heavy command takes (placement of many partitions, decommission, leader rebalancing) and
// the size and coding time of the snapshot. Prints figures; asserts nothing.
// Run: swift run -c release ClusterMetadataBench [nodes] [partitions-of-the-big-topic]
import ClusterMetadata

let arguments = CommandLine.arguments.dropFirst().compactMap { Int32($0) }
let nodeCount = arguments.first ?? 50
let bigTopicPartitions = arguments.dropFirst().first ?? 10_000
let clock = ContinuousClock()

func measure(_ what: String, _ body: () throws -> Void) rethrows {
    let start = clock.now
    try body()
    print("\(what): \(clock.now - start)")
}

func mustApply(_ state: inout ClusterMetadataState, _ command: MetadataCommand) {
    if case let .failure(error) = state.apply(command) { fatalError("\(command): \(error)") }
}

var state = ClusterMetadataState()
for id in 1...nodeCount {
    let host = "10.0.\(id / 256).\(id % 256)"
    let addresses = NodeAddresses(peer: "\(host):19000", client: "\(host):9092", admin: "\(host):9644")
    mustApply(&state, .registerNode(id: BrokerID(id), addresses: addresses, rack: nil))
}
print("nodes: \(nodeCount)")
measure("create 100 topics of 100 partitions, rf 3") {
    for t in 0..<100 {
        let id = TopicID(high: 1, low: UInt64(t) &* 0x9E37_79B9_7F4A_7C15 | 2)
        mustApply(&state, .createTopic(name: "topic-\(t)", id: id, partitionCount: 100, replicationFactor: 3, configs: TopicConfigs()))
    }
}
measure("create 1 topic of \(bigTopicPartitions) partitions, rf 3") {
    mustApply(&state, .createTopic(name: "big", id: TopicID(high: 2, low: 2), partitionCount: bigTopicPartitions, replicationFactor: 3, configs: TopicConfigs()))
}
measure("decommission a node") { mustApply(&state, .decommissionNode(BrokerID(nodeCount / 2))) }
measure("rebalance preferred leaders") { mustApply(&state, .rebalancePreferredLeaders) }
var snapshot: [UInt8] = []
measure("encode snapshot") { snapshot = state.snapshot() }
print("snapshot bytes: \(snapshot.count)")
try measure("decode snapshot") { _ = try ClusterMetadataState(snapshot: snapshot) }
