import Testing
@testable import ClusterMetadata

@Suite struct NodeCommandTests {
    @Test func registeringANodeMakesItActiveAndAliveWithItsAddresses() {
        var state = ClusterMetadataState()
        state.mustApply(.registerNode(id: BrokerID(7), addresses: addresses(7), rack: "r1"))
        let node = state.node(BrokerID(7))
        #expect(node == RegisteredNode(id: BrokerID(7), addresses: addresses(7), rack: "r1", state: .active, isAlive: true))
        #expect(state.version == 1)
    }

    @Test func reRegisteringUpdatesTheAddressesAndKeepsTheState() {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("a", id: 2, partitions: 3, replicationFactor: 2)
        state.mustApply(.markNodeDown(BrokerID(1)))
        let moved = NodeAddresses(peer: "10.0.0.1:1", client: "10.0.0.1:2", admin: "10.0.0.1:3")
        state.mustApply(.registerNode(id: BrokerID(1), addresses: moved, rack: nil))
        #expect(state.node(BrokerID(1))?.addresses == moved)
        #expect(state.node(BrokerID(1))?.isAlive == true)
        #expect(state.nodes.count == 3)
    }

    @Test func registrationRejectsNegativeIdsAndEmptyOrOversizedLabels() {
        var state = ClusterMetadataState()
        state.mustReject(.registerNode(id: BrokerID(-1), addresses: addresses(1), rack: nil), .invalidRequest)
        let empty = NodeAddresses(peer: "", client: "h:1", admin: "h:2")
        state.mustReject(.registerNode(id: BrokerID(1), addresses: empty, rack: nil), .invalidRequest)
        state.mustReject(.registerNode(id: BrokerID(1), addresses: addresses(1), rack: String(repeating: "r", count: 256)), .invalidRequest)
        #expect(state.version == 0)
    }

    @Test func aRemovedNodeCannotRegisterAgainNorChangeState() {
        var state = cluster(nodes: 3)
        state.mustApply(.decommissionNode(BrokerID(3)))
        #expect(state.node(BrokerID(3))?.state == .removed)
        state.mustReject(.registerNode(id: BrokerID(3), addresses: addresses(3), rack: nil), .invalidRequest)
        state.mustReject(.markNodeAlive(BrokerID(3)), .invalidRequest)
        state.mustReject(.decommissionNode(BrokerID(3)), .invalidRequest)
    }

    @Test func livenessOfAnUnknownNodeIsRejected() {
        var state = cluster(nodes: 1)
        state.mustReject(.markNodeAlive(BrokerID(9)), .unknownNode)
        state.mustReject(.markNodeDown(BrokerID(9)), .unknownNode)
        state.mustReject(.decommissionNode(BrokerID(9)), .unknownNode)
    }

    @Test func aNodeMarkedDownReceivesNoNewReplicasUntilMarkedAlive() {
        var state = cluster(nodes: 3)
        state.mustApply(.markNodeDown(BrokerID(2)))
        #expect(state.placementCandidates == [BrokerID(1), BrokerID(3)])
        state.mustCreateTopic("a", id: 2, partitions: 4, replicationFactor: 2)
        #expect(state.topic(named: "a")!.partitions.allSatisfy { !$0.replicas.contains(BrokerID(2)) })
        state.mustReject(
            .createTopic(name: "b", id: topicID(3), partitionCount: 1, replicationFactor: 3, configs: TopicConfigs()),
            .invalidReplicationFactor)
        state.mustApply(.markNodeAlive(BrokerID(2)))
        state.mustCreateTopic("b", id: 3, partitions: 1, replicationFactor: 3)
    }

    @Test func markingANodeDownMovesNothing() {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("a", id: 2, partitions: 6, replicationFactor: 3)
        let before = state.topic(named: "a")
        state.mustApply(.markNodeDown(BrokerID(1)))
        #expect(state.topic(named: "a") == before)
    }

    @Test func livenessChangesProposeOnlyWhatDiffersFromTheRecord() {
        var state = cluster(nodes: 4)
        state.mustApply(.markNodeDown(BrokerID(2)))
        state.mustApply(.decommissionNode(BrokerID(4)))
        let changes = state.livenessChanges(observedUp: [BrokerID(1), BrokerID(2), BrokerID(9)])
        #expect(changes == [.markNodeAlive(BrokerID(2)), .markNodeDown(BrokerID(3))])
        for change in changes { state.mustApply(change) }
        #expect(state.livenessChanges(observedUp: [BrokerID(1), BrokerID(2)]).isEmpty)
    }
}
