import Testing
@testable import Broker

@Suite("Group coordinator: rebalances")
struct GroupRebalanceTests {
    @Test func aLoneMemberJoinsAnEmptyGroupBecomesLeaderAndGetsItsAssignmentAfterSync() throws {
        var h = GroupHarness()
        let joinToken = h.join(GroupHarness.joinRequest())
        let joined = try #require(h.joins[joinToken])
        #expect(joined.error == nil)
        #expect(joined.generationId == 1)
        #expect(joined.leaderId == joined.memberId)
        #expect(joined.protocolName == "range")
        #expect(joined.members.map(\.memberId) == [joined.memberId])
        #expect(h.state == .completingRebalance)

        let syncToken = h.sync(memberId: joined.memberId, generationId: 1, assignments: [joined.memberId: [7, 7]])
        #expect(h.syncs[syncToken]?.assignment == [7, 7])
        #expect(h.state == .stable)
        #expect(h.records.count == 1, "a completed generation is made durable")
    }

    @Test func twoMembersJoinTheLeaderAssignsAndTheFollowerWaitsForIt() throws {
        var h = GroupHarness()
        let (first, _) = h.stableSingleMember()
        let secondToken = h.join(GroupHarness.joinRequest())
        #expect(h.joins[secondToken] == nil, "the join waits until every member has rejoined")
        #expect(h.heartbeat(first, generationId: 1) == .rebalanceInProgress)

        #expect(h.coordinator.parkedRequests == [secondToken])
        let firstToken = h.join(GroupHarness.joinRequest(memberId: first))
        let leaderView = try #require(h.joins[firstToken])
        let followerView = try #require(h.joins[secondToken])
        #expect(leaderView.generationId == 2 && followerView.generationId == 2)
        #expect(leaderView.leaderId == first && followerView.leaderId == first)
        #expect(leaderView.members.count == 2)
        #expect(followerView.members.isEmpty)

        let second = followerView.memberId
        let followerSync = h.sync(memberId: second, generationId: 2)
        #expect(h.syncs[followerSync] == nil, "followers wait for the leader's assignment")
        let leaderSync = h.sync(memberId: first, generationId: 2, assignments: [first: [0], second: [1]])
        #expect(h.syncs[followerSync]?.assignment == [1])
        #expect(h.syncs[leaderSync]?.assignment == [0])
        #expect(h.state == .stable)
    }

    @Test func whenOneOfTwoMembersLeavesTheOtherRejoinsAloneAndTakesEveryPartition() throws {
        var h = GroupHarness()
        let (first, _) = h.stableSingleMember()
        let secondToken = h.join(GroupHarness.joinRequest())
        _ = h.join(GroupHarness.joinRequest(memberId: first))
        let second = try #require(h.joins[secondToken]).memberId
        _ = h.sync(memberId: second, generationId: 2)
        _ = h.sync(memberId: first, generationId: 2, assignments: [first: [0], second: [1]])

        #expect(h.leave([first]).map(\.error) == [nil])
        #expect(h.state == .preparingRebalance)
        #expect(h.heartbeat(second, generationId: 2) == .rebalanceInProgress)
        let rejoin = try #require(h.joins[h.join(GroupHarness.joinRequest(memberId: second))])
        #expect(rejoin.generationId == 3)
        #expect(rejoin.leaderId == second, "leadership passes to the remaining member")
        let sync = h.sync(memberId: second, generationId: 3, assignments: [second: [0, 1]])
        #expect(h.syncs[sync]?.assignment == [0, 1])
    }

    @Test func aBatchedLeaveOfEveryMemberEmptiesTheGroupWhichIsForgottenWhenItHasNoOffsets() {
        var h = GroupHarness()
        let (first, _) = h.stableSingleMember()
        let results = h.leave([first, "nobody"])
        #expect(results.map(\.error) == [nil, .unknownMemberId])
        #expect(h.state == .dead)
        #expect(h.coordinator.groupCount == 0)
        guard case .groupMetadata(let emptied) = h.records[h.records.count - 2] else {
            Issue.record("expected the Empty generation's snapshot, got \(h.records)")
            return
        }
        #expect(emptied.generationId == 2 && emptied.members.isEmpty)
        #expect(h.records.last == .groupDeletion(groupId: GroupHarness.groupId))
        #expect(h.heartbeat(first, generationId: 1) == .unknownMemberId)
    }

    @Test func aGroupWithOffsetsStaysEmptyAfterItsLastMemberLeaves() {
        var h = GroupHarness()
        let (first, generation) = h.stableSingleMember()
        #expect(h.commit(memberId: first, generationId: generation, ["t": 5]).results.map(\.error) == [nil])
        _ = h.leave([first])
        #expect(h.state == .empty)
        #expect(h.coordinator.describeGroup(GroupHarness.groupId).generationId == generation + 1)
    }

    @Test func aMemberWhoseSessionTimesOutIsRemovedAndTheGroupRebalances() throws {
        var h = GroupHarness()
        let (first, _) = h.stableSingleMember()
        let secondToken = h.join(GroupHarness.joinRequest())
        _ = h.join(GroupHarness.joinRequest(memberId: first))
        let second = try #require(h.joins[secondToken]).memberId
        _ = h.sync(memberId: second, generationId: 2)
        _ = h.sync(memberId: first, generationId: 2, assignments: [first: [0], second: [1]])

        h.advance(byMs: Int64(GroupHarness.sessionTimeoutMs) / 2)
        #expect(h.heartbeat(first, generationId: 2) == nil)
        h.advance(byMs: Int64(GroupHarness.sessionTimeoutMs) / 2)
        #expect(h.state == .preparingRebalance, "the silent member expired")
        #expect(h.heartbeat(second, generationId: 2) == .unknownMemberId)
        #expect(h.heartbeat(first, generationId: 2) == .rebalanceInProgress)
    }

    @Test func aMemberThatDoesNotRejoinWithinTheRebalanceTimeoutIsDropped() throws {
        var h = GroupHarness()
        let (first, _) = h.stableSingleMember()
        let secondToken = h.join(GroupHarness.joinRequest())
        // The first member keeps heartbeating but never rejoins.
        for _ in 0..<9 {
            h.advance(byMs: 500)
            #expect(h.heartbeat(first, generationId: 1) == .rebalanceInProgress)
        }
        #expect(h.joins[secondToken] == nil)
        h.advance(byMs: 500)
        let joined = try #require(h.joins[secondToken])
        #expect(joined.generationId == 2)
        #expect(joined.leaderId == joined.memberId)
        #expect(joined.members.map(\.memberId) == [joined.memberId])
        #expect(h.heartbeat(first, generationId: 1) == .unknownMemberId)
    }

    @Test func aLeaderThatNeverSyncsIsDroppedAfterTheRebalanceTimeout() throws {
        var h = GroupHarness()
        let (first, _) = h.stableSingleMember()
        let secondToken = h.join(GroupHarness.joinRequest())
        _ = h.join(GroupHarness.joinRequest(memberId: first))
        let second = try #require(h.joins[secondToken]).memberId
        let followerSync = h.sync(memberId: second, generationId: 2)
        for _ in 0..<10 {
            h.advance(byMs: 500)
            _ = h.heartbeat(second, generationId: 2)
        }
        #expect(h.syncs[followerSync]?.error == .rebalanceInProgress)
        #expect(h.heartbeat(first, generationId: 2) == .unknownMemberId)
        #expect(h.state == .preparingRebalance)
    }

    @Test func aFollowerWhoseParkedSyncIsCancelledByARebalanceGetsAFreshSession() throws {
        var h = GroupHarness()
        let (first, _) = h.stableSingleMember()
        let secondToken = h.join(GroupHarness.joinRequest())
        _ = h.join(GroupHarness.joinRequest(memberId: first))
        let second = try #require(h.joins[secondToken]).memberId
        let parkedSync = h.sync(memberId: second, generationId: 2)
        h.advance(byMs: 900)
        _ = h.join(GroupHarness.joinRequest())  // a third member: the leader never syncs generation 2
        #expect(h.syncs[parkedSync]?.error == .rebalanceInProgress)
        h.advance(byMs: 200)
        #expect(h.heartbeat(second, generationId: 2) == .rebalanceInProgress, "still a member 1,100 ms after its sync")
    }

    @Test func consumersStartedTogetherFormOneGenerationAfterTheInitialDelay() throws {
        var h = GroupHarness()
        var limits = GroupLimits.testMin
        limits.initialRebalanceDelayMs = 300
        h.coordinator = GroupCoordinator(limits: limits, memberIdSalt: "t1")
        let firstToken = h.join(GroupHarness.joinRequest())
        h.advance(byMs: 200)
        let secondToken = h.join(GroupHarness.joinRequest())
        h.advance(byMs: 200)
        #expect(h.joins[firstToken] == nil, "the second member extended the delay to 500 ms")
        h.advance(byMs: 100)
        let first = try #require(h.joins[firstToken])
        let second = try #require(h.joins[secondToken])
        #expect(first.generationId == 1 && second.generationId == 1)
        #expect(first.members.count == 2)
        #expect(first.leaderId == first.memberId)
    }

    @Test func theInitialDelayIsCappedByTheRebalanceTimeout() throws {
        var h = GroupHarness()
        var limits = GroupLimits.testMin
        limits.initialRebalanceDelayMs = 4_000
        h.coordinator = GroupCoordinator(limits: limits, memberIdSalt: "t1")
        let firstToken = h.join(GroupHarness.joinRequest())
        h.advance(byMs: 3_000)
        let secondToken = h.join(GroupHarness.joinRequest())
        h.advance(byMs: Int64(GroupHarness.rebalanceTimeoutMs) - 3_000)
        #expect(h.joins[firstToken]?.generationId == 1, "answered at the rebalance timeout, not 7 s in")
        #expect(h.joins[secondToken]?.generationId == 1)
    }

    @Test func heartbeatsAndSyncsFromAnOldGenerationAreIllegal() {
        var h = GroupHarness()
        let (first, generation) = h.stableSingleMember()
        #expect(h.heartbeat(first, generationId: generation - 1) == .illegalGeneration)
        #expect(h.heartbeat(first, generationId: generation) == nil)
        let sync = h.sync(memberId: first, generationId: generation + 1)
        #expect(h.syncs[sync]?.error == .illegalGeneration)
        #expect(h.heartbeat("stranger", generationId: generation) == .unknownMemberId)
    }

    @Test func aFirstJoinCanBeRequiredToComeBackWithItsMemberId() throws {
        var h = GroupHarness()
        let first = try #require(h.joins[h.join(GroupHarness.joinRequest(requireKnownMemberId: true))])
        #expect(first.error == .memberIdRequired)
        #expect(!first.memberId.isEmpty)
        let second = try #require(
            h.joins[h.join(GroupHarness.joinRequest(memberId: first.memberId, requireKnownMemberId: true))])
        #expect(second.error == nil)
        #expect(second.memberId == first.memberId)
        #expect(second.leaderId == first.memberId)
    }

    @Test func anUnusedRequiredMemberIdExpiresAfterTheSessionTimeout() throws {
        var h = GroupHarness()
        let first = try #require(h.joins[h.join(GroupHarness.joinRequest(requireKnownMemberId: true))])
        h.advance(byMs: Int64(GroupHarness.sessionTimeoutMs))
        #expect(h.coordinator.groupCount == 0, "the group held nothing but the pending id")
        let late = try #require(h.joins[h.join(GroupHarness.joinRequest(memberId: first.memberId))])
        #expect(late.error == .unknownMemberId)
    }

    @Test func theSelectedProtocolIsOneEveryMemberSupportsPreferredByMost() throws {
        var h = GroupHarness()
        let first = try #require(h.joins[h.join(GroupHarness.joinRequest(protocols: ["sticky", "range"]))])
        _ = h.sync(memberId: first.memberId, generationId: 1, assignments: [first.memberId: []])
        let secondToken = h.join(GroupHarness.joinRequest(protocols: ["range", "roundrobin"]))
        let rejoin = try #require(h.joins[h.join(GroupHarness.joinRequest(memberId: first.memberId, protocols: ["sticky", "range"]))])
        #expect(rejoin.protocolName == "range")
        #expect(h.joins[secondToken]?.protocolName == "range")

        let unsupported = try #require(h.joins[h.join(GroupHarness.joinRequest(protocols: ["cooperative"]))])
        #expect(unsupported.error == .inconsistentGroupProtocol)
    }

    @Test func joinsBeyondTheGroupSizeBoundAreRefused() throws {
        var h = GroupHarness()
        for _ in 0..<GroupLimits.testMin.membersPerGroupMax {
            _ = h.join(GroupHarness.joinRequest(requireKnownMemberId: true))
        }
        let refused = try #require(h.joins[h.join(GroupHarness.joinRequest(requireKnownMemberId: true))])
        #expect(refused.error == .groupMaxSizeReached)
    }

    @Test func joinRequestsOutsideTheLimitsAreRefusedWithoutCreatingAGroup() throws {
        var h = GroupHarness()
        var badTimeout = GroupHarness.joinRequest()
        badTimeout.sessionTimeoutMs = GroupLimits.testMin.sessionTimeoutMsMax + 1
        #expect(h.joins[h.join(badTimeout)]?.error == .invalidSessionTimeout)
        var bigMetadata = GroupHarness.joinRequest()
        bigMetadata.protocols = [GroupProtocol(name: "range", metadata: Array(repeating: 0, count: 257))]
        #expect(h.joins[h.join(bigMetadata)]?.error == .invalidRequest)
        var noGroup = GroupHarness.joinRequest()
        noGroup.groupId = ""
        #expect(h.joins[h.join(noGroup)]?.error == .invalidGroupId)
        #expect(h.coordinator.groupCount == 0)
    }

    @Test func aRestartedStaticFollowerOfAStableGroupKeepsItsAssignmentWithoutARebalance() throws {
        var h = GroupHarness()
        let (leader, _) = h.stableSingleMember()
        let followerToken = h.join(GroupHarness.joinRequest(instanceId: "pod-1"))
        _ = h.join(GroupHarness.joinRequest(memberId: leader))
        let follower = try #require(h.joins[followerToken])
        _ = h.sync(memberId: follower.memberId, generationId: 2)
        _ = h.sync(memberId: leader, generationId: 2, assignments: [leader: [0], follower.memberId: [1]])
        let recordsBefore = h.records.count

        let restarted = try #require(h.joins[h.join(GroupHarness.joinRequest(instanceId: "pod-1"))])
        #expect(restarted.error == nil)
        #expect(restarted.memberId != follower.memberId)
        #expect(restarted.generationId == 2, "no new generation")
        #expect(h.state == .stable)
        #expect(h.records.count == recordsBefore + 1, "the new member id is made durable")
        let sync = h.sync(memberId: restarted.memberId, generationId: 2)
        #expect(h.syncs[sync]?.assignment == [1])
        #expect(h.heartbeat(leader, generationId: 2) == nil, "the leader is not disturbed")
        let fenced = h.coordinator.heartbeat(
            groupId: GroupHarness.groupId, memberId: follower.memberId, groupInstanceId: "pod-1", generationId: 2, nowMs: h.nowMs)
        #expect(fenced == .fencedInstanceId)
    }

    @Test func aRestartedStaticMemberFencesItsOldMemberId() throws {
        var h = GroupHarness()
        let old = try #require(h.joins[h.join(GroupHarness.joinRequest(instanceId: "pod-0"))])
        _ = h.sync(memberId: old.memberId, generationId: old.generationId, assignments: [old.memberId: [1]])
        let restarted = try #require(h.joins[h.join(GroupHarness.joinRequest(instanceId: "pod-0"))])
        #expect(restarted.memberId != old.memberId)
        #expect(restarted.leaderId == restarted.memberId)
        let fenced = h.coordinator.heartbeat(
            groupId: GroupHarness.groupId, memberId: old.memberId, groupInstanceId: "pod-0",
            generationId: restarted.generationId, nowMs: h.nowMs)
        #expect(fenced == .fencedInstanceId)
        let left = h.coordinator.leave(
            groupId: GroupHarness.groupId, members: [MemberIdentity(memberId: "", groupInstanceId: "pod-0")], nowMs: h.nowMs)
        #expect(left.results.map(\.error) == [nil])
    }
}
