extension ClusterMetadataState {
    /// Applies one committed command.
    ///
    /// A rejected command changes nothing (not even ``version``); every replica rejects it
    /// alike, so the result can be handed to whoever proposed it.
    /// - Returns: success, or why the command was rejected.
    @discardableResult
    public mutating func apply(_ command: MetadataCommand) -> Result<Void, MetadataError> {
        do throws(MetadataError) {
            // Unreachable by counting, but a snapshot could carry any value: fail, never trap.
            guard version < UInt64.max else { throw MetadataError(.invalidRequest, "the metadata version is exhausted") }
            try dispatch(command)
        } catch {
            return .failure(error)
        }
        version += 1
        return .success(())
    }

    /// Each handler validates everything before it changes anything, so a throw leaves the
    /// state as it was.
    private mutating func dispatch(_ command: MetadataCommand) throws(MetadataError) {
        switch command {
        case let .registerNode(id, addresses, rack): try registerNode(id, addresses, rack)
        case let .markNodeAlive(id): try setLiveness(of: id, alive: true)
        case let .markNodeDown(id): try setLiveness(of: id, alive: false)
        case let .createTopic(name, id, count, factor, configs): try createTopic(name, id, count, factor, configs)
        case let .createPartitions(topic, totalCount): try createPartitions(topic, totalCount)
        case let .deleteTopic(id): try deleteTopic(id)
        case let .alterTopicConfigs(topic, update): try alterTopicConfigs(topic, update)
        case let .decommissionNode(id): try decommissionNode(id)
        case let .completeReassignment(topic, partition, replicas): try completeReassignment(topic, partition, replicas)
        case .rebalancePreferredLeaders: rebalancePreferredLeaders()
        case let .allocateProducerIDs(node): try allocateProducerIDs(to: node)
        }
    }

    private mutating func registerNode(_ id: BrokerID, _ addresses: NodeAddresses, _ rack: String?) throws(MetadataError) {
        guard id.rawValue >= 0 else { throw MetadataError(.invalidRequest, "node id \(id.rawValue) is negative") }
        for (what, label) in [("peer", addresses.peer), ("client", addresses.client), ("admin", addresses.admin)] {
            try Self.validateLabel(label, what: "\(what) address")
        }
        if let rack { try Self.validateLabel(rack, what: "rack") }
        if let existing = nodesByID[id] {
            guard existing.state != .removed else {
                throw MetadataError(.invalidRequest, "node \(id) was removed from the cluster; its id cannot be reused")
            }
        } else if nodesByID.count >= MetadataLimits.nodeCountMax {
            throw MetadataError(.invalidRequest, "the cluster already has \(MetadataLimits.nodeCountMax) nodes")
        }
        let state = nodesByID[id]?.state ?? .active
        nodesByID[id] = RegisteredNode(id: id, addresses: addresses, rack: rack, state: state, isAlive: true)
    }

    private mutating func setLiveness(of id: BrokerID, alive: Bool) throws(MetadataError) {
        let node = try registeredNode(id)
        guard node.state != .removed else { throw MetadataError(.invalidRequest, "node \(id) was removed from the cluster") }
        nodesByID[id]!.isAlive = alive
    }

    private mutating func createTopic(
        _ name: String, _ id: TopicID, _ partitionCount: Int32, _ replicationFactor: Int16, _ configs: TopicConfigs
    ) throws(MetadataError) {
        try TopicName.validate(name)
        if topicIDsByName[name] != nil { throw MetadataError(.topicAlreadyExists, "topic \"\(name)\" already exists") }
        if let other = topicNamesByCollisionKey[TopicName.collisionKey(name)] {
            throw MetadataError(.invalidTopicName, "topic \"\(name)\" collides with existing topic \"\(other)\" ('.' and '_' are equivalent)")
        }
        guard !id.isReserved else { throw MetadataError(.invalidRequest, "topic id \(id) is reserved") }
        if let other = topicsByID[id] { throw MetadataError(.topicAlreadyExists, "topic id \(id) is already used by \"\(other.name)\"") }
        guard topicsByID.count < MetadataLimits.topicCountMax else {
            throw MetadataError(.invalidRequest, "the cluster already has \(MetadataLimits.topicCountMax) topics")
        }
        guard (1...MetadataLimits.partitionCountMax).contains(partitionCount) else {
            throw MetadataError(.invalidPartitions, "partition count \(partitionCount) must be in 1...\(MetadataLimits.partitionCountMax)")
        }
        try validateReplicationFactor(replicationFactor)
        try configs.validate()
        try validateGroupsLeft(for: partitionCount)

        var placer = ReplicaPlacer(candidates: placementCandidates, topics: topicsInIDOrder)
        placer.focus(on: id, partitions: [])
        var lists = (0..<partitionCount).map { placer.place(partition: $0, count: Int(replicationFactor)) }
        placer.evenLeaders(&lists)
        let partitions = lists.indices.map { newPartition(Int32($0), replicas: lists[$0]) }
        topicsByID[id] = Topic(name: name, id: id, replicationFactor: replicationFactor, configs: configs, partitions: partitions)
        topicIDsByName[name] = id
        topicNamesByCollisionKey[TopicName.collisionKey(name)] = name
    }

    private mutating func createPartitions(_ id: TopicID, _ totalCount: Int32) throws(MetadataError) {
        let topic = try existingTopic(id)
        guard totalCount > topic.partitionCount else {
            throw MetadataError(.invalidPartitions, "topic \"\(topic.name)\" has \(topic.partitionCount) partitions; the new count \(totalCount) must be larger")
        }
        guard totalCount <= MetadataLimits.partitionCountMax else {
            throw MetadataError(.invalidPartitions, "partition count \(totalCount) exceeds \(MetadataLimits.partitionCountMax)")
        }
        try validateReplicationFactor(topic.replicationFactor)
        try validateGroupsLeft(for: totalCount - topic.partitionCount)
        var placer = ReplicaPlacer(candidates: placementCandidates, topics: topicsInIDOrder)
        placer.focus(on: id, partitions: topic.partitions)
        var lists = topic.partitions.map(\.intendedReplicas)
        for index in topic.partitionCount..<totalCount {
            lists.append(placer.place(partition: index, count: Int(topic.replicationFactor)))
        }
        // Evening out leaders may reorder existing partitions too: a preferred-leader change
        // moves no data.
        placer.evenLeaders(&lists)
        for p in topic.partitions.indices { topicsByID[id]!.partitions[p].retarget(to: lists[p]) }
        for index in topic.partitions.count..<lists.count {
            topicsByID[id]!.partitions.append(newPartition(Int32(index), replicas: lists[index]))
        }
    }

    private mutating func deleteTopic(_ id: TopicID) throws(MetadataError) {
        let topic = try existingTopic(id)
        topicsByID[id] = nil
        topicIDsByName[topic.name] = nil
        topicNamesByCollisionKey[TopicName.collisionKey(topic.name)] = nil
        retireDrainedNodes()
    }

    private mutating func alterTopicConfigs(_ id: TopicID, _ update: TopicConfigUpdate) throws(MetadataError) {
        let topic = try existingTopic(id)
        topicsByID[id]!.configs = try update.applied(to: topic.configs)
    }

    /// A new partition with the next group id.
    private mutating func newPartition(_ index: Int32, replicas: [BrokerID]) -> PartitionAssignment {
        let group = nextGroupID
        nextGroupID = RaftGroupID(group.rawValue + 1)
        return PartitionAssignment(partition: index, groupID: group, replicas: replicas)
    }

    func registeredNode(_ id: BrokerID) throws(MetadataError) -> RegisteredNode {
        guard let node = nodesByID[id] else { throw MetadataError(.unknownNode, "node \(id) is not registered") }
        return node
    }

    func existingTopic(_ id: TopicID) throws(MetadataError) -> Topic {
        guard let topic = topicsByID[id] else { throw MetadataError(.unknownTopic, "no topic has id \(id)") }
        return topic
    }

    private func validateReplicationFactor(_ factor: Int16) throws(MetadataError) {
        guard (1...MetadataLimits.replicationFactorMax).contains(factor) else {
            throw MetadataError(.invalidReplicationFactor, "replication factor \(factor) must be in 1...\(MetadataLimits.replicationFactorMax)")
        }
        let available = placementCandidates.count
        guard Int(factor) <= available else {
            throw MetadataError(.invalidReplicationFactor, "replication factor \(factor) is larger than the \(available) active and alive nodes")
        }
    }

    private func validateGroupsLeft(for partitionCount: Int32) throws(MetadataError) {
        guard UInt64.max - nextGroupID.rawValue >= UInt64(partitionCount) else {
            throw MetadataError(.invalidRequest, "Raft group ids are exhausted")
        }
    }

    private static func validateLabel(_ label: String, what: String) throws(MetadataError) {
        let count = label.utf8.count
        guard count > 0 && count <= MetadataLimits.labelBytesMax else {
            throw MetadataError(.invalidRequest, "\(what) has \(count) bytes; must be 1...\(MetadataLimits.labelBytesMax)")
        }
    }
}
