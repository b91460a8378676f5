import Testing
@_spi(Testing) import Raft

@Suite struct MembershipTests {
    @Test func aLearnerReplicatesButNeitherVotesNorCounts() throws {
        var cluster = TestCluster(voters: 1, learners: [2])
        cluster.elect(1)
        cluster.crash(2)
        cluster.propose(1, count: 3)
        #expect(cluster[1].raft.commitIndex == LogIndex(4), "the single voter commits alone")
        cluster[2].restart()
        cluster.tickAll(2)
        #expect(cluster[2].log.lastIndex == LogIndex(4))
        cluster.crash(1)
        cluster.tickAll(50)
        #expect(cluster[2].raft.currentRole == .follower, "a learner never campaigns")
        #expect(cluster[2].raft.metrics.electionsStarted == 0)
    }

    @Test func aLearnerIsPromotedOnlyOnceItHasCaughtUp() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.propose(1, count: 3)
        try cluster[1].raft.proposeMembershipChange(.addLearner(NodeID(4)))
        cluster.stabilize()
        #expect(cluster[1].raft.currentMembership.learners == [NodeID(4)])
        // n4 has no replica yet: its log is empty, so it is behind.
        #expect(throws: ProposalError.learnerBehind(NodeID(4))) {
            try cluster[1].raft.proposeMembershipChange(.promoteLearner(NodeID(4)))
        }
        cluster.replicas[NodeID(4)] = TestReplica(
            id: NodeID(4), config: RaftConfig(id: NodeID(4), electionTimeoutTicks: 10, heartbeatIntervalTicks: 1),
            membership: Membership(voters: [NodeID(1), NodeID(2), NodeID(3)], learners: [NodeID(4)]))
        cluster.tickAll(3)
        #expect(cluster[4].log.lastIndex == cluster[1].log.lastIndex)
        try cluster[1].raft.proposeMembershipChange(.promoteLearner(NodeID(4)))
        cluster.stabilize()
        for id in 1...4 { #expect(cluster[id].raft.currentMembership.voters.count == 4) }
    }

    @Test func oneChangeAtATime() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.isolate(2)
        cluster.isolate(3)
        try cluster[1].raft.proposeMembershipChange(.addLearner(NodeID(4)))
        #expect(throws: ProposalError.membershipChangePending) {
            try cluster[1].raft.proposeMembershipChange(.addLearner(NodeID(5)))
        }
    }

    @Test func removingTheCrashedLeaderLetsTheRestCommitWithASmallerMajority() throws {
        var cluster = TestCluster(voters: 4)
        cluster.elect(1)
        cluster.crash(1)
        cluster.crash(4)
        // Two of four voters cannot elect anyone.
        cluster.tickAll(40)
        #expect(cluster.leader == nil)
        cluster[4].restart()
        cluster.tick { $0.leader != nil }
        let leader = try #require(cluster.leader)
        try leader.raft.proposeMembershipChange(.remove(NodeID(1)))
        cluster.stabilize()
        #expect(leader.raft.currentMembership.voters == [NodeID(2), NodeID(3), NodeID(4)])
        // With n1 gone, two of the three remaining voters are a majority.
        let other = [2, 3, 4].first { NodeID(UInt64($0)) != leader.id }!
        cluster.crash(other)
        cluster.propose(Int(leader.id.rawValue), count: 2)
        #expect(leader.raft.commitIndex == leader.raft.lastIndex)
    }

    @Test func aRemovedLeaderStepsDownOnceItsRemovalCommits() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        try cluster[1].raft.proposeMembershipChange(.remove(NodeID(1)))
        cluster.stabilize()
        #expect(cluster[1].raft.currentRole == .follower)
        cluster.tick { $0.leader != nil }
        #expect(cluster.leader.map { $0.id != NodeID(1) } == true)
    }

    @Test func membershipPayloadsRoundTripAndGarbageIsRejected() throws {
        let membership = Membership(voters: [NodeID(3), NodeID(1)], learners: [NodeID(9)], index: LogIndex(42))
        #expect(try Membership(decoding: membership.encoded()) == membership)
        #expect(throws: MessageDecodingError.self) { try Membership(decoding: [1, 2, 3]) }
        #expect(throws: MessageDecodingError.self) { try Membership(decoding: membership.encoded() + [0]) }
        let learnersOnly = Membership(voters: [], learners: [NodeID(2)])
        #expect(throws: MessageDecodingError.self, "a membership without voters is never valid") {
            try Membership(decoding: learnersOnly.encoded())
        }
    }
}
