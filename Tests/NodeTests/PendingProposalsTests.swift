import Raft
import Storage
import Testing
@testable import Node

@Suite struct PendingProposalsTests {
    final class Outcomes {
        var byTag: [Int: Result<ClosedRange<Offset>, ProposalFailure>] = [:]
        func record(_ tag: Int) -> PendingProposals.Completion { { self.byTag[tag] = $0 } }
    }

    static func range(_ first: UInt64, _ last: UInt64) -> ClosedRange<LogIndex> { LogIndex(first)...LogIndex(last) }

    @Test func committedProposalsCompleteWithTheirOffsetsAndReplacedOnesAsSuperseded() {
        var pending = PendingProposals()
        let outcomes = Outcomes()
        pending.add(Self.range(2, 3), term: Term(1), deadlineTick: 10, completion: outcomes.record(1))
        pending.add(Self.range(4, 4), term: Term(1), deadlineTick: 10, completion: outcomes.record(2))
        pending.add(Self.range(5, 6), term: Term(1), deadlineTick: 10, completion: outcomes.record(3))
        // Index 4 now holds another term's entry; the commit stops inside the third proposal.
        pending.resolve(commit: LogIndex(5), applied: LogIndex(5)) { $0 == LogIndex(4) ? Term(2) : Term(1) }
        #expect(outcomes.byTag[1] == .success(Offset(1)...Offset(2)))
        #expect(outcomes.byTag[2] == .failure(.superseded))
        #expect(outcomes.byTag[3] == nil)
        #expect(pending.count == 1)
    }

    @Test func aProposalAwaitingItsApplicationCompletesOnlyOnceAppliedAndHoldsBackTheOnesAfterIt() {
        var pending = PendingProposals()
        let outcomes = Outcomes()
        pending.add(Self.range(2, 2), term: Term(1), deadlineTick: 10, awaitsApply: true, completion: outcomes.record(1))
        pending.add(Self.range(3, 4), term: Term(1), deadlineTick: 10, completion: outcomes.record(2))
        pending.resolve(commit: LogIndex(4), applied: LogIndex(1)) { _ in Term(1) }
        #expect(outcomes.byTag.isEmpty, "committed, not applied yet")
        pending.resolve(commit: LogIndex(4), applied: LogIndex(2)) { _ in Term(1) }
        #expect(outcomes.byTag[1] == .success(Offset(1)...Offset(1)))
        #expect(outcomes.byTag[2] == .success(Offset(2)...Offset(3)))
        #expect(pending.count == 0)
    }

    @Test func aLeaderAppendingBelowItsOwnPendingProposalsSupersedesThem() {
        var pending = PendingProposals()
        let outcomes = Outcomes()
        pending.add(Self.range(10, 10), term: Term(5), deadlineTick: 10, completion: outcomes.record(1))
        pending.add(Self.range(11, 12), term: Term(5), deadlineTick: 10, completion: outcomes.record(2))
        // Leader again in term 7 after another leader cut its log back to 9; the no-op took 10.
        pending.add(Self.range(11, 11), term: Term(7), deadlineTick: 20, completion: outcomes.record(3))
        #expect(outcomes.byTag[1] == nil)
        #expect(outcomes.byTag[2] == .failure(.superseded))
        #expect(pending.count == 2)
    }

    @Test func expiryFailsTheOldestProposalsOnly() {
        var pending = PendingProposals()
        let outcomes = Outcomes()
        pending.add(Self.range(1, 1), term: Term(1), deadlineTick: 5, completion: outcomes.record(1))
        pending.add(Self.range(2, 2), term: Term(1), deadlineTick: 8, completion: outcomes.record(2))
        pending.expire(at: 7)
        #expect(outcomes.byTag[1] == .failure(.timedOut))
        #expect(outcomes.byTag[2] == nil)
        pending.failAll(.groupStopped)
        #expect(outcomes.byTag[2] == .failure(.groupStopped))
        #expect(pending.count == 0)
    }
}
