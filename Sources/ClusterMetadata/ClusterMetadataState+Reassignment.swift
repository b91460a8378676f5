extension ClusterMetadataState {
    /// Marks the node decommissioning and gives every partition it holds a target without it.
    ///
    /// Each of its replicas is replaced, at the same position, by the least loaded active node
    /// not already in that partition. A node that holds nothing is removed at once.
    /// - Throws: `unknownNode`; `invalidRequest` for a removed node; `invalidReplicationFactor`
    ///   when some partition would have no node left to move to. Repeating it is a no-op.
    mutating func decommissionNode(_ id: BrokerID) throws(MetadataError) {
        switch try registeredNode(id).state {
        case .removed: throw MetadataError(.invalidRequest, "node \(id) was already removed")
        case .decommissioning: return
        case .active: break
        }
        let candidates = placementCandidates.filter { $0 != id }
        var placer = ReplicaPlacer(candidates: candidates, topics: topicsInIDOrder)
        var moved: [Topic] = []
        for var topic in topicsInIDOrder where topic.partitions.contains(where: { $0.intendedReplicas.contains(id) }) {
            placer.focus(on: topic.id, partitions: topic.partitions)
            var lists = topic.partitions.map(\.intendedReplicas)
            var movableSlots: [Int?] = Array(repeating: nil, count: lists.count)
            for p in lists.indices {
                guard let slot = lists[p].firstIndex(of: id) else { continue }
                guard let replaced = placer.replace(id, in: lists[p], partition: Int32(p)) else {
                    throw MetadataError(
                        .invalidReplicationFactor,
                        "cannot decommission \(id): partition \(topic.name)-\(p) needs \(lists[p].count) replicas and only \(candidates.count) other nodes are active and alive")
                }
                lists[p] = replaced
                movableSlots[p] = slot
            }
            placer.evenReplicas(&lists, movableSlots: movableSlots)
            placer.evenLeaders(&lists)
            for p in lists.indices { topic.partitions[p].retarget(to: lists[p]) }
            moved.append(topic)
        }
        for topic in moved { topicsByID[topic.id] = topic }
        nodesByID[id]!.state = .decommissioning
        retireDrainedNodes()
    }

    /// Ends a partition's move: its replicas become its target.
    /// - Throws: `unknownTopic` for an unknown topic or partition; `noReassignmentInProgress`
    ///   when the partition is not moving to exactly `replicas` (a stale or wrong report).
    mutating func completeReassignment(_ id: TopicID, _ partition: Int32, _ replicas: [BrokerID]) throws(MetadataError) {
        let topic = try existingTopic(id)
        guard partition >= 0 && partition < topic.partitionCount else {
            throw MetadataError(.unknownTopic, "topic \"\(topic.name)\" has no partition \(partition)")
        }
        let index = Int(partition)
        guard let target = topic.partitions[index].targetReplicas, target == replicas else {
            throw MetadataError(
                .noReassignmentInProgress,
                "partition \(topic.name)-\(partition) is not moving to \(replicas) (target: \(topic.partitions[index].targetReplicas.map { "\($0)" } ?? "none"))")
        }
        topicsByID[id]!.partitions[index].replicas = target
        topicsByID[id]!.partitions[index].targetReplicas = nil
        retireDrainedNodes()
    }

    /// Reorders each partition's intended replicas so that preferred leaders spread evenly over
    /// the active, alive nodes, topic by topic. Only the order changes; no replica moves.
    mutating func rebalancePreferredLeaders() {
        var placer = ReplicaPlacer(candidates: placementCandidates, topics: topicsInIDOrder)
        for id in topicsByID.keys.sorted() {
            var topic = topicsByID[id]!
            placer.focus(on: id, partitions: topic.partitions, choosingLeadersAnew: true)
            var lists = topic.partitions.map { placer.withBalancedLeader($0.intendedReplicas, partition: $0.partition) }
            placer.evenLeaders(&lists)
            for p in lists.indices { topic.partitions[p].retarget(to: lists[p]) }
            topicsByID[id] = topic
        }
    }

    /// Decommissioning nodes that no partition needs any more become removed.
    mutating func retireDrainedNodes() {
        let draining = nodesByID.keys.sorted().filter { nodesByID[$0]!.state == .decommissioning }
        guard !draining.isEmpty else { return }
        var stillHosting = Set<BrokerID>()
        for topic in topicsByID.values {
            for partition in topic.partitions { stillHosting.formUnion(partition.hostingNodes) }
        }
        for id in draining where !stillHosting.contains(id) {
            nodesByID[id]!.state = .removed
            nodesByID[id]!.isAlive = false
        }
    }
}
