import Testing
import SeededRandom
@_spi(Testing) import Raft

@Suite struct ElectionTests {
    @Test func aCandidateWinsWithAMajorityAndCommitsANoopOfItsTerm() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        #expect(cluster[1].raft.currentRole == .leader)
        #expect(cluster[1].raft.currentTerm == Term(1))
        for id in 1...3 {
            #expect(cluster[id].raft.commitIndex == LogIndex(1))
            #expect(cluster[id].applied.map(\.kind) == [.noop])
            #expect(cluster[id].raft.currentLeader == NodeID(1))
        }
    }

    @Test func aReplicaWhoseTimeoutWasRestartedShortCampaignsFirstAndWins() {
        var cluster = TestCluster(voters: 3)
        let timeout = cluster[3].raft.config.electionTimeoutTicks
        cluster[3].raft.restartElectionTimeout(inTicks: 2)
        // Every replica ticks alike; only n3's timeout ends within 2 ticks (the others' are drawn
        // from timeout..<2*timeout).
        cluster.tickAll(1)
        #expect(cluster[3].raft.currentRole == .follower)
        cluster.tickAll(1)
        #expect(cluster[3].raft.currentRole == .leader)
        #expect((1...3).allSatisfy { cluster[$0].raft.currentLeader == NodeID(3) })
        #expect(timeout > 2)
        // A leader ignores it.
        cluster[3].raft.restartElectionTimeout(inTicks: 1)
        cluster.tickAll(timeout)
        #expect(cluster[3].raft.currentRole == .leader && cluster[3].raft.currentTerm == Term(1))
    }

    @Test func aDelayedTimeoutCampaignsOnlyAfterTheDelay() {
        var cluster = TestCluster(voters: 3)
        let timeout = cluster[1].raft.config.electionTimeoutTicks
        for id in 1...3 { cluster[id].raft.delayElectionTimeout(byTicks: 2 * timeout) }
        // Randomised timeouts end before 2 * timeout; delayed by 2 * timeout, none ends before 3 * timeout.
        cluster.tickAll(3 * timeout - 1)
        #expect((1...3).allSatisfy { cluster[$0].raft.currentTerm == Term(0) })
        cluster.tick(until: { c in (1...3).contains { c[$0].raft.currentRole == .leader } }, ticksMax: 2 * timeout)
        #expect((1...3).contains { cluster[$0].raft.currentRole == .leader })
    }

    @Test func aVoteGrantIsReleasedOnlyAfterTheVoteIsDurable() {
        let cluster = TestCluster(voters: 3) { $0.preVote = false }
        for _ in 0..<100 where cluster[1].raft.currentRole == .follower { cluster[1].raft.tick() }
        let requests = cluster[1].raft.ready()
        cluster[1].raft.advance()
        let request = try! #require(requests.messages.first { $0.to == NodeID(2) })
        cluster[2].raft.step(request)
        let answer = cluster[2].raft.ready()
        #expect(answer.hardState?.vote == NodeID(1))
        #expect(answer.messages.isEmpty)
        #expect(answer.messagesAfterPersist.count == 1)
        if case .voteResponse(let response) = answer.messagesAfterPersist.first?.body { #expect(response.granted) }
    }

    @Test func aVoterRefusesACandidateWhoseLogIsBehind() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.isolate(3)
        cluster.propose(1, count: 2)
        cluster.heal()
        // n3 missed two entries: even with n1 gone it cannot win, n2 refuses it.
        cluster.crash(1)
        cluster.elect(3)
        #expect(cluster[3].raft.currentRole != .leader)
        cluster.elect(2)
        #expect(cluster[2].raft.currentRole == .leader)
    }

    @Test func preVoteKeepsARejoiningPartitionedReplicaFromDisruptingTheLeader() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.isolate(3)
        for _ in 0..<50 { cluster[3].raft.tick(); cluster.stabilize() }
        // Alone, n3 pre-campaigns again and again but never raises its term.
        #expect(cluster[3].raft.currentTerm == Term(1))
        cluster.heal()
        for _ in 0..<30 { cluster[3].raft.tick(); cluster.stabilize() }
        #expect(cluster[1].raft.currentRole == .leader)
        #expect(cluster[1].raft.currentTerm == Term(1))
        #expect(cluster[3].raft.currentTerm == Term(1))
    }

    @Test func withoutPreVoteARejoiningReplicaDoesDisruptTheLeader() {
        var cluster = TestCluster(voters: 3) { $0.preVote = false; $0.checkQuorum = false }
        cluster.elect(1)
        cluster.isolate(3)
        for _ in 0..<50 { cluster[3].raft.tick(); cluster.stabilize() }
        #expect(cluster[3].raft.currentTerm > Term(1))
        cluster.heal()
        cluster.tickAll(1)
        #expect(cluster[1].raft.currentTerm > Term(1), "the higher term deposes the leader: what pre-vote prevents")
    }

    @Test func checkQuorumStepsDownALeaderCutOffFromItsMajorityWithinAnElectionTimeout() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.isolate(1)
        var ticks = 0
        while cluster[1].raft.currentRole == .leader && ticks < 100 {
            cluster[1].raft.tick()
            cluster.stabilize()
            ticks += 1
        }
        #expect(cluster[1].raft.currentRole == .follower)
        #expect(ticks <= 2 * cluster[1].config.electionTimeoutTicks)
    }

    @Test func aPartitionedLeadersUncommittedEntriesAreReplacedAfterHealing() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.isolate(1)
        cluster.propose(1, count: 3)
        #expect(cluster[1].raft.commitIndex == LogIndex(1), "no majority, no commit")
        cluster.tick { $0[2].raft.currentRole == .leader || $0[3].raft.currentRole == .leader }
        let newLeader = cluster[2].raft.currentRole == .leader ? 2 : 3
        #expect(cluster[newLeader].raft.currentRole == .leader)
        cluster.propose(newLeader, count: 2)
        cluster.heal()
        cluster.tickAll(3)
        #expect(cluster[1].raft.currentRole == .follower)
        #expect(cluster[1].raft.currentLeader == NodeID(UInt64(newLeader)))
        let reference = cluster[newLeader].log.storedEntries
        for id in 1...3 { #expect(cluster[id].log.storedEntries == reference) }
        #expect(cluster[1].applied == cluster[newLeader].applied)
    }

    @Test func theTimeoutIsRandomizedWithinOneToTwoElectionTimeouts() {
        var seen: Set<Int> = []
        for seed in 0..<40 {
            let log = MemoryRaftLog()
            var core = try! RaftCore(
                config: RaftConfig(id: NodeID(1), electionTimeoutTicks: 10), log: log, hardState: HardState(),
                membership: Membership(voters: [NodeID(1), NodeID(2)]), random: SplitMix64(seed: UInt64(seed)))
            var ticks = 0
            while core.currentRole == .follower { core.tick(); ticks += 1 }
            #expect((10..<20).contains(ticks))
            seen.insert(ticks)
        }
        #expect(seen.count > 3)
    }
}
