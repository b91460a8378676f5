import Testing
@_spi(Testing) import Raft

@Suite struct LeadershipTransferTests {
    @Test func leadershipMovesToALaggingTargetOnceItCatchesUp() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.cut(1, 3)
        cluster.propose(1, count: 4)
        cluster.heal()
        try cluster[1].raft.transferLeadership(to: NodeID(3))
        #expect(throws: ProposalError.leadershipTransferInProgress) { try cluster[1].raft.propose([1]) }
        cluster.stabilize()
        #expect(cluster[3].raft.currentRole == .leader)
        #expect(cluster[3].raft.currentTerm == Term(2))
        #expect(cluster[1].raft.currentRole == .follower)
        cluster.propose(3, count: 1)
        for id in 1...3 { #expect(cluster[id].raft.commitIndex == LogIndex(7)) }
    }

    @Test func aTransferToAnUnreachableTargetIsAbandonedAfterAnElectionTimeout() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.isolate(3)
        try cluster[1].raft.transferLeadership(to: NodeID(3))
        for _ in 0..<cluster[1].config.electionTimeoutTicks {
            cluster[1].raft.tick()
            cluster[2].raft.tick()
            cluster.stabilize()
        }
        #expect(cluster[1].raft.currentRole == .leader)
        #expect(throws: Never.self) { try cluster[1].raft.propose([1]) }
    }

    @Test func leadershipGoesOnlyToAnotherVoter() {
        var cluster = TestCluster(voters: 2, learners: [3])
        cluster.elect(1)
        #expect(throws: ProposalError.invalidTransferTarget(NodeID(3))) { try cluster[1].raft.transferLeadership(to: NodeID(3)) }
        #expect(throws: ProposalError.invalidTransferTarget(NodeID(1))) { try cluster[1].raft.transferLeadership(to: NodeID(1)) }
        #expect(throws: ProposalError.notLeader(leader: NodeID(1))) { try cluster[2].raft.transferLeadership(to: NodeID(1)) }
    }
}
