import Broker
import ClusterMetadata
import KafkaProtocol
import Raft
import Storage

/// Consumer groups (the classic protocol): a group's coordinator is the leader of the
/// `__consumer_offsets` partition its id hashes to, and its state and committed offsets are
/// records in that Raft-replicated partition, so they survive the coordinator's crash: the next
/// leader rebuilds the coordinator from the log.
extension KafkaBroker {
    /// The internal topic holding group state and committed offsets.
    static let offsetsTopic = "__consumer_offsets"
    /// Whether `topic` is internal: listed as such in Metadata, never trimmed by retention,
    /// refused by DeleteRecords (its group offsets would vanish, and it is not compacted).
    static func isInternal(_ topic: String) -> Bool { topic == offsetsTopic }
    /// Partitions of the offsets topic when this node creates it.
    static let offsetsTopicPartitionCount: Int32 = 3

    // MARK: - Finding the coordinator

    func findCoordinator(_ request: FindCoordinatorRequest, version: Int16) -> FindCoordinatorResponse {
        let keys = version >= 4 ? request.coordinatorKeys : [request.key]
        let coordinators = keys.map { key -> FindCoordinatorResponse.Coordinator in
            var answer = FindCoordinatorResponse.Coordinator(key: key, nodeId: -1, host: "", port: -1)
            guard request.keyType == 0 else {
                answer.errorCode = ErrorCode.invalidRequest.rawValue
                answer.errorMessage = "transactions are not supported"
                return answer
            }
            guard let group = offsetsGroup(for: key) else {
                answer.errorCode = ErrorCode.coordinatorNotAvailable.rawValue
                answer.errorMessage = "the offsets topic is being created"
                return answer
            }
            guard let leader = node.leaders.leader(of: group),
                  let registered = node.applier.state.node(BrokerID(Int32(leader.rawValue))),
                  let address = HostPort(parsing: registered.addresses.client) else {
                answer.errorCode = ErrorCode.coordinatorNotAvailable.rawValue
                answer.errorMessage = "the group's offsets partition has no leader yet"
                return answer
            }
            answer.nodeId = registered.id.rawValue
            answer.host = address.host
            answer.port = Int32(address.port)
            return answer
        }
        guard version < 4, let only = coordinators.first else { return FindCoordinatorResponse(coordinators: coordinators) }
        return FindCoordinatorResponse(
            errorCode: only.errorCode, errorMessage: only.errorMessage, nodeId: only.nodeId, host: only.host, port: only.port)
    }

    /// The Raft group of the offsets partition `groupId` belongs to; nil (and the topic is
    /// created) when the offsets topic does not exist yet.
    private func offsetsGroup(for groupId: String) -> RaftGroupID? {
        guard let topic = node.applier.state.topic(named: Self.offsetsTopic) else {
            createOffsetsTopic()
            return nil
        }
        // FNV-1a: the same partition on every node (Swift's Hasher is seeded per process).
        var hash: UInt32 = 2_166_136_261
        for byte in groupId.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return topic.partitions[Int(hash % UInt32(topic.partitionCount))].groupID
    }

    private func createOffsetsTopic() {
        guard !isCreatingOffsetsTopic else { return }
        isCreatingOffsetsTopic = true
        let alive = node.applier.state.nodes.filter { $0.isAlive && $0.state == .active }.count
        submitCreateTopic(
            name: Self.offsetsTopic, partitions: Self.offsetsTopicPartitionCount, replicationFactor: Int16(min(3, max(1, alive))),
            configs: TopicConfigs()
        ) { [weak self] result in
            self?.isCreatingOffsetsTopic = false
            if case .failure(let failure) = result, case .rejected(let code, _) = failure, code == ErrorCode.topicAlreadyExists.rawValue { return }
            if case .failure(let failure) = result { self?.logger.warning("creating \(Self.offsetsTopic) failed: \(failure)") }
        }
    }

    /// The coordinator of `groupId` on this node, (re)built from the log in a new term, or the
    /// error that sends the client to find the coordinator again.
    private func coordinator(for groupId: String) -> Result<HostedCoordinator, ErrorCode> {
        guard let group = offsetsGroup(for: groupId) else { return .failure(.coordinatorNotAvailable) }
        guard case .success(let status) = ledStatus(group) else { return .failure(.notCoordinator) }
        if let hosted = coordinators[group], hosted.term == status.term {
            return hosted.hasRoom ? .success(hosted) : .failure(.coordinatorLoadInProgress)
        }
        retire(group)
        var core = GroupCoordinator(limits: .production, memberIdSalt: "n\(node.config.nodeID)t\(status.term.rawValue)")
        do {
            core.replay(try groupRecords(of: group, status: status), nowMs: Self.wallClockMs)
        } catch {
            logger.error("cannot rebuild the coordinator of \(group) from its log: \(error)")
            return .failure(.coordinatorNotAvailable)
        }
        let hosted = HostedCoordinator(group: group, term: status.term, core: core)
        coordinators[group] = hosted
        return .success(hosted)
    }

    /// Every group record stored in the offsets partition `group`, in log order.
    private func groupRecords(of group: RaftGroupID, status: GroupStatus) throws -> [GroupRecord] {
        var records: [GroupRecord] = []
        try forEachDataBatch(of: group, status: status) { batch in
            for record in try batch.records() {
                do { records.append(try GroupRecord(key: record.key ?? [], value: record.value)) } catch {
                    logger.warning("skipping an undecodable group record in \(group) at \(batch.baseOffset): \(error)")
                }
            }
        }
        return records
    }

    /// This node no longer coordinates `group`'s groups (or starts anew in a later term): held
    /// JoinGroup and SyncGroup calls are told to find the coordinator again.
    func retire(_ group: RaftGroupID) {
        guard let hosted = coordinators.removeValue(forKey: group) else { return }
        for call in hosted.takeAllParked() { Self.answer(call, error: .notCoordinator) }
    }

    /// Retires the coordinator of a group whose leadership or term changed here.
    func retireCoordinator(ifChanged status: GroupStatus) {
        guard let hosted = coordinators[status.group] else { return }
        if status.role != .leader || status.term != hosted.term { retire(status.group) }
    }

    /// Expires sessions and rebalance deadlines of every coordinator (housekeeping).
    func tickGroups() {
        for hosted in Array(coordinators.values) {
            perform(hosted.core.tick(nowMs: Self.wallClockMs), on: hosted) { _ in }
        }
    }

    /// Makes `effects` durable, then sends its responses and runs `then` (nil: success; an
    /// error code when the records could not be committed).
    private func perform(_ effects: GroupEffects, on hosted: HostedCoordinator, then: @escaping (ErrorCode?) -> Void) {
        let respond = { [weak hosted] (error: ErrorCode?) in
            guard let hosted else { return then(error ?? .notCoordinator) }
            for pending in effects.responses {
                guard let call = hosted.unpark(pending.token) else { continue }
                if let error {
                    Self.answer(call, error: error)
                } else {
                    Self.answer(call, with: pending.response)
                }
            }
            then(error)
        }
        guard !effects.records.isEmpty else {
            _ = hosted.enqueue(ready: true) { respond(nil) }
            return
        }
        var outcome: ErrorCode?
        let delivery = hosted.enqueue(ready: false) { respond(outcome) }
        let now = Self.wallClockMs
        let batch = RecordBatchBuilder.batch(effects.records.map { NewRecord(key: $0.key, value: $0.value, timestamp: now) })
        node.host?.propose(batch, to: hosted.group) { [weak self, weak hosted] result in
            if case .failure(let failure) = result {
                self?.logger.info("group records not committed in \(hosted?.group.description ?? "?"): \(failure)")
                outcome = .notCoordinator
            }
            delivery.isReady = true
            hosted?.flush()
            // The core already moved on past records that did not commit: start over from the log.
            if outcome != nil, let hosted { self?.retire(hosted.group) }
        }
    }

    // MARK: - Requests

    func joinGroup(_ request: JoinGroupRequest, clientId: String, clientHost: String, respond: Responder) {
        let hosted: HostedCoordinator
        switch coordinator(for: request.groupId) {
        case .success(let found): hosted = found
        case .failure(let code): return respond(JoinGroupResponse(errorCode: code.rawValue, generationId: -1, memberId: request.memberId))
        }
        let token = hosted.park(.join(respond))
        let join = JoinRequest(
            groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
            clientId: clientId, clientHost: clientHost, sessionTimeoutMs: request.sessionTimeoutMs,
            rebalanceTimeoutMs: request.rebalanceTimeoutMs >= 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
            protocolType: request.protocolType, protocols: request.protocols.map { GroupProtocol(name: $0.name, metadata: $0.metadata) },
            requireKnownMemberId: respond.version >= 4)
        perform(hosted.core.join(join, token: token, nowMs: Self.wallClockMs), on: hosted) { _ in }
    }

    func syncGroup(_ request: SyncGroupRequest, respond: Responder) {
        let hosted: HostedCoordinator
        switch coordinator(for: request.groupId) {
        case .success(let found): hosted = found
        case .failure(let code): return respond(SyncGroupResponse(errorCode: code.rawValue))
        }
        let token = hosted.park(.sync(respond))
        var assignments: [String: [UInt8]] = [:]
        for assignment in request.assignments { assignments[assignment.memberId] = assignment.assignment }
        let sync = SyncRequest(
            groupId: request.groupId, generationId: request.generationId, memberId: request.memberId,
            groupInstanceId: request.groupInstanceId, protocolType: request.protocolType, protocolName: request.protocolName,
            assignments: assignments)
        perform(hosted.core.sync(sync, token: token, nowMs: Self.wallClockMs), on: hosted) { _ in }
    }

    func heartbeat(_ request: HeartbeatRequest) -> HeartbeatResponse {
        switch coordinator(for: request.groupId) {
        case .failure(let code): return HeartbeatResponse(errorCode: code.rawValue)
        case .success(let hosted):
            let error = hosted.core.heartbeat(
                groupId: request.groupId, memberId: request.memberId, groupInstanceId: request.groupInstanceId,
                generationId: request.generationId, nowMs: Self.wallClockMs)
            return HeartbeatResponse(errorCode: error?.kafkaErrorCode ?? 0)
        }
    }

    func leaveGroup(_ request: LeaveGroupRequest, respond: Responder) {
        let members = respond.version >= 3
            ? request.members.map { Broker.MemberIdentity(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId) }
            : [Broker.MemberIdentity(memberId: request.memberId)]
        let hosted: HostedCoordinator
        switch coordinator(for: request.groupId) {
        case .success(let found): hosted = found
        case .failure(let code): return respond(LeaveGroupResponse(errorCode: code.rawValue))
        }
        let outcome = hosted.core.leave(groupId: request.groupId, members: members, nowMs: Self.wallClockMs)
        perform(outcome.effects, on: hosted) { error in
            if let error { return respond(LeaveGroupResponse(errorCode: error.rawValue)) }
            let results = outcome.results.map {
                LeaveGroupResponse.MemberResponse(
                    memberId: $0.member.memberId, groupInstanceId: $0.member.groupInstanceId, errorCode: $0.error?.kafkaErrorCode ?? 0)
            }
            let top = respond.version >= 3 ? 0 : (results.first?.errorCode ?? 0)
            respond(LeaveGroupResponse(errorCode: top, members: respond.version >= 3 ? results : []))
        }
    }

    func offsetCommit(_ request: OffsetCommitRequest, respond: Responder) {
        let failAll = { (code: ErrorCode) in
            respond(OffsetCommitResponse(topics: request.topics.map { topic in
                .init(name: topic.name, partitions: topic.partitions.map { .init(partitionIndex: $0.partitionIndex, errorCode: code.rawValue) })
            }))
        }
        let hosted: HostedCoordinator
        switch coordinator(for: request.groupId) {
        case .success(let found): hosted = found
        case .failure(let code): return failAll(code)
        }
        let entries = request.topics.flatMap { topic in
            topic.partitions.map {
                CommitOffsetsRequest.Entry(
                    partition: TopicPartition(topic: topic.name, partition: $0.partitionIndex), offset: $0.committedOffset,
                    leaderEpoch: $0.committedLeaderEpoch, metadata: $0.committedMetadata)
            }
        }
        let outcome = hosted.core.commitOffsets(
            CommitOffsetsRequest(
                groupId: request.groupId, generationId: request.generationIdOrMemberEpoch, memberId: request.memberId,
                groupInstanceId: request.groupInstanceId, offsets: entries),
            nowMs: Self.wallClockMs)
        perform(outcome.effects, on: hosted) { error in
            if let error { return failAll(error) }
            var errors: [TopicPartition: Int16] = [:]
            for result in outcome.results { errors[result.partition] = result.error?.kafkaErrorCode ?? 0 }
            respond(OffsetCommitResponse(topics: request.topics.map { topic in
                .init(name: topic.name, partitions: topic.partitions.map {
                    .init(partitionIndex: $0.partitionIndex, errorCode: errors[TopicPartition(topic: topic.name, partition: $0.partitionIndex)] ?? 0)
                })
            }))
        }
    }

    func offsetFetch(_ request: OffsetFetchRequest, version: Int16) -> OffsetFetchResponse {
        guard version >= 8 else {
            let wanted = request.topics.map { $0.map { (name: $0.name, partitions: $0.partitionIndexes) } }
            let (code, topics) = fetchOffsets(groupId: request.groupId, wanted: wanted)
            return OffsetFetchResponse(
                topics: topics.map { topic in
                    .init(name: topic.name, partitions: topic.partitions.map {
                        .init(partitionIndex: $0.partitionIndex, committedOffset: $0.committedOffset, committedLeaderEpoch: $0.committedLeaderEpoch,
                              metadata: $0.metadata, errorCode: $0.errorCode)
                    })
                },
                errorCode: code.rawValue)
        }
        return OffsetFetchResponse(groups: request.groups.map { group in
            let wanted = group.topics.map { $0.map { (name: $0.name, partitions: $0.partitionIndexes) } }
            let (code, topics) = fetchOffsets(groupId: group.groupId, wanted: wanted)
            return .init(groupId: group.groupId, topics: topics, errorCode: code.rawValue)
        })
    }

    /// A group's committed offsets for `wanted` (nil: all it has), in the v8+ shape.
    private func fetchOffsets(
        groupId: String, wanted: [(name: String, partitions: [Int32])]?
    ) -> (ErrorCode, [OffsetFetchResponse.OffsetFetchResponseTopics]) {
        let hosted: HostedCoordinator
        switch coordinator(for: groupId) {
        case .success(let found): hosted = found
        case .failure(let code):
            return (code, (wanted ?? []).map { topic in
                .init(name: topic.name, partitions: topic.partitions.map {
                    .init(partitionIndex: $0, committedOffset: -1, committedLeaderEpoch: -1, errorCode: code.rawValue)
                })
            })
        }
        let partitions = wanted?.flatMap { topic in topic.partitions.map { TopicPartition(topic: topic.name, partition: $0) } }
        let fetched = hosted.core.fetchOffsets(groupId: groupId, partitions: partitions)
        var byTopic: [String: [OffsetFetchResponse.OffsetFetchResponsePartitions]] = [:]
        var order: [String] = []
        for entry in fetched {
            if byTopic[entry.partition.topic] == nil { order.append(entry.partition.topic) }
            byTopic[entry.partition.topic, default: []].append(.init(
                partitionIndex: entry.partition.partition, committedOffset: entry.committed?.offset ?? -1,
                committedLeaderEpoch: entry.committed?.leaderEpoch ?? -1, metadata: entry.committed?.metadata ?? ""))
        }
        return (.noError, order.map { .init(name: $0, partitions: byTopic[$0]!) })
    }

    func listGroups(_ request: ListGroupsRequest) -> ListGroupsResponse {
        var listed: [ListGroupsResponse.ListedGroup] = []
        for (group, hosted) in coordinators.sorted(by: { $0.key < $1.key }) {
            guard case .success(let status) = ledStatus(group), status.term == hosted.term else { continue }
            for listing in hosted.core.listGroups()
            where request.statesFilter.isEmpty || request.statesFilter.contains(where: { $0.caseInsensitiveCompare(listing.state.kafkaName) == .orderedSame }) {
                listed.append(.init(groupId: listing.groupId, protocolType: listing.protocolType ?? "", groupState: listing.state.kafkaName, groupType: "classic"))
            }
        }
        return ListGroupsResponse(groups: listed)
    }

    func describeGroups(_ request: DescribeGroupsRequest) -> DescribeGroupsResponse {
        DescribeGroupsResponse(groups: request.groups.map { groupId in
            switch coordinator(for: groupId) {
            case .failure(let code):
                return .init(errorCode: code.rawValue, groupId: groupId, groupState: "", protocolType: "", protocolData: "", members: [])
            case .success(let hosted):
                let described = hosted.core.describeGroup(groupId)
                return .init(
                    groupId: groupId, groupState: described.state.kafkaName, protocolType: described.protocolType ?? "",
                    protocolData: described.protocolName ?? "",
                    members: described.members.map { member in
                        .init(
                            memberId: member.memberId, groupInstanceId: member.groupInstanceId, clientId: member.clientId,
                            clientHost: member.clientHost, memberMetadata: member.metadata(for: described.protocolName ?? ""),
                            memberAssignment: member.assignment ?? [])
                    })
            }
        })
    }

    // MARK: - Answers

    private static func answer(_ call: HostedCoordinator.ParkedCall, error: ErrorCode) {
        switch call {
        case .join(let respond): respond(JoinGroupResponse(errorCode: error.rawValue, generationId: -1))
        case .sync(let respond): respond(SyncGroupResponse(errorCode: error.rawValue))
        }
    }

    private static func answer(_ call: HostedCoordinator.ParkedCall, with response: PendingResponse.Response) {
        switch (call, response) {
        case (.join(let respond), .join(let join)):
            respond(JoinGroupResponse(
                errorCode: join.error?.kafkaErrorCode ?? 0, generationId: join.generationId, protocolType: join.protocolType,
                protocolName: join.protocolName, leader: join.leaderId, memberId: join.memberId,
                members: join.members.map { .init(memberId: $0.memberId, groupInstanceId: $0.groupInstanceId, metadata: $0.metadata) }))
        case (.sync(let respond), .sync(let sync)):
            respond(SyncGroupResponse(
                errorCode: sync.error?.kafkaErrorCode ?? 0, protocolType: sync.protocolType, protocolName: sync.protocolName,
                assignment: sync.assignment))
        case (.join, .sync), (.sync, .join):
            preconditionFailure("the coordinator answered \(response) to the other kind of call")
        }
    }
}
