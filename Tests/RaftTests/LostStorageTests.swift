import Testing
@_spi(Testing) import Raft

/// A replica whose storage lost entries it acknowledged (damage cut from its log) rejoins
/// without campaigning and voting only as its intact log would have, refills from the leader,
/// and is a full voter again once its commit index is back at the end it had durably: a node
/// that forgot what it acknowledged must never help elect a leader lacking it.
@Suite struct LostStorageTests {
    /// n3 lost entries 2 and 3 (term 1): a candidate whose log ends at 1@1 would have been
    /// refused by its intact log, so it is refused now, though n3's present log ends there too;
    /// one ending at 3@1, or in a later term, would have been granted, so it is.
    @Test(arguments: [(lastIndex: 1, lastTerm: 1, granted: false), (lastIndex: 2, lastTerm: 1, granted: false),
                      (lastIndex: 3, lastTerm: 1, granted: true), (lastIndex: 1, lastTerm: 2, granted: true)])
    func aRefillingReplicaVotesOnlyAsItsIntactLogWouldHave(lastIndex: UInt64, lastTerm: UInt64, granted: Bool) throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.propose(1, count: 2)
        cluster.loseTail(3, from: LogIndex(2))
        #expect(cluster[3].raft.lostLogEnd == LostLogEnd(index: LogIndex(3), term: Term(1)))
        let preVote = VoteRequest(isPreVote: true, isTransfer: false, lastIndex: LogIndex(lastIndex), lastTerm: Term(lastTerm))
        var vote = preVote
        vote.isPreVote = false
        for request in [preVote, vote] {
            cluster[3].raft.step(Message(from: NodeID(2), to: NodeID(3), term: Term(5), body: .voteRequest(request)))
            let answer = cluster[3].raft.ready()
            cluster[3].raft.advance()
            let response = try #require((answer.messages + answer.messagesAfterPersist).first)
            guard case .voteResponse(let answered) = response.body else {
                Issue.record("expected a vote response, got \(response)")
                return
            }
            #expect(answered.granted == granted)
            #expect((answer.hardState?.vote == NodeID(2)) == (granted && !request.isPreVote))
        }
    }

    @Test func aRefillingReplicaNeverCampaignsNorTakesOverOnATransfer() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.propose(1, count: 2)
        cluster.loseTail(3, from: LogIndex(2))
        cluster.isolate(3)
        cluster.tickAll(100)
        #expect(cluster[3].raft.currentRole == .follower)
        #expect(cluster[3].raft.metrics.electionsStarted == 0)
        cluster[3].raft.step(Message(from: NodeID(1), to: NodeID(3), term: Term(1), body: .timeoutNow))
        #expect(cluster[3].raft.currentRole == .follower)
    }

    /// n2 acknowledged entries 2...4 (committed by n1 and n2 while n3 was away), then lost
    /// them; n1 is down. Were n2 to vote by its present log, n3 (lacking 2...4) would be
    /// elected and the committed entries lost; as it is, there is no leader until n1 is back.
    @Test(arguments: [true, false])
    func aGroupCannotElectALeaderLackingEntriesOnlyTheForgetfulReplicaAcknowledged(refilling: Bool) {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.isolate(3)
        cluster.propose(1, count: 3)
        #expect(cluster[1].raft.commitIndex == LogIndex(4))
        cluster.loseTail(2, from: LogIndex(2))
        if !refilling {
            cluster[2].lostLogEnd = nil
            cluster[2].restart()
        }
        cluster.crash(1)
        cluster.heal()
        cluster.tickAll(200)
        guard refilling else {
            // The control run: the forgetful vote elects a leader, and committed entry 4 is gone.
            let leader = cluster.leader?.raft
            #expect(leader != nil)
            #expect(leader?.term(at: LogIndex(4)) != Term(1))
            return
        }
        #expect(cluster.leader == nil)
        #expect(cluster[2].raft.lostLogEnd?.index == LogIndex(4))
        cluster[1].restart()
        cluster.tick(until: { $0.leader != nil && $0[2].raft.lostLogEnd == nil })
        #expect(cluster.leader?.id == NodeID(1))
        #expect(cluster[2].raft.lostLogEnd == nil)
        for id in 2...3 { #expect(cluster[id].log.storedEntries == cluster[1].log.storedEntries) }
    }

    @Test func anIdleLeaderRefillsAReplicaThatLostItsTailAndTheReplicaVotesAgain() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.propose(1, count: 3)
        cluster.loseTail(3, from: LogIndex(2))
        #expect(cluster[3].log.lastIndex == LogIndex(1))
        // Nothing new is proposed: the heartbeat's commit index tells n3 what it lost.
        cluster.tick(until: { $0[3].raft.lostLogEnd == nil })
        #expect(cluster[3].log.storedEntries == cluster[1].log.storedEntries)
        #expect(cluster[3].raft.commitIndex == LogIndex(4))
        // With n1 down, a leader needs n3's vote or n3 itself.
        cluster.crash(1)
        cluster.tick(until: { $0.leader != nil })
        #expect(cluster.leader != nil)
    }

    /// The end n3 had durably (5) was never committed and a new leader overwrote it with a
    /// shorter log: the commit index passes 5 only with new writes, and then n3 votes again.
    @Test func anOverwrittenUncommittedEndIsPassedByNewWritesAndEndsTheSuspension() {
        var cluster = TestCluster(voters: 3)
        cluster.preload(1, terms: [1], term: 1, commit: 1)
        cluster.preload(2, terms: [1], term: 1, commit: 1)
        cluster.preload(3, terms: [1, 1, 1, 1, 1], term: 1, commit: 1)
        cluster.loseTail(3, from: LogIndex(3))
        cluster.elect(1)
        #expect(cluster[1].raft.currentRole == .leader)
        #expect(cluster[3].log.storedEntries == cluster[1].log.storedEntries)
        #expect(cluster[3].raft.lostLogEnd?.index == LogIndex(5))
        cluster.tickAll(50)
        #expect(cluster[3].raft.lostLogEnd?.index == LogIndex(5))
        cluster.propose(1, count: 3)
        #expect(cluster[3].raft.commitIndex == LogIndex(5))
        #expect(cluster[3].raft.lostLogEnd == nil)
    }
}
