// The classic protocol's requests on one group. Request fields have already been checked
// against `GroupLimits` by the coordinator.

extension ClassicGroup {
    /// JoinGroup; every answer (now or later) goes to `effects` under `token`.
    mutating func join(
        _ request: JoinRequest, token: RequestToken, nowMs: Int64, limits: GroupLimits,
        memberIds: inout MemberIdGenerator, effects: inout GroupEffects
    ) {
        if state == .dead {
            return effects.respond(token, JoinResponse.failure(.coordinatorNotAvailable, memberId: request.memberId))
        }
        if !supports(request) {
            return effects.respond(token, JoinResponse.failure(.inconsistentGroupProtocol, memberId: request.memberId))
        }
        if request.memberId.isEmpty {
            joinNewMember(request, token: token, nowMs: nowMs, limits: limits, memberIds: &memberIds, effects: &effects)
        } else {
            joinKnownMember(request, token: token, nowMs: nowMs, limits: limits, effects: &effects)
        }
    }

    /// Kafka's rule: an empty group takes any protocol type; otherwise the type must match and
    /// the member must support a protocol every current member supports.
    private func supports(_ request: JoinRequest) -> Bool {
        guard !members.isEmpty else { return true }
        guard request.protocolType == protocolType else { return false }
        return request.protocols.contains { isSupportedByAll($0.name) }
    }

    private mutating func joinNewMember(
        _ request: JoinRequest, token: RequestToken, nowMs: Int64, limits: GroupLimits,
        memberIds: inout MemberIdGenerator, effects: inout GroupEffects
    ) {
        // A static member that restarts gets a new id; the old id is fenced from now on. A
        // follower of a Stable group that still wants the same protocols keeps its assignment
        // without a rebalance (the point of static membership); anything else rebalances.
        if let instanceId = request.groupInstanceId, let oldMemberId = staticMemberIds[instanceId] {
            if state == .stable && oldMemberId != leaderId && members[oldMemberId]?.protocols == request.protocols {
                let memberId = memberIds.next(clientId: request.clientId)
                replaceStaticMember(oldMemberId, with: memberId, request: request, nowMs: nowMs, effects: &effects)
                return effects.respond(token, joinResponse(for: members[memberId]!))
            }
            removeMember(oldMemberId, answering: .fencedInstanceId, effects: &effects)
        }
        // The replaced static member freed its own place, so this check cannot fail after a removal.
        guard memberAndPendingCount < limits.membersPerGroupMax else {
            return effects.respond(token, JoinResponse.failure(.groupMaxSizeReached, memberId: ""))
        }
        let memberId = memberIds.next(clientId: request.clientId)
        if request.requireKnownMemberId && request.groupInstanceId == nil {
            setPendingMember(memberId, deadlineMs: nowMs + Int64(request.sessionTimeoutMs))
            return effects.respond(token, JoinResponse.failure(.memberIdRequired, memberId: memberId))
        }
        addMemberAndRebalance(
            memberId: memberId, request: request, token: token, nowMs: nowMs,
            initialDelayMs: limits.initialRebalanceDelayMs, effects: &effects)
    }

    private mutating func joinKnownMember(
        _ request: JoinRequest, token: RequestToken, nowMs: Int64, limits: GroupLimits, effects: inout GroupEffects
    ) {
        let memberId = request.memberId
        if pendingMemberDeadlinesMs[memberId] != nil {
            setPendingMember(memberId, deadlineMs: nil)
            return addMemberAndRebalance(
                memberId: memberId, request: request, token: token, nowMs: nowMs,
                initialDelayMs: limits.initialRebalanceDelayMs, effects: &effects)
        }
        if let error = identityError(memberId: memberId, groupInstanceId: request.groupInstanceId) {
            return effects.respond(token, JoinResponse.failure(error, memberId: memberId))
        }
        guard let member = members[memberId] else { preconditionFailure("identity checked") }
        let unchanged = member.protocols == request.protocols
        switch state {
        case .completingRebalance where unchanged, .stable where unchanged && memberId != leaderId:
            // A resent join (lost response): answer with the current generation, no rebalance.
            updateMember(memberId) { $0.lastHeartbeatMs = nowMs }
            effects.respond(token, joinResponse(for: member))
        case .preparingRebalance, .completingRebalance, .stable:
            if let previous = member.pendingJoin {
                effects.respond(previous, JoinResponse.failure(.rebalanceInProgress, memberId: memberId))
            }
            updateMember(memberId) {
                $0.sessionTimeoutMs = request.sessionTimeoutMs
                $0.rebalanceTimeoutMs = request.rebalanceTimeoutMs
                $0.clientId = request.clientId
                $0.clientHost = request.clientHost
            }
            setProtocols(memberId, request.protocols)
            setPendingJoin(memberId, token)
            rebalance(nowMs: nowMs, effects: &effects)
        case .empty, .dead:
            preconditionFailure("group \(groupId) has member \(memberId) in \(state)")
        }
    }

    /// UNKNOWN_MEMBER_ID or FENCED_INSTANCE_ID when the request does not name a current member.
    func identityError(memberId: String, groupInstanceId: String?) -> GroupError? {
        if let groupInstanceId {
            guard let holder = staticMemberIds[groupInstanceId] else { return .unknownMemberId }
            if holder != memberId { return .fencedInstanceId }
        }
        return members[memberId] == nil ? .unknownMemberId : nil
    }

    /// SyncGroup; the answer goes to `effects` under `token`, now or when the leader syncs.
    mutating func sync(
        _ request: SyncRequest, token: RequestToken, nowMs: Int64, limits: GroupLimits, effects: inout GroupEffects
    ) {
        if let error = syncError(request) { return effects.respond(token, SyncResponse.failure(error)) }
        guard let member = members[request.memberId] else { preconditionFailure("identity checked") }
        updateMember(member.memberId) { $0.lastHeartbeatMs = nowMs }
        switch state {
        case .stable:
            effects.respond(token, syncResponse(for: member))
        case .completingRebalance:
            if let previous = member.pendingSync { effects.respond(previous, SyncResponse.failure(.rebalanceInProgress)) }
            updateMember(member.memberId) { $0.pendingSync = token }
            guard member.memberId == leaderId else { return }
            if request.assignments.values.contains(where: { $0.count > limits.assignmentBytesMax }) {
                updateMember(member.memberId) { $0.pendingSync = nil }
                return effects.respond(token, SyncResponse.failure(.invalidRequest))
            }
            completeSyncPhase(assignments: request.assignments, nowMs: nowMs, effects: &effects)
        case .empty, .dead, .preparingRebalance:
            preconditionFailure("syncError admitted a sync in \(state)")
        }
    }

    private func syncError(_ request: SyncRequest) -> GroupError? {
        switch state {
        case .dead: return .coordinatorNotAvailable
        case .empty: return .unknownMemberId
        case .preparingRebalance, .completingRebalance, .stable: break
        }
        if let error = identityError(memberId: request.memberId, groupInstanceId: request.groupInstanceId) { return error }
        if request.generationId != generationId { return .illegalGeneration }
        if let type = request.protocolType, type != protocolType { return .inconsistentGroupProtocol }
        if let name = request.protocolName, name != protocolName { return .inconsistentGroupProtocol }
        return state == .preparingRebalance ? .rebalanceInProgress : nil
    }

    /// Heartbeat: keeps the member's session alive; nil when the member is in the current,
    /// settled generation.
    mutating func heartbeat(memberId: String, groupInstanceId: String?, generationId: Int32, nowMs: Int64) -> GroupError? {
        switch state {
        case .dead: return .coordinatorNotAvailable
        case .empty: return .unknownMemberId
        case .preparingRebalance, .completingRebalance, .stable: break
        }
        if let error = identityError(memberId: memberId, groupInstanceId: groupInstanceId) { return error }
        if generationId != self.generationId { return .illegalGeneration }
        updateMember(memberId) { $0.lastHeartbeatMs = nowMs }
        return state == .preparingRebalance ? .rebalanceInProgress : nil
    }

    /// LeaveGroup for several members at once; the others rebalance once.
    mutating func leave(_ leaving: [MemberIdentity], nowMs: Int64, effects: inout GroupEffects) -> [LeaveResult] {
        var removedMember = false
        var removedPending = false
        let results = leaving.map { identity -> LeaveResult in
            let memberId = identity.memberId.isEmpty ? identity.groupInstanceId.flatMap { staticMemberIds[$0] } : identity.memberId
            guard let memberId, state != .dead else { return LeaveResult(member: identity, error: .unknownMemberId) }
            if pendingMemberDeadlinesMs[memberId] != nil {
                setPendingMember(memberId, deadlineMs: nil)
                removedPending = true
                return LeaveResult(member: identity, error: nil)
            }
            if let error = identityError(memberId: memberId, groupInstanceId: identity.groupInstanceId) {
                return LeaveResult(member: identity, error: error)
            }
            removeMember(memberId, answering: .unknownMemberId, effects: &effects)
            removedMember = true
            return LeaveResult(member: identity, error: nil)
        }
        if removedMember {
            membersLeft(nowMs: nowMs, effects: &effects)
        } else if removedPending && state == .preparingRebalance {
            rebalance(nowMs: nowMs, effects: &effects)
        }
        return results
    }

    /// Why an OffsetCommit may not change this group's offsets, if it may not (Kafka's
    /// validateOffsetCommit): a commit from outside the group (generation -1) is accepted while
    /// the group is Empty; otherwise it must come from a member naming the current generation.
    func commitError(generationId: Int32, memberId: String, groupInstanceId: String?) -> GroupError? {
        if state == .dead { return .coordinatorNotAvailable }
        if generationId < 0 && state == .empty { return nil }
        guard generationId >= 0 || !memberId.isEmpty || groupInstanceId != nil else { return .unknownMemberId }
        if let error = identityError(memberId: memberId, groupInstanceId: groupInstanceId) { return error }
        if generationId != self.generationId { return .illegalGeneration }
        return state == .completingRebalance ? .rebalanceInProgress : nil
    }

    /// A member's accepted commit counts as a heartbeat (as in Kafka).
    mutating func noteCommit(memberId: String, nowMs: Int64) {
        guard members[memberId] != nil else { return }
        updateMember(memberId) { $0.lastHeartbeatMs = nowMs }
    }

    /// Expires members whose session ran out, pending member ids never used, and phases whose
    /// deadline passed.
    mutating func expire(nowMs: Int64, effects: inout GroupEffects) {
        let expiredPending = pendingMemberDeadlinesMs.filter { nowMs >= $0.value }.keys
        for memberId in expiredPending { setPendingMember(memberId, deadlineMs: nil) }
        let expired = orderedMembers.filter { $0.sessionExpired(nowMs: nowMs) }
        for member in expired { removeMember(member.memberId, answering: .unknownMemberId, effects: &effects) }
        if !expired.isEmpty {
            membersLeft(nowMs: nowMs, effects: &effects)
        } else if !expiredPending.isEmpty && state == .preparingRebalance {
            rebalance(nowMs: nowMs, effects: &effects)
        }
        if state == .preparingRebalance, let notBefore = joinPhaseNotBeforeMs, nowMs >= notBefore {
            endInitialDelay()
            rebalance(nowMs: nowMs, effects: &effects)  // completes if everyone has joined meanwhile
        }
        guard let deadline = phaseDeadlineMs, nowMs >= deadline else { return }
        switch state {
        case .preparingRebalance:
            completeJoinPhase(nowMs: nowMs, effects: &effects)
        case .completingRebalance:
            // Members that never sent SyncGroup (the leader among them, or the group would be
            // Stable) are dropped, and the rest rebalance without them.
            for member in orderedMembers where member.pendingSync == nil {
                removeMember(member.memberId, answering: .unknownMemberId, effects: &effects)
            }
            membersLeft(nowMs: nowMs, effects: &effects)
        case .empty, .stable, .dead:
            preconditionFailure("phase deadline set in \(state)")
        }
    }
}
