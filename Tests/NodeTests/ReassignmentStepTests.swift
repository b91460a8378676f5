import Raft
import Testing
@testable import Node

/// The leader's next step toward a partition's target replicas, one membership change at a time.
@Suite struct ReassignmentStepTests {
    static let (n1, n2, n3, n4) = (NodeID(1), NodeID(2), NodeID(3), NodeID(4))

    static func step(_ membership: Membership, to target: [NodeID], leader: NodeID = n1,
                     matches: [NodeID: UInt64] = [:], commit: UInt64 = 10) -> ReassignmentStep {
        ReassignmentStep.next(
            leader: leader, membership: membership, target: target,
            matchIndexes: matches.mapValues { LogIndex(rawValue: $0) }, commitIndex: LogIndex(rawValue: commit))
    }

    @Test func replacingAReplicaAddsTheNewOneAsALearnerFirst() {
        #expect(Self.step(Membership(voters: [Self.n1, Self.n2, Self.n3]), to: [Self.n1, Self.n2, Self.n4]) == .change(.addLearner(Self.n4)))
    }

    @Test func aLearnerIsPromotedOnlyOnceItMatchesTheCommitIndex() {
        let membership = Membership(voters: [Self.n1, Self.n2, Self.n3], learners: [Self.n4])
        #expect(Self.step(membership, to: [Self.n1, Self.n2, Self.n4], matches: [Self.n4: 9]) == .wait)
        #expect(Self.step(membership, to: [Self.n1, Self.n2, Self.n4], matches: [Self.n4: 10]) == .change(.promoteLearner(Self.n4)))
    }

    @Test func theOldVoterIsRemovedOnlyAfterTheNewOneVotes() {
        let membership = Membership(voters: [Self.n1, Self.n2, Self.n3, Self.n4])
        #expect(Self.step(membership, to: [Self.n1, Self.n2, Self.n4]) == .change(.remove(Self.n3)))
    }

    @Test func aLeaderThatIsLeavingHandsLeadershipToTheMostCaughtUpStayingVoter() {
        let membership = Membership(voters: [Self.n1, Self.n2, Self.n3, Self.n4])
        #expect(Self.step(membership, to: [Self.n2, Self.n3, Self.n4], matches: [Self.n2: 8, Self.n3: 10, Self.n4: 10])
            == .transferLeadership(to: Self.n3))
    }

    @Test func aGroupWhoseVotersAreTheTargetIsComplete() {
        #expect(Self.step(Membership(voters: [Self.n1, Self.n2, Self.n4]), to: [Self.n4, Self.n2, Self.n1]) == .complete)
    }

    @Test func aLearnerTheTargetLeavesOutIsRemoved() {
        let membership = Membership(voters: [Self.n1, Self.n2, Self.n3], learners: [Self.n4])
        #expect(Self.step(membership, to: [Self.n1, Self.n2, Self.n3]) == .change(.remove(Self.n4)))
    }

    @Test func everyMoveBetweenThreeOfFourNodesEndsCompleteWithNeverFewerVotersThanTheTargetNeeds() {
        let nodes = [Self.n1, Self.n2, Self.n3, Self.n4]
        for start in 0..<4 {
            for end in 0..<4 where end != start {
                var membership = Membership(voters: nodes.filter { $0 != nodes[start] })
                let target = nodes.filter { $0 != nodes[end] }
                var leader = membership.voters[0]
                let caughtUp = Dictionary(uniqueKeysWithValues: nodes.map { ($0, UInt64(10)) })
                for _ in 0..<4 {
                    switch Self.step(membership, to: target, leader: leader, matches: caughtUp) {
                    case .change(let change): membership = try! membership.applying(change, at: LogIndex(rawValue: 1))
                    case .transferLeadership(let successor): leader = successor
                    case .wait: Issue.record("stuck at \(membership) on the way to \(target)")
                    case .complete: break
                    }
                    #expect(membership.voters.count >= 3, "a step left \(membership.voters.count) voters")
                }
                #expect(Set(membership.voters) == Set(target) && membership.learners.isEmpty)
            }
        }
    }
}
