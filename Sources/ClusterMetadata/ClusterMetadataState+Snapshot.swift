extension ClusterMetadataState {
    /// The whole state as bytes, so the controller log's prefix can be removed.
    ///
    /// Canonical: nodes by id, topics by id. Equal states give identical bytes, which is what
    /// lets replicas compare themselves.
    public func snapshot() -> [UInt8] {
        var body = MetadataWriter()
        body.write(version)
        body.write(nextGroupID.rawValue)
        body.write(UInt32(nodesByID.count))
        for node in nodes {
            body.write(node.id.rawValue)
            body.write(node.addresses.peer)
            body.write(node.addresses.client)
            body.write(node.addresses.admin)
            body.writeOptional(node.rack) { $0.write($1) }
            body.write(node.state.rawValue)
            body.write(node.isAlive)
        }
        body.write(UInt32(topicsByID.count))
        for topic in topicsInIDOrder {
            body.write(topic.id)
            body.write(topic.name)
            body.write(topic.replicationFactor)
            body.write(topic.configs)
            body.write(UInt32(topic.partitions.count))
            for partition in topic.partitions {
                body.write(partition.groupID.rawValue)
                body.write(partition.replicas)
                body.writeOptional(partition.targetReplicas) { $0.write($1) }
            }
        }
        body.write(nextProducerID)
        body.write(UInt32(producerIDGrants.count))
        for node in producerIDGrants.keys.sorted() {
            body.write(node.rawValue)
            body.write(producerIDGrants[node]!)
        }
        precondition(!body.overflowed, "a field of the state outgrew its encoding: apply must have let an oversized value in")
        return MetadataFrame.seal(kind: MetadataFrame.snapshotKind, body: body.bytes)
    }

    /// Restores a state from ``snapshot()``'s bytes.
    ///
    /// Checks every invariant `apply` keeps (unique names, ids and groups; valid replica lists
    /// of registered nodes), so a damaged or forged snapshot is rejected rather than loaded.
    /// - Throws: `MetadataDecodingError`; never traps.
    public init(snapshot bytes: [UInt8]) throws(MetadataDecodingError) {
        var (kind, body) = try MetadataFrame.open(bytes, bodyBytesMax: Int(UInt32.max))
        guard kind == MetadataFrame.snapshotKind else { throw MetadataDecodingError("kind \(kind) is not a snapshot") }
        self.init()
        version = try body.readUInt64()
        nextGroupID = RaftGroupID(try body.readUInt64())
        guard nextGroupID >= .firstPartitionGroup else { throw MetadataDecodingError("next group id \(nextGroupID) is the controller's") }
        let nodeCount = try body.readCount(countMax: MetadataLimits.nodeCountMax, elementBytesMin: 13)
        var previousNode: BrokerID?
        for _ in 0..<nodeCount {
            let id = try restoreNode(from: &body)
            guard previousNode.map({ $0 < id }) ?? true else { throw MetadataDecodingError("node \(id) is repeated or out of order") }
            previousNode = id
        }
        let topicCount = try body.readCount(countMax: MetadataLimits.topicCountMax, elementBytesMin: 30)
        var groups = Set<RaftGroupID>()
        var previousTopic: TopicID?
        for _ in 0..<topicCount {
            let id = try restoreTopic(from: &body, groups: &groups)
            guard previousTopic.map({ $0 < id }) ?? true else { throw MetadataDecodingError("topic \(id) is repeated or out of order") }
            previousTopic = id
        }
        try restoreProducerIDGrants(from: &body)
        try body.expectEnd()
    }

    /// - Returns: the restored node's id.
    private mutating func restoreNode(from body: inout MetadataReader) throws(MetadataDecodingError) -> BrokerID {
        let labelBytesMax = MetadataLimits.labelBytesMax
        let id = BrokerID(try body.readInt32())
        guard id.rawValue >= 0 else { throw MetadataDecodingError("node id \(id.rawValue) is negative") }
        let addresses = NodeAddresses(
            peer: try body.readString(bytesMax: labelBytesMax),
            client: try body.readString(bytesMax: labelBytesMax),
            admin: try body.readString(bytesMax: labelBytesMax))
        let rack = try body.readOptional { (reader: inout MetadataReader) throws(MetadataDecodingError) in
            try reader.readString(bytesMax: labelBytesMax)
        }
        let stateByte = try body.readUInt8()
        guard let state = NodeState(rawValue: stateByte) else { throw MetadataDecodingError("node state \(stateByte)") }
        nodesByID[id] = RegisteredNode(id: id, addresses: addresses, rack: rack, state: state, isAlive: try body.readBool())
        return id
    }

    /// - Returns: the restored topic's id.
    private mutating func restoreTopic(from body: inout MetadataReader, groups: inout Set<RaftGroupID>) throws(MetadataDecodingError) -> TopicID {
        let id = try body.readTopicID()
        guard !id.isReserved else { throw MetadataDecodingError("topic id \(id) is reserved") }
        let name = try body.readString(bytesMax: MetadataLimits.topicNameBytesMax)
        do { try TopicName.validate(name) } catch { throw MetadataDecodingError("topic name: \(error.message)") }
        let collisionKey = TopicName.collisionKey(name)
        guard topicNamesByCollisionKey[collisionKey] == nil else { throw MetadataDecodingError("topic name \"\(name)\" is taken") }
        let replicationFactor = try body.readInt16()
        guard (1...MetadataLimits.replicationFactorMax).contains(replicationFactor) else {
            throw MetadataDecodingError("replication factor \(replicationFactor)")
        }
        let configs = try body.readTopicConfigs()
        do { try configs.validate() } catch { throw MetadataDecodingError("topic configs: \(error.message)") }
        let partitionCount = try body.readCount(countMax: Int(MetadataLimits.partitionCountMax), elementBytesMin: 11)
        guard partitionCount > 0 else { throw MetadataDecodingError("topic \"\(name)\" has no partition") }
        var partitions: [PartitionAssignment] = []
        partitions.reserveCapacity(partitionCount)
        for index in 0..<Int32(partitionCount) {
            let group = RaftGroupID(try body.readUInt64())
            guard group >= .firstPartitionGroup, group < nextGroupID, groups.insert(group).inserted else {
                throw MetadataDecodingError("group \(group) of \(name)-\(index) is out of range or repeated")
            }
            let replicas = try readReplicaList(from: &body, count: replicationFactor)
            let target = try body.readOptional { (reader: inout MetadataReader) throws(MetadataDecodingError) in
                try readReplicaList(from: &reader, count: replicationFactor)
            }
            partitions.append(PartitionAssignment(partition: index, groupID: group, replicas: replicas, targetReplicas: target))
        }
        topicsByID[id] = Topic(name: name, id: id, replicationFactor: replicationFactor, configs: configs, partitions: partitions)
        topicIDsByName[name] = id
        topicNamesByCollisionKey[collisionKey] = name
        return id
    }

    /// A replica list of exactly `count` distinct registered nodes.
    private func readReplicaList(from body: inout MetadataReader, count: Int16) throws(MetadataDecodingError) -> [BrokerID] {
        let replicas = try body.readBrokers(countMax: Int(MetadataLimits.replicationFactorMax))
        guard replicas.count == Int(count), Set(replicas).count == replicas.count,
              replicas.allSatisfy({ nodesByID[$0] != nil }) else {
            throw MetadataDecodingError("replica list \(replicas) is not \(count) distinct registered nodes")
        }
        return replicas
    }
}
