import ClusterMetadata
import Foundation
import Raft
import Storage
import Testing
import Transport
@testable import Node

/// Moving a group onto another node: a learner joins, catches up, becomes a voter, and takes
/// the leadership over; over loopback TCP with real directories.
@Suite struct RaftHostMembershipTests {
    /// Asks `leader` for `change`; nil once it committed, else why it failed.
    static func changeMembership(
        _ cluster: HostCluster, of group: RaftGroupID, at leader: NodeID, _ change: MembershipChange
    ) async throws -> ProposalFailure? {
        let node = cluster.hosts[leader]!
        return try await withCheckedThrowingContinuation { continuation in
            do {
                try node.loop.execute {
                    node.host.changeMembership(of: group, change) { result in
                        if case .failure(let failure) = result { continuation.resume(returning: failure) } else {
                            continuation.resume(returning: nil)
                        }
                    }
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    @Test func aThirdNodeJoinsAsLearnerCatchesUpBecomesVoterAndTakesTheLeadershipOver() async throws {
        let (one, two, three) = (NodeID(1), NodeID(2), NodeID(3))
        let group = RaftGroupID(1)
        let cluster = try await HostCluster(
            groupCount: 1, root: NSTemporaryDirectory(), options: RaftHostTests.options, voters: [one, two])
        try await cluster.waitUntil("the two voters elect a leader") { try await cluster.agreedLeaders() != nil }
        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 10, firstTag: 0)
        let leader = try #require(try await cluster.agreedLeaders()?[group]?.leader)

        let learnerAdded = try await Self.changeMembership(cluster, of: group, at: leader, .addLearner(three))
        #expect(learnerAdded == nil)
        try await cluster.addGroup(group, on: three, membership: Membership(voters: [one, two], learners: [three]))
        try await cluster.waitUntil("the leader knows the learner has caught up") {
            guard let status = try await cluster.statuses()[leader]?[group] else { return false }
            return status.followerMatchIndexes[three] == status.commitIndex
        }
        let promoted = try await Self.changeMembership(cluster, of: group, at: leader, .promoteLearner(three))
        #expect(promoted == nil)
        try await cluster.waitUntil("every replica knows the three voters") {
            let all = try await cluster.statuses()
            return all.values.allSatisfy { $0[group]?.membership.voters.sorted() == [one, two, three] }
        }

        try await cluster.hosts[leader]!.run { try $0.transferLeadership(of: group, to: three) }
        try await cluster.waitUntil("node 3 leads") { try await cluster.agreedLeaders()?[group]?.leader == three }
        let committed = await cluster.propose(HostCluster.batch(100), to: group, leader: three)
        guard case .success = committed else { Issue.record("proposal through the new leader: \(committed)"); return }
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)

        // A follower cannot change the membership, and points at the leader.
        let refused = try await Self.changeMembership(cluster, of: group, at: one, .remove(two))
        #expect(refused == .notLeader(leaderHint: three))
        try await cluster.stopAll()
    }
}
