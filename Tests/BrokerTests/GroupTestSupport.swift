@testable import Broker

/// A coordinator plus the bookkeeping a test needs: tokens, and the responses delivered so far.
struct GroupHarness {
    var coordinator = GroupCoordinator(limits: .testMin, memberIdSalt: "t1")
    var nowMs: Int64 = 1_000
    var joins: [RequestToken: JoinResponse] = [:]
    var syncs: [RequestToken: SyncResponse] = [:]
    var records: [GroupRecord] = []
    private var nextToken: UInt64 = 0

    static let groupId = "g"
    static let sessionTimeoutMs: Int32 = 1_000
    static let rebalanceTimeoutMs: Int32 = 5_000

    mutating func absorb(_ effects: GroupEffects) {
        for pending in effects.responses {
            switch pending.response {
            case .join(let response):
                precondition(joins[pending.token] == nil, "token \(pending.token) answered twice")
                joins[pending.token] = response
            case .sync(let response):
                precondition(syncs[pending.token] == nil, "token \(pending.token) answered twice")
                syncs[pending.token] = response
            }
        }
        records += effects.records
        coordinator.checkInvariants()
    }

    mutating func token() -> RequestToken {
        nextToken += 1
        return RequestToken(nextToken)
    }

    static func joinRequest(
        memberId: String = "", instanceId: String? = nil, protocols: [String] = ["range"], requireKnownMemberId: Bool = false
    ) -> JoinRequest {
        JoinRequest(
            groupId: groupId, memberId: memberId, groupInstanceId: instanceId, clientId: "client", clientHost: "/127.0.0.1",
            sessionTimeoutMs: sessionTimeoutMs, rebalanceTimeoutMs: rebalanceTimeoutMs, protocolType: "consumer",
            protocols: protocols.map { GroupProtocol(name: $0, metadata: Array("sub-\($0)".utf8)) },
            requireKnownMemberId: requireKnownMemberId)
    }

    /// Sends a JoinGroup; returns its token (the answer may come later).
    mutating func join(_ request: JoinRequest) -> RequestToken {
        let token = token()
        absorb(coordinator.join(request, token: token, nowMs: nowMs))
        return token
    }

    mutating func sync(memberId: String, generationId: Int32, assignments: [String: [UInt8]] = [:]) -> RequestToken {
        let token = token()
        let request = SyncRequest(
            groupId: Self.groupId, generationId: generationId, memberId: memberId, assignments: assignments)
        absorb(coordinator.sync(request, token: token, nowMs: nowMs))
        return token
    }

    mutating func heartbeat(_ memberId: String, generationId: Int32) -> GroupError? {
        coordinator.heartbeat(groupId: Self.groupId, memberId: memberId, generationId: generationId, nowMs: nowMs)
    }

    mutating func leave(_ memberIds: [String]) -> [LeaveResult] {
        let outcome = coordinator.leave(groupId: Self.groupId, members: memberIds.map { MemberIdentity(memberId: $0) }, nowMs: nowMs)
        absorb(outcome.effects)
        return outcome.results
    }

    mutating func advance(byMs delta: Int64) {
        nowMs += delta
        absorb(coordinator.tick(nowMs: nowMs))
    }

    mutating func commit(
        memberId: String = "", generationId: Int32 = -1, _ offsets: [String: Int64]
    ) -> OffsetCommitOutcome {
        let entries = offsets.keys.sorted().map {
            CommitOffsetsRequest.Entry(partition: TopicPartition(topic: $0, partition: 0), offset: offsets[$0]!)
        }
        let outcome = coordinator.commitOffsets(
            CommitOffsetsRequest(groupId: Self.groupId, generationId: generationId, memberId: memberId, offsets: entries),
            nowMs: nowMs)
        absorb(outcome.effects)
        return outcome
    }

    var state: GroupState { coordinator.describeGroup(Self.groupId).state }

    /// Joins a brand-new member alone into an Empty group and completes its generation as leader.
    mutating func stableSingleMember(assignment: [UInt8] = [1]) -> (memberId: String, generationId: Int32) {
        let joined = joins[join(Self.joinRequest())]!
        _ = sync(memberId: joined.memberId, generationId: joined.generationId, assignments: [joined.memberId: assignment])
        return (joined.memberId, joined.generationId)
    }
}
