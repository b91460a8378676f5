/// One group of the classic rebalance protocol: members, generation, phase deadlines and
/// committed offsets. Its methods append the responses and records they cause to `effects`.
///
/// Invariants (checked by `checkInvariants`):
/// - `leaderId` is a member exactly when there are members (at most one leader).
/// - In Stable every member has an assignment; in Empty there are no members.
/// - Parked joins exist only in PreparingRebalance, parked syncs only in CompletingRebalance.
struct ClassicGroup: Sendable {
    let groupId: String
    private(set) var state: GroupState = .empty
    /// Only increases while the group exists.
    private(set) var generationId: Int32 = 0
    private(set) var protocolType: String?
    private(set) var protocolName: String?
    private(set) var leaderId: String?
    private(set) var members: [String: GroupMember] = [:]
    /// Ids handed out with MEMBER_ID_REQUIRED whose owner has not joined yet, with their expiry.
    private(set) var pendingMemberDeadlinesMs: [String: Int64] = [:]
    /// Static members: group instance id to the member id that currently holds it.
    private(set) var staticMemberIds: [String: String] = [:]
    /// When the current join phase (PreparingRebalance) or sync phase (CompletingRebalance) ends.
    private(set) var phaseDeadlineMs: Int64?
    /// A join phase that began in an Empty group completes no earlier than this (the initial
    /// rebalance delay), even if every member has joined.
    private(set) var joinPhaseNotBeforeMs: Int64?
    var offsets: [TopicPartition: CommittedOffset] = [:]
    /// Member ids in the order they first joined: the earliest is the preferred leader.
    private(set) var memberOrder: [String] = []
    /// Members with a parked join (Kafka's numMembersAwaitingJoinResponse): "has everyone
    /// rejoined?" is then O(1) per join instead of a pass over the members.
    private(set) var awaitingJoinCount = 0
    /// Per protocol name, how many members support it; the candidates are those all members do.
    private var protocolSupportCounts: [String: Int] = [:]

    init(groupId: String) {
        self.groupId = groupId
    }

    /// The group as a snapshot record left it: Stable with its members, or Empty. Session
    /// timers restart at `nowMs`, as Kafka does when a coordinator loads a group.
    init(loading snapshot: GroupSnapshot, offsets: [TopicPartition: CommittedOffset], nowMs: Int64) {
        self.groupId = snapshot.groupId
        self.generationId = snapshot.generationId
        self.protocolType = snapshot.protocolType
        self.offsets = offsets
        guard !snapshot.members.isEmpty, let protocolName = snapshot.protocolName else { return }
        for stored in snapshot.members {
            var member = GroupMember(
                memberId: stored.memberId, groupInstanceId: stored.groupInstanceId, clientId: stored.clientId,
                clientHost: stored.clientHost, sessionTimeoutMs: stored.sessionTimeoutMs,
                rebalanceTimeoutMs: stored.rebalanceTimeoutMs,
                protocols: [GroupProtocol(name: protocolName, metadata: stored.subscription)],
                nowMs: nowMs)
            member.assignment = stored.assignment
            insert(member, at: memberOrder.endIndex)
        }
        self.state = .stable
        self.protocolName = protocolName
        self.leaderId = snapshot.leaderId.flatMap { members[$0] == nil ? nil : $0 } ?? memberOrder.first
    }

    /// Members in the order they first joined.
    var orderedMembers: [GroupMember] {
        memberOrder.map { members[$0]! }
    }

    var memberAndPendingCount: Int { members.count + pendingMemberDeadlinesMs.count }

    /// Whether the group holds nothing worth keeping: the coordinator may forget it.
    var isUnused: Bool { state == .empty && offsets.isEmpty && pendingMemberDeadlinesMs.isEmpty }

    /// Whether a snapshot record was ever written for this group (a tombstone is then needed).
    var hasStoredMetadata: Bool { generationId > 0 }

    /// The earliest moment `expire` could change something: a phase deadline, a pending member
    /// id's expiry, or the session deadline of a member with nothing parked.
    var earliestDeadlineMs: Int64? {
        var earliest = [phaseDeadlineMs, joinPhaseNotBeforeMs].compactMap { $0 }.min()
        for deadline in pendingMemberDeadlinesMs.values { earliest = min(earliest ?? deadline, deadline) }
        for member in members.values where !member.isAwaitingResponse {
            let deadline = member.lastHeartbeatMs + Int64(member.sessionTimeoutMs)
            earliest = min(earliest ?? deadline, deadline)
        }
        return earliest
    }

    var snapshot: GroupSnapshot {
        let name = protocolName ?? ""
        return GroupSnapshot(
            groupId: groupId, protocolType: protocolType, generationId: generationId, protocolName: protocolName,
            leaderId: leaderId,
            members: orderedMembers.map {
                GroupSnapshot.Member(
                    memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, clientId: $0.clientId,
                    clientHost: $0.clientHost, sessionTimeoutMs: $0.sessionTimeoutMs,
                    rebalanceTimeoutMs: $0.rebalanceTimeoutMs, subscription: $0.metadata(for: name),
                    assignment: $0.assignment ?? [])
            })
    }

    // MARK: Membership changes shared by join, leave and expiry

    /// Adds a member that is joining now and moves the group towards a new generation.
    /// - Parameter initialDelayMs: how long a join phase begun by this member in an Empty group
    ///   (or extended by it) waits for more members.
    mutating func addMemberAndRebalance(
        memberId: String, request: JoinRequest, token: RequestToken, nowMs: Int64, initialDelayMs: Int32,
        effects: inout GroupEffects
    ) {
        precondition(members[memberId] == nil, "member \(memberId) added twice to \(groupId)")
        var member = GroupMember(
            memberId: memberId, groupInstanceId: request.groupInstanceId, clientId: request.clientId,
            clientHost: request.clientHost, sessionTimeoutMs: request.sessionTimeoutMs,
            rebalanceTimeoutMs: request.rebalanceTimeoutMs, protocols: request.protocols,
            nowMs: nowMs)
        member.pendingJoin = token
        insert(member, at: memberOrder.endIndex)
        if members.count == 1 { protocolType = request.protocolType }
        if leaderId == nil { leaderId = memberId }
        if initialDelayMs > 0 && (state == .empty || joinPhaseNotBeforeMs != nil) {
            let wanted = nowMs + Int64(initialDelayMs)
            let deadline = state == .empty ? wanted : phaseDeadlineMs ?? wanted
            joinPhaseNotBeforeMs = min(wanted, deadline)
        }
        rebalance(nowMs: nowMs, effects: &effects)
    }

    /// Removes a member, answering its parked requests with `error`. The caller then calls
    /// `membersLeft` once for all removals.
    mutating func removeMember(_ memberId: String, answering error: GroupError, effects: inout GroupEffects) {
        let member = extract(memberId).member
        if let token = member.pendingJoin { effects.respond(token, JoinResponse.failure(error, memberId: memberId)) }
        if let token = member.pendingSync { effects.respond(token, SyncResponse.failure(error)) }
        if leaderId == memberId { leaderId = memberOrder.first }
    }

    /// Gives a Stable group's static member a new member id, keeping its place and assignment;
    /// the new id is made durable like a completed rebalance.
    mutating func replaceStaticMember(
        _ oldMemberId: String, with newMemberId: String, request: JoinRequest, nowMs: Int64, effects: inout GroupEffects
    ) {
        precondition(state == .stable && oldMemberId != leaderId, "static replacement needs a Stable follower")
        let (old, position) = extract(oldMemberId)
        guard let instanceId = request.groupInstanceId, old.groupInstanceId == instanceId else {
            preconditionFailure("replacing \(oldMemberId), not the static member \(request.groupInstanceId ?? "nil")")
        }
        var member = GroupMember(
            memberId: newMemberId, groupInstanceId: instanceId, clientId: request.clientId, clientHost: request.clientHost,
            sessionTimeoutMs: request.sessionTimeoutMs, rebalanceTimeoutMs: request.rebalanceTimeoutMs,
            protocols: request.protocols, nowMs: nowMs)
        member.assignment = old.assignment
        insert(member, at: position)
        effects.records.append(.groupMetadata(snapshot))
    }

    /// After members were removed: the others must rebalance (or the join phase may now be complete).
    mutating func membersLeft(nowMs: Int64, effects: inout GroupEffects) {
        switch state {
        case .stable, .completingRebalance, .preparingRebalance: rebalance(nowMs: nowMs, effects: &effects)
        case .empty, .dead: break
        }
    }

    /// Starts a join phase unless one is running, then completes it if every member has joined.
    mutating func rebalance(nowMs: Int64, effects: inout GroupEffects) {
        precondition(state != .dead, "rebalancing dead group \(groupId)")
        if state != .preparingRebalance {
            for member in orderedMembers {
                if let token = member.pendingSync {
                    effects.respond(token, SyncResponse.failure(.rebalanceInProgress))
                    // It was alive while parked: its session restarts now, as after any answer.
                    members[member.memberId]?.lastHeartbeatMs = nowMs
                }
                members[member.memberId]?.pendingSync = nil
                members[member.memberId]?.assignment = nil
            }
            state = .preparingRebalance
            phaseDeadlineMs = nowMs + Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
        }
        let delayOver = joinPhaseNotBeforeMs.map { nowMs >= $0 } ?? true
        if awaitingJoinCount == members.count && pendingMemberDeadlinesMs.isEmpty && delayOver {
            completeJoinPhase(nowMs: nowMs, effects: &effects)
        }
    }

    /// Ends the join phase: members that did not rejoin are dropped, the generation advances,
    /// the leader gets every member's metadata and the followers their generation.
    mutating func completeJoinPhase(nowMs: Int64, effects: inout GroupEffects) {
        precondition(state == .preparingRebalance, "join phase completed in \(state)")
        for member in orderedMembers where member.pendingJoin == nil {
            removeMember(member.memberId, answering: .unknownMemberId, effects: &effects)
        }
        precondition(generationId < Int32.max, "generation of \(groupId) exhausted")
        generationId += 1
        joinPhaseNotBeforeMs = nil
        guard !members.isEmpty else {
            state = .empty
            protocolName = nil
            phaseDeadlineMs = nil
            effects.records.append(.groupMetadata(snapshot))
            return
        }
        protocolName = selectProtocol()
        state = .completingRebalance
        phaseDeadlineMs = nowMs + Int64(members.values.map(\.rebalanceTimeoutMs).max() ?? 0)
        for member in orderedMembers {
            guard let token = member.pendingJoin else { preconditionFailure("member without a parked join") }
            effects.respond(token, joinResponse(for: member))
            setPendingJoin(member.memberId, nil)
            members[member.memberId]?.lastHeartbeatMs = nowMs
        }
    }

    /// The current generation as `member` sees it; only the leader gets the member list.
    func joinResponse(for member: GroupMember) -> JoinResponse {
        guard let leaderId, let protocolName else { preconditionFailure("join response without a generation") }
        let list =
            member.memberId == leaderId
            ? orderedMembers.map {
                JoinedMember(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, metadata: $0.metadata(for: protocolName))
            } : []
        return JoinResponse(
            error: nil, generationId: generationId, protocolType: protocolType, protocolName: protocolName,
            leaderId: leaderId, memberId: member.memberId, members: list)
    }

    /// Whether every member supports the protocol `name`.
    func isSupportedByAll(_ name: String) -> Bool {
        !members.isEmpty && protocolSupportCounts[name] == members.count
    }

    /// Protocols every member supports.
    func candidateProtocols() -> Set<String> {
        Set(protocolSupportCounts.keys.filter(isSupportedByAll))
    }

    /// Each member votes for its most preferred candidate; most votes wins, ties go to the
    /// smallest name so that every replica of the coordinator picks the same.
    private func selectProtocol() -> String {
        let candidates = candidateProtocols()
        var votes: [String: Int] = [:]
        for member in members.values {
            if let choice = member.protocols.first(where: { candidates.contains($0.name) }) {
                votes[choice.name, default: 0] += 1
            }
        }
        guard let winner = votes.max(by: { ($0.value, $1.key) < ($1.value, $0.key) }) else {
            preconditionFailure("group \(groupId) has members but no common protocol")
        }
        return winner.key
    }

    /// The initial delay is over: from now on the join phase completes as soon as everyone has joined.
    mutating func endInitialDelay() {
        joinPhaseNotBeforeMs = nil
    }

    mutating func setPendingMember(_ memberId: String, deadlineMs: Int64?) {
        pendingMemberDeadlinesMs[memberId] = deadlineMs
    }

    /// Changes a member's other fields; protocols and parked joins change through
    /// `setProtocols` and `setPendingJoin`, which keep the counts above in step.
    mutating func updateMember(_ memberId: String, _ update: (inout GroupMember) -> Void) {
        guard let before = members[memberId] else { preconditionFailure("updating \(memberId), not a member") }
        update(&members[memberId]!)
        precondition(
            members[memberId]!.pendingJoin == before.pendingJoin && members[memberId]!.protocols == before.protocols,
            "updateMember changed counted fields")
    }

    mutating func setPendingJoin(_ memberId: String, _ token: RequestToken?) {
        guard let wasParked = members[memberId].map({ $0.pendingJoin != nil }) else {
            preconditionFailure("parking a join for \(memberId), not a member of \(groupId)")
        }
        awaitingJoinCount += (token == nil ? 0 : 1) - (wasParked ? 1 : 0)
        members[memberId]!.pendingJoin = token
    }

    mutating func setProtocols(_ memberId: String, _ protocols: [GroupProtocol]) {
        guard let before = members[memberId] else { preconditionFailure("setting protocols of \(memberId), not a member") }
        adjustSupport(before.protocols, by: -1)
        members[memberId]!.protocols = protocols
        adjustSupport(protocols, by: 1)
    }

    private mutating func insert(_ member: GroupMember, at position: Int) {
        precondition(members[member.memberId] == nil, "member \(member.memberId) added twice to \(groupId)")
        members[member.memberId] = member
        memberOrder.insert(member.memberId, at: position)
        adjustSupport(member.protocols, by: 1)
        if member.pendingJoin != nil { awaitingJoinCount += 1 }
        if let instanceId = member.groupInstanceId { staticMemberIds[instanceId] = member.memberId }
    }

    /// Removes a member; returns it and where it stood in the join order (linear in the
    /// group's size, which `membersPerGroupMax` bounds).
    private mutating func extract(_ memberId: String) -> (member: GroupMember, position: Int) {
        guard let member = members.removeValue(forKey: memberId), let position = memberOrder.firstIndex(of: memberId) else {
            preconditionFailure("removing \(memberId), not a member of \(groupId)")
        }
        memberOrder.remove(at: position)
        adjustSupport(member.protocols, by: -1)
        if member.pendingJoin != nil { awaitingJoinCount -= 1 }
        if let instanceId = member.groupInstanceId, staticMemberIds[instanceId] == memberId {
            staticMemberIds[instanceId] = nil
        }
        return (member, position)
    }

    /// Counts each distinct name once per member, however often the member lists it.
    private mutating func adjustSupport(_ protocols: [GroupProtocol], by delta: Int) {
        for name in Set(protocols.map(\.name)) {
            let count = protocolSupportCounts[name, default: 0] + delta
            precondition(count >= 0, "protocol support count of \(name) went negative")
            protocolSupportCounts[name] = count == 0 ? nil : count
        }
    }

    mutating func completeSyncPhase(assignments: [String: [UInt8]], nowMs: Int64, effects: inout GroupEffects) {
        precondition(state == .completingRebalance, "sync phase completed in \(state)")
        state = .stable
        phaseDeadlineMs = nil
        for memberId in members.keys {
            members[memberId]?.assignment = assignments[memberId] ?? []
        }
        effects.records.append(.groupMetadata(snapshot))
        for member in orderedMembers {
            guard let token = member.pendingSync else { continue }
            effects.respond(token, syncResponse(for: member))
            members[member.memberId]?.pendingSync = nil
            members[member.memberId]?.lastHeartbeatMs = nowMs
        }
    }

    func syncResponse(for member: GroupMember) -> SyncResponse {
        SyncResponse(error: nil, protocolType: protocolType, protocolName: protocolName, assignment: member.assignment ?? [])
    }

    /// Marks the group deleted (DeleteGroups); only an Empty group may be.
    mutating func markDead() {
        precondition(state == .empty && members.isEmpty, "deleting group \(groupId) in \(state)")
        state = .dead
    }

    /// Traps with a message naming the broken invariant.
    func checkInvariants() {
        if members.isEmpty {
            precondition(leaderId == nil, "\(groupId): leader \(leaderId ?? "") without members")
            precondition(state == .empty || state == .dead || state == .preparingRebalance, "\(groupId): \(state) without members")
        } else {
            precondition(leaderId.map { members[$0] != nil } == true, "\(groupId): leader is not a member")
            precondition(state != .empty && state != .dead, "\(groupId): members in \(state)")
        }
        for member in members.values {
            precondition(member.pendingJoin == nil || state == .preparingRebalance, "\(groupId): parked join in \(state)")
            precondition(member.pendingSync == nil || state == .completingRebalance, "\(groupId): parked sync in \(state)")
            precondition(state != .stable || member.assignment != nil, "\(groupId): Stable member without assignment")
        }
        precondition(memberOrder.count == members.count && Set(memberOrder) == Set(members.keys), "\(groupId): join order out of step")
        precondition(
            awaitingJoinCount == members.values.filter { $0.pendingJoin != nil }.count, "\(groupId): awaiting-join count off")
        for (instanceId, memberId) in staticMemberIds {
            precondition(members[memberId]?.groupInstanceId == instanceId, "\(groupId): static map out of date")
        }
    }
}
