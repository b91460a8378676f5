import Testing
@testable import ClusterMetadata

@Suite struct ProducerIDGrantTests {
    @Test func grantsAreDisjointBlocksInLogOrderAndANodeKeepsOnlyItsLatest() {
        var state = cluster(nodes: 2)
        state.mustApply(.allocateProducerIDs(node: BrokerID(1)))
        state.mustApply(.allocateProducerIDs(node: BrokerID(2)))
        state.mustApply(.allocateProducerIDs(node: BrokerID(1)))
        let size = ClusterMetadataState.producerIDBlockSize
        #expect(state.producerIDBlock(grantedTo: BrokerID(2)) == size..<(2 * size))
        #expect(state.producerIDBlock(grantedTo: BrokerID(1)) == (2 * size)..<(3 * size))
        #expect(state.nextProducerID == 3 * size)
    }

    @Test func anUnregisteredNodeGetsNoIDs() {
        var state = cluster(nodes: 1)
        state.mustReject(.allocateProducerIDs(node: BrokerID(9)), .unknownNode)
        #expect(state.producerIDBlock(grantedTo: BrokerID(9)) == nil)
    }

    @Test func grantsSurviveASnapshot() throws {
        var state = cluster(nodes: 3)
        for node: Int32 in [3, 1, 3] { state.mustApply(.allocateProducerIDs(node: BrokerID(node))) }
        let restored = try ClusterMetadataState(snapshot: state.snapshot())
        #expect(restored == state)
        #expect(restored.producerIDBlock(grantedTo: BrokerID(3)) == state.producerIDBlock(grantedTo: BrokerID(3)))
    }
}
