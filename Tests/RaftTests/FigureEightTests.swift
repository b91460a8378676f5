import Testing
@_spi(Testing) import Raft

/// The Raft paper's figure 8 (§5.4.2), played out on five replicas: an entry of an earlier term
/// that a leader replicated to a majority may still be overwritten, so it must not count as
/// committed until an entry of the leader's own term is.
@Suite struct FigureEightTests {
    static func isAppend(_ message: Message, carryingTerm term: UInt64) -> Bool {
        guard case .append(let request) = message.body else { return false }
        return request.entries.contains { $0.term == Term(term) }
    }

    @Test(arguments: [false, true])
    func anEarlierTermsEntryOnAMajorityIsNotCommittedAndIsSafelyOverwritten(plantedFault: Bool) {
        var cluster = TestCluster(voters: 5) {
            $0.checkQuorum = false
            $0.appendBytesMax = Entry.overheadBytes  // one entry per append
            if plantedFault { $0.plantedFaults = .commitPreviousTermByCounting }
        }
        for id in 1...5 { cluster.preload(id, terms: [1], term: 1, commit: 1) }

        // (a) S1 leads term 2; its entry 2@t2 reaches S2 only.
        cluster.dropping = { if case .append = $0.body { $0.to != NodeID(2) } else { false } }
        cluster.elect(1)
        #expect(cluster[1].raft.currentTerm == Term(2))
        #expect(cluster[2].log.term(at: LogIndex(2)) == Term(2))
        #expect(cluster[3].log.lastIndex == LogIndex(1))

        // (b) S1 crashes; S5 leads term 3 with S3 and S4; its 2@t3 stays on S5.
        cluster.crash(1)
        cluster.dropping = { if case .append = $0.body { true } else { false } }
        cluster.elect(5)
        #expect(cluster[5].raft.currentRole == .leader)
        #expect(cluster[5].raft.currentTerm == Term(3))
        #expect(cluster[5].log.term(at: LogIndex(2)) == Term(3))

        // (c) S5 crashes; S1 restarts and leads term 4 with S2 and S3, and replicates 2@t2 to
        // S3, but its own 3@t4 reaches nobody: 2@t2 is on a majority.
        cluster.crash(5)
        cluster[1].restart()
        cluster.cut(1, 4)
        let replicas = cluster.replicas
        cluster.dropping = {
            Self.isAppend($0, carryingTerm: 4) && replicas[$0.to]!.log.term(at: LogIndex(2)) == Term(2)
        }
        cluster.elect(1)
        // S2 holds 2@t2 already; this is the acknowledgement it sends for it.
        let term = cluster[1].raft.currentTerm
        cluster[1].raft.step(Message(
            from: NodeID(2), to: NodeID(1), term: term, body: .appendResponse(AppendResponse(accepted: true, index: LogIndex(2)))))
        cluster.stabilize()
        #expect(cluster[1].raft.currentRole == .leader)
        #expect(cluster[1].raft.currentTerm == Term(4))
        #expect([1, 2, 3].allSatisfy { cluster[$0].log.term(at: LogIndex(2)) == Term(2) })
        if plantedFault {
            #expect(cluster[1].raft.commitIndex == LogIndex(2), "the planted fault commits 2@t2 by counting")
        } else {
            #expect(cluster[1].raft.commitIndex == LogIndex(1), "2@t2 is not committed: it is of an earlier term")
        }

        // (d) S1 crashes; S5 restarts and wins term 5 (its last term 3 beats their 2), then
        // overwrites index 2 everywhere.
        cluster.crash(1)
        cluster[5].restart()
        cluster.dropping = { _ in false }
        cluster.elect(5)
        #expect(cluster[5].raft.currentRole == .leader)
        for id in 2...5 { #expect(cluster[id].log.term(at: LogIndex(2)) == Term(3)) }
        let appliedTwoAtTermTwo = cluster[1].applied.contains { $0.index == LogIndex(2) && $0.term == Term(2) }
        #expect(appliedTwoAtTermTwo == plantedFault, "only the faulty leader applied the entry later overwritten")
    }
}
