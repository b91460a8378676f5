import Testing
@_spi(Testing) import Raft

@Suite struct ReplicationTests {
    @Test func anEntrySpansTheIndexesOfItsRecordsAndIndexesStayDense() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        let first = try cluster[1].raft.propose(Array("batch".utf8), indexCount: 5)
        let second = try cluster[1].raft.propose(Array("one".utf8))
        cluster.stabilize()
        #expect(first == LogIndex(2))
        #expect(second == LogIndex(7))
        for id in 1...3 {
            #expect(cluster[id].log.storedEntries.map(\.lastIndex) == [LogIndex(1), LogIndex(6), LogIndex(7)])
            #expect(cluster[id].log.term(at: LogIndex(4)) == Term(1))
            #expect(cluster[id].raft.commitIndex == LogIndex(7))
        }
    }

    @Test func aProposalSpanningNoIndexIsRefused() {
        var cluster = TestCluster(voters: 1)
        cluster.elect(1)
        #expect(throws: ProposalError.invalidIndexCount(0)) { try cluster[1].raft.propose([1], indexCount: 0) }
    }

    @Test func followersRefuseProposalsAndNameTheLeader() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        #expect(throws: ProposalError.notLeader(leader: NodeID(1))) { try cluster[2].raft.propose([1]) }
    }

    /// Raft §5.4.2, figure 8: a leader must not commit an entry of an earlier term by counting
    /// replicas, even once a majority holds it; only an entry of its own term commits it.
    @Test(arguments: [false, true])
    func aLeaderCommitsAnEarlierTermsEntryOnlyThroughAnEntryOfItsOwnTerm(plantedFault: Bool) throws {
        var cluster = TestCluster(voters: 3) {
            if plantedFault { $0.plantedFaults = .commitPreviousTermByCounting }
        }
        cluster.preload(1, terms: [1, 1], term: 1, commit: 1)
        cluster.preload(2, terms: [1], term: 1, commit: 1)
        cluster.preload(3, terms: [1], term: 1, commit: 1)
        cluster.dropping = { if case .append = $0.body { true } else { false } }
        cluster.elect(1)
        #expect(cluster[1].raft.currentRole == .leader)
        #expect(cluster[1].log.lastIndex == LogIndex(3), "the no-op of term 2 follows the term-1 entry")
        var ack = Message(
            from: NodeID(2), to: NodeID(1), term: cluster[1].raft.currentTerm,
            body: .appendResponse(AppendResponse(accepted: true, index: LogIndex(2))))
        cluster[1].raft.step(ack)
        if plantedFault {
            #expect(cluster[1].raft.commitIndex == LogIndex(2), "the planted fault commits by counting")
        } else {
            #expect(cluster[1].raft.commitIndex == LogIndex(1), "index 2 is of term 1: a majority holding it is not enough")
        }
        ack.body = .appendResponse(AppendResponse(accepted: true, index: LogIndex(3)))
        cluster[1].raft.step(ack)
        #expect(cluster[1].raft.commitIndex == LogIndex(3), "the no-op of the leader's term commits both")
    }

    @Test func appendsInFlightToAFollowerStopAtInflightAppendCountMax() throws {
        var cluster = TestCluster(voters: 3) {
            $0.inflightAppendCountMax = 2
            $0.appendBytesMax = 64
        }
        cluster.elect(1)
        cluster.dropping = { $0.from == NodeID(2) }  // n2 acknowledges nothing from now on
        cluster.delivered = []
        for n in 0..<10 {
            _ = try cluster[1].raft.propose(Array("entry \(n)".utf8))
            cluster.stabilize()
        }
        let appendsToTwo = cluster.delivered.filter {
            if case .append(let request) = $0.body { $0.to == NodeID(2) && !request.entries.isEmpty } else { false }
        }
        #expect(appendsToTwo.count == 2)
        #expect(cluster[1].raft.commitIndex == LogIndex(11), "n3 alone completes the majority")
    }

    @Test func appendsInFlightToAFollowerStopAtInflightAppendBytesMax() throws {
        var cluster = TestCluster(voters: 3) {
            $0.inflightAppendCountMax = 100
            $0.appendBytesMax = 100
            $0.inflightAppendBytesMax = 200
        }
        cluster.elect(1)
        cluster.dropping = { $0.from == NodeID(2) }
        cluster.delivered = []
        for _ in 0..<10 {
            _ = try cluster[1].raft.propose([UInt8](repeating: 7, count: 60))
            cluster.stabilize()
        }
        let bytesToTwo = cluster.delivered.reduce(0) {
            if case .append(let request) = $1.body, $1.to == NodeID(2) { $0 + request.entries.reduce(0) { $0 + $1.sizeBytes } } else { $0 }
        }
        #expect(bytesToTwo > 0 && bytesToTwo < 200 + 92)
    }

    @Test func conflictHintsSkipAWholeDivergentTermInOneRoundTrip() {
        var cluster = TestCluster(voters: 3)
        cluster.preload(1, terms: [1, 1, 3, 3, 3], term: 3, commit: 2)
        cluster.preload(2, terms: [1, 1] + Array(repeating: 2, count: 20), term: 3, commit: 2)
        cluster.preload(3, terms: [1, 1, 3, 3, 3], term: 3, commit: 2)
        cluster.elect(1)
        #expect(cluster[1].raft.currentRole == .leader)
        let rejections = cluster.delivered.filter {
            if case .appendResponse(let response) = $0.body { $0.from == NodeID(2) && !response.accepted } else { false }
        }
        #expect(rejections.count == 1)
        #expect(cluster[2].log.storedEntries == cluster[1].log.storedEntries)
        #expect(cluster[2].raft.commitIndex == LogIndex(6))
    }

    @Test func aFollowerBehindTheLeadersRemovedPrefixIsResetToTheLogStartAndCatchesUp() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.crash(3)
        cluster.propose(1, count: 20)
        for id in [1, 2] { cluster[id].log.removePrefix(before: LogIndex(15)) }
        cluster[3].restart()
        cluster.tickAll(3)
        let leaderLog = cluster[1].log
        #expect(cluster[3].log.firstIndex == LogIndex(15))
        #expect(cluster[3].log.term(at: LogIndex(14)) == Term(1))
        #expect(cluster[3].log.storedEntries == leaderLog.storedEntries)
        #expect(cluster[3].raft.commitIndex == cluster[1].raft.commitIndex)
        #expect(cluster[3].applied.first?.index == LogIndex(15), "entries before the start are never applied there")
        cluster.propose(1, count: 1)
        #expect(cluster[3].raft.commitIndex == LogIndex(22))
    }

    @Test func aRestartedReplicaKeepsWhatItReportedDurable() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.propose(1, count: 5, indexCount: 2)
        cluster.crash(2)
        cluster[2].restart()
        #expect(cluster[2].raft.lastIndex == LogIndex(11))
        #expect(cluster[2].raft.commitIndex == LogIndex(11))
        #expect(cluster[2].raft.currentTerm == Term(1))
    }
}
