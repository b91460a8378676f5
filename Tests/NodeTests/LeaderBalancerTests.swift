import ClusterMetadata
import Raft
import Testing
@testable import Node

@Suite struct LeaderBalancerTests {
    static let local = NodeID(1)
    static let policy = LeaderBalancer.Policy(checkIntervalRounds: 10, cooldownRounds: 50, transfersPerCheckMax: 2)

    static func led(
        _ group: UInt64, term: UInt64 = 3, preferred: UInt64 = 2, last: UInt64 = 100, match: UInt64? = 100, voter: Bool = true
    ) -> LeaderBalancer.LedGroup {
        LeaderBalancer.LedGroup(
            group: RaftGroupID(group), term: Term(term), preferred: NodeID(preferred), preferredIsVoter: voter,
            lastIndex: LogIndex(last), preferredMatch: match.map { LogIndex($0) })
    }

    /// A balancer that has seen `up` and groups 1 to 9 led here in term 3 since round 0.
    static func balancer(up: Set<NodeID> = [NodeID(2), NodeID(3)]) -> LeaderBalancer {
        var balancer = LeaderBalancer(policy: policy)
        balancer.observe(up: up, round: 0)
        balancer.observe(led: (1...9).map { led($0) }, round: 0)
        return balancer
    }

    @Test func aGroupGoesBackToItsCaughtUpPreferredReplicaOnceItsNodeWasUpForTheCooldown() {
        let balancer = Self.balancer()
        #expect(balancer.transfers(among: [Self.led(7)], local: Self.local, round: 40).isEmpty, "up for 40 of 50 rounds")
        #expect(balancer.transfers(among: [Self.led(7)], local: Self.local, round: 50)
            == [.init(group: RaftGroupID(7), target: NodeID(2))])
    }

    @Test func aGroupLedHereForLessThanTheCooldownStaysSoAHandOffFromAStoppingNodeDoesNotComeBack() {
        var balancer = Self.balancer()
        balancer.observe(led: [Self.led(7, term: 4)], round: 60)
        #expect(balancer.transfers(among: [Self.led(7, term: 4)], local: Self.local, round: 100).isEmpty, "led for 40 of 50 rounds")
        balancer.observe(led: [Self.led(7, term: 4)], round: 110)
        #expect(balancer.transfers(among: [Self.led(7, term: 4)], local: Self.local, round: 110).count == 1)
        #expect(balancer.ledSince.keys.sorted() == [RaftGroupID(7)], "groups no longer led are forgotten")
    }

    @Test func groupsThisNodeIsPreferredForOrWhosePreferredReplicaIsNoVoterStay() {
        let balancer = Self.balancer()
        let led = [Self.led(1, preferred: 1), Self.led(2, voter: false)]
        #expect(balancer.transfers(among: led, local: Self.local, round: 100).isEmpty)
    }

    @Test func aPreferredReplicaTrailingPastTheLagBoundOrOfUnknownMatchIsNotHandedLeadership() {
        let balancer = Self.balancer()
        let bound = LeaderBalancer.Policy.catchUpLagIndexesMax
        let led = [
            Self.led(1, last: 1_000, match: 1_000 - bound - 1), Self.led(2, match: nil),
            Self.led(3, last: 1_000, match: 1_000 - bound),
        ]
        #expect(balancer.transfers(among: led, local: Self.local, round: 100).map(\.group) == [RaftGroupID(3)])
    }

    @Test func aNodeThatWentDownStartsItsCooldownAgainSoAFlappingNodeGetsNothing() {
        var balancer = Self.balancer()
        balancer.observe(up: [NodeID(3)], round: 60)
        #expect(balancer.transfers(among: [Self.led(7)], local: Self.local, round: 70).isEmpty, "node 2 is down")
        balancer.observe(up: [NodeID(2), NodeID(3)], round: 80)
        #expect(balancer.transfers(among: [Self.led(7)], local: Self.local, round: 120).isEmpty, "back for 40 of 50 rounds")
        #expect(balancer.transfers(among: [Self.led(7)], local: Self.local, round: 130).count == 1)
    }

    @Test func aTriedGroupIsNotTriedAgainWithinTheCooldownSoAFailedTransferDoesNotRepeatAtOnce() {
        var balancer = Self.balancer()
        let tried = balancer.transfers(among: [Self.led(7)], local: Self.local, round: 50)
        balancer.record(tried, round: 50)
        #expect(balancer.transfers(among: [Self.led(7), Self.led(8)], local: Self.local, round: 90).map(\.group) == [RaftGroupID(8)])
        balancer.record([], round: 100)
        #expect(balancer.transfers(among: [Self.led(7)], local: Self.local, round: 100).count == 1)
        #expect(balancer.triedRound.isEmpty, "tries older than a cool-down are forgotten")
    }

    @Test func oneCheckStartsAtMostItsBoundLowestGroupsFirst() {
        let balancer = Self.balancer()
        let led = [Self.led(9, preferred: 3), Self.led(4), Self.led(6, preferred: 3), Self.led(5)]
        #expect(balancer.transfers(among: led, local: Self.local, round: 100)
            == [.init(group: RaftGroupID(4), target: NodeID(2)), .init(group: RaftGroupID(5), target: NodeID(2))])
    }

    @Test func checksRunEveryIntervalOfRounds() {
        let balancer = Self.balancer()
        #expect((1...30).filter { balancer.isCheckRound(UInt64($0)) } == [10, 20, 30])
    }
}
