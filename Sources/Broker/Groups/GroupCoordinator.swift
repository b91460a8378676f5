/// The classic-protocol group coordinator for the groups one offsets partition owns: a pure
/// state machine. Time is the caller's `nowMs` on every call; nothing here reads a clock,
/// blocks or does I/O.
///
/// JoinGroup and SyncGroup long-poll: their answers come back in `GroupEffects.responses`, keyed
/// by the caller's `RequestToken`, from the same call or a later one (another member's request,
/// or `tick`). Durable state changes come back as `GroupEffects.records`; see `GroupEffects`
/// for the order in which the caller must act on them.
public struct GroupCoordinator: Sendable {
    /// The bounds in force.
    public let limits: GroupLimits
    private var groups: [String: ClassicGroup] = [:]
    /// When `tick` must next look at each group: no later than the group's earliest deadline.
    /// Heartbeats and commits only push deadlines later and leave it alone; joins, syncs,
    /// leaves and replay may add earlier ones and ask for a look at the next tick. So a tick
    /// costs a pass over this table plus the groups that are due, not a pass over every member.
    private var checkAtMs: [String: Int64] = [:]
    private var memberIds: MemberIdGenerator

    /// Creates an empty coordinator.
    /// - Parameters:
    ///   - limits: must pass `validate()`.
    ///   - memberIdSalt: 1-32 bytes, different for every coordinator incarnation (e.g. node id
    ///     and Raft term of the offsets partition), so member ids are never reissued.
    public init(limits: GroupLimits, memberIdSalt: String) {
        do { try limits.validate() } catch { preconditionFailure("invalid GroupLimits: \(error)") }
        self.limits = limits
        self.memberIds = MemberIdGenerator(salt: memberIdSalt)
    }

    /// The number of groups held.
    public var groupCount: Int { groups.count }

    /// JoinGroup. The answer is in the returned (or a later call's) effects under `token`.
    public mutating func join(_ request: JoinRequest, token: RequestToken, nowMs: Int64) -> GroupEffects {
        var effects = GroupEffects()
        if let error = admissionError(request) {
            effects.respond(token, JoinResponse.failure(error, memberId: request.memberId))
            return effects
        }
        if groups[request.groupId] == nil {
            guard request.memberId.isEmpty else {
                effects.respond(token, JoinResponse.failure(.unknownMemberId, memberId: request.memberId))
                return effects
            }
            guard groups.count < limits.groupCountMax else {
                effects.respond(token, JoinResponse.failure(.coordinatorNotAvailable, memberId: ""))
                return effects
            }
            setGroup(request.groupId, ClassicGroup(groupId: request.groupId))
        }
        groups[request.groupId]!.join(
            request, token: token, nowMs: nowMs, limits: limits, memberIds: &memberIds, effects: &effects)
        checkAtNextTick(request.groupId, nowMs: nowMs)
        forgetIfUnused(request.groupId, effects: &effects)
        return effects
    }

    /// SyncGroup. The answer is in the returned (or a later call's) effects under `token`.
    public mutating func sync(_ request: SyncRequest, token: RequestToken, nowMs: Int64) -> GroupEffects {
        var effects = GroupEffects()
        guard groups[request.groupId] != nil else {
            effects.respond(token, SyncResponse.failure(.unknownMemberId))
            return effects
        }
        groups[request.groupId]!.sync(request, token: token, nowMs: nowMs, limits: limits, effects: &effects)
        checkAtNextTick(request.groupId, nowMs: nowMs)
        return effects
    }

    /// Heartbeat.
    /// - Returns: nil when the member is current and the group settled; `rebalanceInProgress`
    ///   tells it to rejoin; other errors that it is no longer a member of this generation.
    public mutating func heartbeat(
        groupId: String, memberId: String, groupInstanceId: String? = nil, generationId: Int32, nowMs: Int64
    ) -> GroupError? {
        guard groups[groupId] != nil else { return .unknownMemberId }
        return groups[groupId]!.heartbeat(
            memberId: memberId, groupInstanceId: groupInstanceId, generationId: generationId, nowMs: nowMs)
    }

    /// LeaveGroup for one or several members (by member id, or by instance id for static members).
    /// - Returns: one result per member, in request order, and the effects (parked requests of
    ///   the remaining members may complete).
    public mutating func leave(groupId: String, members: [MemberIdentity], nowMs: Int64) -> LeaveOutcome {
        var effects = GroupEffects()
        guard groups[groupId] != nil else {
            return LeaveOutcome(results: members.map { LeaveResult(member: $0, error: .unknownMemberId) }, effects: effects)
        }
        let results = groups[groupId]!.leave(members, nowMs: nowMs, effects: &effects)
        checkAtNextTick(groupId, nowMs: nowMs)
        forgetIfUnused(groupId, effects: &effects)
        return LeaveOutcome(results: results, effects: effects)
    }

    /// Expires sessions, unused pending member ids and rebalance phases past their deadline.
    public mutating func tick(nowMs: Int64) -> GroupEffects {
        var effects = GroupEffects()
        let due = checkAtMs.compactMap { $0.value <= nowMs ? $0.key : nil }.sorted()
        for groupId in due {
            groups[groupId]!.expire(nowMs: nowMs, effects: &effects)
            forgetIfUnused(groupId, effects: &effects)
            if let group = groups[groupId] { checkAtMs[groupId] = group.earliestDeadlineMs }
        }
        return effects
    }

    /// DeleteGroups for one group: only an Empty group can be deleted; its offsets go with it.
    /// - Returns: the tombstones to append, or why the group cannot be deleted.
    public mutating func deleteGroup(_ groupId: String) -> Result<GroupEffects, GroupError> {
        guard var group = groups[groupId] else { return .failure(.groupIdNotFound) }
        guard group.state == .empty else { return .failure(.nonEmptyGroup) }
        var effects = GroupEffects()
        for partition in group.offsets.keys.sorted() {
            effects.records.append(.offsetDeletion(groupId: groupId, partition: partition))
        }
        effects.records.append(.groupDeletion(groupId: groupId))
        group.markDead()
        setGroup(groupId, nil)
        return .success(effects)
    }

    /// Every group with its protocol type and state, by group id (ListGroups).
    public func listGroups() -> [GroupListing] {
        groups.values.map { GroupListing(groupId: $0.groupId, protocolType: $0.protocolType, state: $0.state) }
            .sorted { $0.groupId < $1.groupId }
    }

    /// One group as DescribeGroups shows it; a group this coordinator does not hold is Dead.
    public func describeGroup(_ groupId: String) -> GroupDescription {
        guard let group = groups[groupId] else {
            return GroupDescription(
                groupId: groupId, state: .dead, generationId: -1, protocolType: nil, protocolName: nil, leaderId: nil,
                members: [])
        }
        return GroupDescription(
            groupId: groupId, state: group.state, generationId: group.generationId, protocolType: group.protocolType,
            protocolName: group.protocolName, leaderId: group.leaderId, members: group.orderedMembers)
    }

    /// Every parked JoinGroup and SyncGroup. When the node stops being the coordinator it
    /// drops this value and answers these itself (Kafka's NOT_COORDINATOR).
    public var parkedRequests: [RequestToken] {
        groups.values.flatMap { group in group.members.values.flatMap { [$0.pendingJoin, $0.pendingSync].compactMap { $0 } } }
    }

    /// Traps if any group breaks an invariant (see `ClassicGroup`); for tests and simulators.
    public func checkInvariants() {
        for (groupId, group) in groups {
            precondition(group.groupId == groupId, "group \(group.groupId) filed under \(groupId)")
            group.checkInvariants()
            if let deadline = group.earliestDeadlineMs {
                precondition(checkAtMs[groupId].map { $0 <= deadline } == true, "\(groupId): tick would miss a deadline")
            }
        }
    }

    // MARK: Internals shared with the offsets and replay extensions

    func group(_ groupId: String) -> ClassicGroup? { groups[groupId] }

    mutating func withGroup<T>(_ groupId: String, _ body: (inout ClassicGroup) -> T) -> T {
        precondition(groups[groupId] != nil, "no group \(groupId)")
        return body(&groups[groupId]!)
    }

    /// Creates an Empty group if there is room.
    mutating func createGroup(_ groupId: String) -> Bool {
        guard groups.count < limits.groupCountMax else { return false }
        setGroup(groupId, ClassicGroup(groupId: groupId))
        return true
    }

    /// Installs, replaces or (nil) drops a group; an installed group is looked at by the next tick.
    mutating func setGroup(_ groupId: String, _ group: ClassicGroup?) {
        groups[groupId] = group
        checkAtMs[groupId] = group == nil ? nil : Int64.min
    }

    private mutating func checkAtNextTick(_ groupId: String, nowMs: Int64) {
        guard groups[groupId] != nil else { return }
        checkAtMs[groupId] = min(checkAtMs[groupId] ?? nowMs, nowMs)
    }

    /// Drops a group that holds nothing, with a tombstone if a snapshot of it was ever written.
    mutating func forgetIfUnused(_ groupId: String, effects: inout GroupEffects) {
        guard let group = groups[groupId], group.isUnused else { return }
        if group.hasStoredMetadata { effects.records.append(.groupDeletion(groupId: groupId)) }
        setGroup(groupId, nil)
    }

    private func admissionError(_ request: JoinRequest) -> GroupError? {
        let identifierMax = limits.identifierBytesMax
        if request.groupId.isEmpty || request.groupId.utf8.count > identifierMax { return .invalidGroupId }
        if request.sessionTimeoutMs < limits.sessionTimeoutMsMin || request.sessionTimeoutMs > limits.sessionTimeoutMsMax {
            return .invalidSessionTimeout
        }
        if request.protocolType.isEmpty || request.protocols.isEmpty { return .inconsistentGroupProtocol }
        let identifiers = [request.memberId, request.groupInstanceId ?? "", request.clientId, request.clientHost, request.protocolType]
            + request.protocols.map(\.name)
        if identifiers.contains(where: { $0.utf8.count > identifierMax }) { return .invalidRequest }
        if request.protocols.count > limits.protocolsPerMemberMax || request.rebalanceTimeoutMs < 0 { return .invalidRequest }
        if request.protocols.reduce(0, { $0 + $1.metadata.count }) > limits.memberMetadataBytesMax { return .invalidRequest }
        return nil
    }
}

/// The answer to a LeaveGroup.
public struct LeaveOutcome: Sendable, Equatable {
    /// One per member named, in request order.
    public var results: [LeaveResult]
    /// Responses to other members' parked requests, and records.
    public var effects: GroupEffects
}

/// A group as ListGroups shows it.
public struct GroupListing: Sendable, Equatable {
    /// The group id.
    public var groupId: String
    /// E.g. "consumer"; nil for a group that only has offsets.
    public var protocolType: String?
    /// The group's state.
    public var state: GroupState
}

/// A group as DescribeGroups shows it.
public struct GroupDescription: Sendable, Equatable {
    /// The group id.
    public var groupId: String
    /// The group's state (Dead when the coordinator does not hold it).
    public var state: GroupState
    /// The current generation; -1 when Dead.
    public var generationId: Int32
    /// E.g. "consumer".
    public var protocolType: String?
    /// The selected protocol (Kafka's DescribeGroups reports it as protocolData).
    public var protocolName: String?
    /// The leader's member id.
    public var leaderId: String?
    /// Members in join order; `GroupMember.metadata(for:)` gives the selected protocol's metadata.
    public var members: [GroupMember]
}
