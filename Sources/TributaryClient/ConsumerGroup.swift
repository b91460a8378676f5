import KafkaProtocol

/// A member of a consumer group (the classic protocol with eager rebalancing): joins through
/// the group's coordinator, assigns partitions when it is the leader, heartbeats, commits and
/// fetches offsets, and reads its partitions through a ``Consumer``.
///
/// On a rebalance every partition is given up and the new assignment starts from the group's
/// committed offsets (else ``ConsumerOptions/autoOffsetReset``). Nothing is committed
/// automatically: call ``commit()`` after processing what ``poll()`` returned.
public actor ConsumerGroup {
    /// The group's id.
    public nonisolated let groupId: String
    /// The topics this member subscribes to.
    public nonisolated let topics: [String]
    /// The consumer reading this member's partitions.
    public nonisolated let consumer: Consumer
    /// The settings in use.
    public nonisolated let options: GroupOptions
    private let client: KafkaClient
    /// The member id the coordinator gave, empty before the first join.
    public private(set) var memberId = ""
    /// The generation joined last, or -1.
    public private(set) var generationId: Int32 = -1
    private var coordinator: BrokerAddress?
    private var needsJoin = true
    private var heartbeat: Task<Void, Never>?

    /// Makes a member; it joins on the first ``poll()``.
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` for inconsistent options or no topics.
    public init(
        client: KafkaClient, groupId: String, topics: [String], options: GroupOptions = GroupOptions(),
        consumerOptions: ConsumerOptions = ConsumerOptions()
    ) throws {
        try options.validate()
        guard !groupId.isEmpty, !topics.isEmpty else {
            throw KafkaClientError(.invalidArgument, "a group member needs a group id and at least one topic")
        }
        self.client = client
        self.groupId = groupId
        self.topics = topics
        self.options = options
        self.consumer = try Consumer(client: client, options: consumerOptions)
    }

    /// Joins (or rejoins after a rebalance) if needed, then fetches once from this member's partitions.
    /// - Throws: ``KafkaClientError`` when joining fails after the retries or the fetch fails.
    public func poll() async throws -> [ConsumerRecord] {
        if needsJoin { try await join() }
        return try await consumer.poll()
    }

    /// The partitions this member reads.
    public var assignment: [TopicPartition] {
        get async { await consumer.assignment }
    }

    // MARK: Offsets

    /// Commits the consumer's current position of every assigned partition.
    public func commit() async throws {
        var offsets: [TopicPartition: Int64] = [:]
        for partition in await consumer.assignment {
            if let position = await consumer.position(of: partition) { offsets[partition] = position }
        }
        try await commit(offsets)
    }

    /// Commits `offsets` (each the offset of the next record to read) for this group.
    /// - Throws: ``KafkaClientError`` with the first partition's error (REBALANCE_IN_PROGRESS,
    ///   ILLEGAL_GENERATION: the partitions may belong to another member now).
    public func commit(_ offsets: [TopicPartition: Int64]) async throws {
        guard !offsets.isEmpty else { return }
        let byTopic = Dictionary(grouping: offsets, by: \.key.topic)
        let request = OffsetCommitRequest(
            groupId: groupId, generationIdOrMemberEpoch: generationId, memberId: memberId,
            topics: byTopic.sorted { $0.key < $1.key }.map { topic, entries in
                .init(name: topic, partitions: entries.sorted { $0.key.partition < $1.key.partition }.map {
                    .init(partitionIndex: $0.key.partition, committedOffset: $0.value, committedMetadata: "")
                })
            })
        let response = try await coordinatorRequest("OffsetCommit") { try await $0.send(request) }
        for topic in response.topics {
            for partition in topic.partitions where partition.errorCode != 0 {
                let code = ErrorCode(rawValue: partition.errorCode)
                if code == .rebalanceInProgress || code == .illegalGeneration || code == .unknownMemberId { needsJoin = true }
                throw KafkaClientError(.broker(code), "commit \(topic.name)-\(partition.partitionIndex) for group \(groupId): \(code)")
            }
        }
    }

    /// The group's committed offsets for `partitions`; partitions without one are left out.
    public func committedOffsets(for partitions: [TopicPartition]) async throws -> [TopicPartition: Int64] {
        let byTopic = Dictionary(grouping: partitions, by: \.topic)
        let request = OffsetFetchRequest(groupId: groupId, topics: byTopic.sorted { $0.key < $1.key }.map {
            .init(name: $0.key, partitionIndexes: $0.value.map(\.partition).sorted())
        })
        let response = try await coordinatorRequest("OffsetFetch") { try await $0.send(request) }
        let code = ErrorCode(rawValue: response.errorCode)
        guard code == .noError else { throw KafkaClientError(.broker(code), "OffsetFetch for group \(groupId): \(code)") }
        var offsets: [TopicPartition: Int64] = [:]
        for topic in response.topics {
            for partition in topic.partitions where partition.errorCode == 0 && partition.committedOffset >= 0 {
                offsets[TopicPartition(topic.name, partition.partitionIndex)] = partition.committedOffset
            }
        }
        return offsets
    }

    // MARK: Membership

    /// Leaves the group so that the others take over this member's partitions at once.
    public func leave() async throws {
        heartbeat?.cancel()
        heartbeat = nil
        guard !memberId.isEmpty else { return }
        let request = LeaveGroupRequest(groupId: groupId, memberId: memberId, members: [.init(memberId: memberId)])
        let response = try await coordinatorRequest("LeaveGroup") { try await $0.send(request) }
        memberId = ""
        generationId = -1
        needsJoin = true
        await consumer.assign([])
        let code = ErrorCode(rawValue: response.errorCode)
        guard code == .noError || code == .unknownMemberId else {
            throw KafkaClientError(.broker(code), "LeaveGroup \(groupId): \(code)")
        }
    }

    private func join() async throws {
        heartbeat?.cancel()
        heartbeat = nil
        var failures = 0
        while true {
            do {
                let assigned = try await joinAndSync()
                try await start(assigned)
                return
            } catch let error as KafkaClientError where Self.rejoins(error) && failures + 1 < client.options.attemptCountMax {
                failures += 1
                if error.errorCode == .unknownMemberId { memberId = "" }
                if error.errorCode == .notCoordinator || error.errorCode == .coordinatorNotAvailable || error.isRetriable {
                    coordinator = nil
                }
                if error.errorCode != .memberIdRequired {
                    try await Task.sleep(for: client.options.backoff(afterFailures: failures))
                }
            }
        }
    }

    private static func rejoins(_ error: KafkaClientError) -> Bool {
        guard let code = error.errorCode else { return error.isRetriable }
        return [.memberIdRequired, .unknownMemberId, .rebalanceInProgress, .illegalGeneration].contains(code)
            || code.isRetriableForClients
    }

    /// One JoinGroup and SyncGroup round; returns this member's partitions.
    private func joinAndSync() async throws -> [TopicPartition] {
        let subscription = ConsumerProtocolSubscription(topics: topics).versionPrefixedBytes(version: 0)
        let joinRequest = JoinGroupRequest(
            groupId: groupId, sessionTimeoutMs: options.sessionTimeout.int32Milliseconds,
            rebalanceTimeoutMs: options.rebalanceTimeout.int32Milliseconds, memberId: memberId, protocolType: "consumer",
            protocols: options.assignors.map { .init(name: $0.protocolName, metadata: subscription) })
        // The coordinator answers a join once every member has rejoined, up to the rebalance timeout.
        let joinTimeout = options.rebalanceTimeout + client.options.connection.requestTimeout
        let joined = try await coordinatorRequest("JoinGroup") { try await $0.send(joinRequest, timeout: joinTimeout) }
        let joinCode = ErrorCode(rawValue: joined.errorCode)
        if joinCode == .memberIdRequired { memberId = joined.memberId }
        guard joinCode == .noError else { throw KafkaClientError(.broker(joinCode), "JoinGroup \(groupId): \(joinCode)") }
        memberId = joined.memberId
        generationId = joined.generationId
        let assignments = joined.leader == memberId ? try await assign(joined) : []
        let syncRequest = SyncGroupRequest(
            groupId: groupId, generationId: generationId, memberId: memberId, protocolType: "consumer",
            protocolName: joined.protocolName, assignments: assignments)
        let synced = try await coordinatorRequest("SyncGroup") { try await $0.send(syncRequest) }
        let syncCode = ErrorCode(rawValue: synced.errorCode)
        guard syncCode == .noError else { throw KafkaClientError(.broker(syncCode), "SyncGroup \(groupId): \(syncCode)") }
        guard !synced.assignment.isEmpty else { return [] }
        let assignment: ConsumerProtocolAssignment
        do {
            assignment = try ConsumerProtocolAssignment(versionPrefixed: synced.assignment)
        } catch {
            throw KafkaClientError(.malformedResponse, "SyncGroup \(groupId): assignment: \(error.message)")
        }
        return assignment.assignedPartitions.flatMap { topic in topic.partitions.map { TopicPartition(topic.topic, $0) } }
    }

    /// The leader's job: run the chosen assignor over every member's subscription.
    private func assign(_ joined: JoinGroupResponse) async throws -> [SyncGroupRequest.SyncGroupRequestAssignment] {
        guard let assignor = PartitionAssignor(rawValue: joined.protocolName ?? "") else {
            throw KafkaClientError(.broker(.inconsistentGroupProtocol), "group \(groupId) chose unknown assignor \(joined.protocolName ?? "none")")
        }
        var subscriptions: [String: Set<String>] = [:]
        for member in joined.members {
            do {
                subscriptions[member.memberId] = Set(try ConsumerProtocolSubscription(versionPrefixed: member.metadata).topics)
            } catch {
                throw KafkaClientError(.malformedResponse, "member \(member.memberId)'s subscription: \(error.message)")
            }
        }
        var partitionCounts: [String: Int] = [:]
        for topic in Set(subscriptions.values.flatMap { $0 }).sorted() {
            if let info = try? await client.topic(topic) { partitionCounts[topic] = info.partitions.count }
        }
        let assignment = assignor.assign(subscriptions: subscriptions, partitionCounts: partitionCounts)
        return assignment.sorted { $0.key < $1.key }.map { member, partitions in
            let byTopic = Dictionary(grouping: partitions, by: \.topic)
            let payload = ConsumerProtocolAssignment(assignedPartitions: byTopic.sorted { $0.key < $1.key }.map {
                .init(topic: $0.key, partitions: $0.value.map(\.partition))
            })
            return .init(memberId: member, assignment: payload.versionPrefixedBytes(version: 0))
        }
    }

    /// Takes up an assignment: positions from the committed offsets, then heartbeats.
    private func start(_ assigned: [TopicPartition]) async throws {
        await consumer.assign([])
        await consumer.assign(assigned)
        let committed = assigned.isEmpty ? [:] : try await committedOffsets(for: assigned)
        for (partition, offset) in committed { try await consumer.seek(partition, to: .offset(offset)) }
        needsJoin = false
        let interval = options.heartbeatInterval
        heartbeat = Task { [weak self] in
            while !Task.isCancelled {
                try? await Task.sleep(for: interval)
                guard let self, !Task.isCancelled, await self.beat() else { return }
            }
        }
    }

    /// Sends one heartbeat; returns false once the member must rejoin.
    private func beat() async -> Bool {
        let request = HeartbeatRequest(groupId: groupId, generationId: generationId, memberId: memberId)
        let response: HeartbeatResponse
        do {
            response = try await coordinatorRequest("Heartbeat") { try await $0.send(request) }
        } catch let error as KafkaClientError where error.kind == .closed {
            return false
        } catch {
            return true  // a lost connection is retried on the next beat; the session timeout decides
        }
        switch ErrorCode(rawValue: response.errorCode) {
        case .noError:
            return true
        case .unknownMemberId:
            memberId = ""
        case .notCoordinator, .coordinatorNotAvailable:
            coordinator = nil
        default:
            break
        }
        needsJoin = true
        return false
    }

    // MARK: Coordinator

    private func coordinatorRequest<Response: Sendable>(
        _ what: String, _ body: @Sendable (BrokerConnection) async throws -> Response
    ) async throws -> Response {
        let address = try await coordinatorAddress()
        do {
            return try await body(try await client.connection(to: address))
        } catch let error as KafkaClientError where error.isRetriable {
            coordinator = nil
            throw error
        }
    }

    private func coordinatorAddress() async throws -> BrokerAddress {
        if let coordinator { return coordinator }
        let found = try await client.findCoordinator(group: groupId)
        coordinator = found
        return found
    }
}
