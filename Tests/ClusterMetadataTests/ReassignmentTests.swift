import Testing
@testable import ClusterMetadata

@Suite struct ReassignmentTests {
    @Test func decommissioningGivesEveryPartitionOfTheNodeATargetWithoutIt() throws {
        var state = cluster(nodes: 4)
        state.mustCreateTopic("a", id: 2, partitions: 8, replicationFactor: 3)
        state.mustApply(.decommissionNode(BrokerID(4)))
        #expect(state.node(BrokerID(4))?.state == .decommissioning)
        #expect(!state.placementCandidates.contains(BrokerID(4)))
        let topic = try #require(state.topic(named: "a"))
        for partition in topic.partitions {
            #expect(!partition.intendedReplicas.contains(BrokerID(4)))
            if partition.replicas.contains(BrokerID(4)) {
                #expect(partition.removingReplicas == [BrokerID(4)])
                #expect(partition.addingReplicas.count == 1)
            } else {
                #expect(partition.targetReplicas == nil)
            }
        }
    }

    @Test func theNodeIsRemovedOnceItsLastMoveCompletes() throws {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("a", id: 2, partitions: 2, replicationFactor: 1)
        state.mustApply(.decommissionNode(BrokerID(1)))
        let moving = try #require(state.topic(named: "a")).partitions.filter { $0.targetReplicas != nil }
        #expect(!moving.isEmpty)
        for partition in moving {
            #expect(state.node(BrokerID(1))?.state == .decommissioning)
            state.mustApply(.completeReassignment(topic: topicID(2), partition: partition.partition, replicas: partition.targetReplicas!))
        }
        #expect(state.node(BrokerID(1))?.state == .removed)
        #expect(state.groupsFor(node: BrokerID(1)).isEmpty)
    }

    @Test func aCompletionThatDoesNotMatchTheTargetIsRejected() throws {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("a", id: 2, partitions: 1, replicationFactor: 2)
        state.mustReject(.completeReassignment(topic: topicID(2), partition: 0, replicas: [BrokerID(1), BrokerID(2)]), .noReassignmentInProgress)
        let leaving = try #require(state.topic(named: "a")).partitions[0].replicas[1]
        state.mustApply(.decommissionNode(leaving))
        let target = try #require(state.topic(named: "a")?.partitions[0].targetReplicas)
        state.mustReject(.completeReassignment(topic: topicID(2), partition: 0, replicas: target.reversed()), .noReassignmentInProgress)
        state.mustReject(.completeReassignment(topic: topicID(2), partition: 1, replicas: target), .unknownTopic)
        state.mustReject(.completeReassignment(topic: topicID(9), partition: 0, replicas: target), .unknownTopic)
        state.mustApply(.completeReassignment(topic: topicID(2), partition: 0, replicas: target))
        #expect(state.topic(named: "a")?.partitions[0].replicas == target)
    }

    @Test func decommissioningIsRefusedWhenTooFewNodesWouldRemain() {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("a", id: 2, partitions: 1, replicationFactor: 3)
        state.mustReject(.decommissionNode(BrokerID(2)), .invalidReplicationFactor)
        state.mustApply(.registerNode(id: BrokerID(4), addresses: addresses(4), rack: nil))
        state.mustApply(.decommissionNode(BrokerID(2)))
    }

    @Test func decommissioningTwiceIsHarmlessAndTwoNodesCanLeaveTogether() {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("a", id: 2, partitions: 3, replicationFactor: 1)
        state.mustApply(.decommissionNode(BrokerID(1)))
        let once = state.topics
        state.mustApply(.decommissionNode(BrokerID(1)))
        #expect(state.topics == once)
        state.mustApply(.decommissionNode(BrokerID(3)))
        #expect(state.topics.flatMap(\.partitions).allSatisfy { $0.intendedReplicas == [BrokerID(2)] })
    }

    @Test func deletingATopicFinishesTheDecommissionOfANodeThatOnlyHeldIt() {
        var state = cluster(nodes: 2)
        state.mustCreateTopic("a", id: 2, partitions: 2, replicationFactor: 1)
        state.mustApply(.decommissionNode(BrokerID(1)))
        #expect(state.node(BrokerID(1))?.state == .decommissioning)
        state.mustApply(.deleteTopic(topicID(2)))
        #expect(state.node(BrokerID(1))?.state == .removed)
    }

    @Test func rebalancingPreferredLeadersOnlyReordersReplicas() throws {
        var state = cluster(nodes: 3)
        state.mustApply(.markNodeDown(BrokerID(3)))
        state.mustCreateTopic("a", id: 2, partitions: 6, replicationFactor: 2)
        state.mustApply(.markNodeAlive(BrokerID(3)))
        state.mustApply(.createPartitions(topic: topicID(2), totalCount: 9))
        let before = try #require(state.topic(named: "a"))
        state.mustApply(.rebalancePreferredLeaders)
        let after = try #require(state.topic(named: "a"))
        for (old, new) in zip(before.partitions, after.partitions) {
            #expect(Set(old.replicas) == Set(new.replicas) && new.targetReplicas == nil)
        }
        let spread = TopicSpread(after, over: state.placementCandidates)
        #expect(spread.leaderImbalance <= 1, "\(spread.leaders)")
    }

    @Test func groupsForANodeIncludeTheGroupsItIsBeingAddedTo() throws {
        var state = cluster(nodes: 3)
        state.mustCreateTopic("a", id: 2, partitions: 3, replicationFactor: 1)
        let onOne = state.groupsFor(node: BrokerID(1))
        state.mustApply(.decommissionNode(BrokerID(1)))
        let moving = try #require(onOne.first)
        let target = try #require(state.topic(named: "a")?.partitions[Int(moving.partition)].targetReplicas)
        let receiver = target[0]
        #expect(state.groupsFor(node: receiver).contains { $0.groupID == moving.groupID && $0.targetReplicas == target })
        #expect(state.groupsFor(node: BrokerID(1)).map(\.groupID) == onOne.map(\.groupID))
    }

    @Test func reconciliationListsWhatANodeMustCreateAndRemove() {
        var state = cluster(nodes: 1)
        state.mustCreateTopic("a", id: 2, partitions: 2, replicationFactor: 1)
        state.mustCreateTopic("b", id: 3, partitions: 1, replicationFactor: 1)
        let all = Set(state.groupsFor(node: BrokerID(1)).map(\.groupID))
        #expect(all == [RaftGroupID(1), RaftGroupID(2), RaftGroupID(3)])
        let fresh = state.reconciliation(for: BrokerID(1), hosting: [])
        #expect(fresh.toCreate.map(\.groupID) == [RaftGroupID(1), RaftGroupID(2), RaftGroupID(3)])
        #expect(fresh.toCreate.map(\.topicName) == ["a", "a", "b"])
        state.mustApply(.deleteTopic(topicID(2)))
        let after = state.reconciliation(for: BrokerID(1), hosting: all.union([RaftGroupID(99)]))
        #expect(after.toCreate.isEmpty)
        #expect(after.toRemove == [RaftGroupID(1), RaftGroupID(2), RaftGroupID(99)])
        #expect(state.reconciliation(for: BrokerID(1), hosting: [RaftGroupID(3)]).isEmpty)
    }
}
