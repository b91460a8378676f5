import Testing
import SeededRandom
@_spi(Testing) import Raft

@Suite struct CoreContractTests {
    @Test func metricsReportTermRoleCommitAppliedMatchesElectionsAndLeaderChanges() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.propose(1, count: 2, indexCount: 3)
        let leader = cluster[1].raft.metrics
        #expect(leader.term == Term(1))
        #expect(leader.role == .leader)
        #expect(leader.leader == NodeID(1))
        #expect(leader.commitIndex == LogIndex(7))
        #expect(leader.appliedIndex == LogIndex(7))
        #expect(leader.lastIndex == LogIndex(7))
        #expect(leader.electionsStarted == 1)
        #expect(leader.leaderChanges == 1)
        #expect(leader.followerMatchIndexes == [NodeID(2): LogIndex(7), NodeID(3): LogIndex(7)])
        let follower = cluster[2].raft.metrics
        #expect(follower.role == .follower && follower.electionsStarted == 0 && follower.followerMatchIndexes.isEmpty)
        #expect(follower.leaderChanges == 1)
    }

    @Test func configurationBoundsAreCheckedAgainstEachOther() {
        func rejects(_ change: (inout RaftConfig) -> Void) -> Bool {
            var config = RaftConfig(id: NodeID(1))
            change(&config)
            do { try config.validate(); return false } catch { return true }
        }
        #expect(!rejects { _ in })
        #expect(rejects { $0.heartbeatIntervalTicks = 0 })
        #expect(rejects { $0.electionTimeoutTicks = $0.heartbeatIntervalTicks })
        #expect(rejects { $0.inflightAppendCountMax = 0 })
        #expect(rejects { $0.inflightAppendBytesMax = $0.appendBytesMax - 1 })
        #expect(rejects { $0.uncommittedBytesMax = $0.appendBytesMax - 1 })
        #expect(rejects { $0.applyBytesMax = $0.appendBytesMax - 1 })
        #expect(rejects { $0.appendBytesMax = 1 })
    }

    @Test func aDurableStateInconsistentWithTheLogIsRefusedAtStart() {
        let log = MemoryRaftLog()
        log.append([Entry(term: Term(1), index: LogIndex(1))])
        let membership = Membership(voters: [NodeID(1)])
        #expect(throws: RaftConfigError.self) {
            _ = try RaftCore(config: RaftConfig(id: NodeID(1)), log: log, hardState: HardState(term: Term(1), commit: LogIndex(2)),
                             membership: membership, random: SplitMix64(seed: 1))
        }
        #expect(throws: RaftConfigError.self) {
            _ = try RaftCore(config: RaftConfig(id: NodeID(1)), log: log, hardState: HardState(term: Term(1), commit: LogIndex(1)),
                             membership: membership, applied: LogIndex(2), random: SplitMix64(seed: 1))
        }
    }

    @Test func proposalsAreRefusedOnceUncommittedBytesReachTheBound() throws {
        var cluster = TestCluster(voters: 3) {
            $0.appendBytesMax = 256
            $0.uncommittedBytesMax = 1_024
            $0.inflightAppendBytesMax = 1_024
        }
        cluster.elect(1)
        cluster.isolate(1)
        var accepted = 0
        while (try? cluster[1].raft.propose([UInt8](repeating: 1, count: 96))) != nil { accepted += 1 }
        #expect(accepted == 1_024 / (96 + Entry.overheadBytes))
        #expect(throws: ProposalError.uncommittedBytesMaxReached) { try cluster[1].raft.propose([1]) }
        cluster.heal()
        cluster.tickAll(2)
        #expect(throws: Never.self) { try cluster[1].raft.propose([1]) }
    }

    @Test func readyHandsOutEachCommittedEntryExactlyOnceInOrder() throws {
        var cluster = TestCluster(voters: 3) { $0.applyBytesMax = $0.appendBytesMax }
        cluster.elect(1)
        for round in 0..<20 {
            cluster.propose(1, count: round % 4 + 1, indexCount: UInt64(round % 3 + 1))
        }
        for id in 1...3 {
            let applied = cluster[id].applied
            #expect(applied == cluster[id].log.storedEntries)
            #expect(zip(applied, applied.dropFirst()).allSatisfy { $0.lastIndex.next == $1.index })
        }
    }

    @Test func aLeaderSendsAppendsBeforeItsOwnWriteIsDurableButAFollowerAcknowledgesOnlyAfter() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        _ = try cluster[1].raft.propose([9])
        let leaderReady = cluster[1].raft.ready()
        #expect(leaderReady.entries.count == 1)
        #expect(leaderReady.messages.contains { if case .append = $0.body { true } else { false } })
        cluster[1].raft.advance()
        let append = leaderReady.messages.first { $0.to == NodeID(2) }!
        cluster[2].raft.step(append)
        let followerReady = cluster[2].raft.ready()
        #expect(followerReady.entries.count == 1)
        #expect(followerReady.messages.isEmpty)
        #expect(followerReady.messagesAfterPersist.contains { if case .appendResponse = $0.body { true } else { false } })
        cluster[2].raft.advance()
    }

    @Test func anAcknowledgementPastTheLeadersLogMovesNothing() {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        let term = cluster[1].raft.currentTerm
        for from in [2, 3] {
            cluster[1].raft.step(Message(
                from: NodeID(UInt64(from)), to: NodeID(1), term: term,
                body: .appendResponse(AppendResponse(accepted: true, index: LogIndex(1_000)))))
        }
        #expect(cluster[1].raft.commitIndex == LogIndex(1))
        #expect(cluster[1].raft.metrics.followerMatchIndexes.values.allSatisfy { $0 == LogIndex(1) })
    }

    @Test func anAppendThatWouldSplitAnEntryIsIgnored() throws {
        var cluster = TestCluster(voters: 3)
        cluster.elect(1)
        cluster.propose(1, count: 1, indexCount: 3)  // entry 2...4
        let before = cluster[2].log.storedEntries
        let term = cluster[1].raft.currentTerm
        let faulty = [
            AppendRequest(prevIndex: LogIndex(2), prevTerm: term, entries: [Entry(term: term, index: LogIndex(3))], commit: .zero),
            AppendRequest(prevIndex: LogIndex(1), prevTerm: term, entries: [Entry(term: term, index: LogIndex(2), lastIndex: LogIndex(3))], commit: .zero),
            AppendRequest(prevIndex: LogIndex(4), prevTerm: term,
                          entries: [Entry(term: term, index: LogIndex(5), kind: .membership, payload: [0xFF])], commit: .zero),
        ]
        for request in faulty {
            cluster[2].raft.step(Message(from: NodeID(1), to: NodeID(2), term: term, body: .append(request)))
            cluster.stabilize()
        }
        #expect(cluster[2].log.storedEntries == before)
    }

    @Test func theMemoryLogAnswersForWholeEntries() {
        let log = MemoryRaftLog()
        log.append([
            Entry(term: Term(1), index: LogIndex(1), lastIndex: LogIndex(4)),
            Entry(term: Term(2), index: LogIndex(5)),
            Entry(term: Term(2), index: LogIndex(6), lastIndex: LogIndex(8)),
        ])
        #expect(log.term(at: LogIndex(3)) == Term(1))
        #expect(log.term(at: LogIndex(0)) == Term.zero)
        #expect(log.term(at: LogIndex(9)) == nil)
        #expect(log.entryRange(containing: LogIndex(7)) == LogIndex(6)...LogIndex(8))
        #expect(log.entries(from: LogIndex(3), bytesMax: 0).map(\.index) == [LogIndex(1)], "at least one whole entry")
        #expect(log.entries(from: LogIndex(3), bytesMax: 1 << 20).count == 3)
        log.removePrefix(before: LogIndex(5))
        #expect(log.firstIndex == LogIndex(5))
        #expect(log.term(at: LogIndex(4)) == Term(1), "the term before the start is remembered")
        #expect(log.term(at: LogIndex(3)) == nil)
        log.truncate(from: LogIndex(6))
        #expect(log.lastIndex == LogIndex(5))
    }
}
