/// A partition Raft group that a node must host, with what the node needs to create it.
public struct HostedGroup: Hashable, Sendable {
    /// The group.
    public var groupID: RaftGroupID
    /// The topic's id.
    public var topicID: TopicID
    /// The topic's name (the partition's folder is `<topic>-<partition>`).
    public var topicName: String
    /// The partition's index.
    public var partition: Int32
    /// The group's current voters, preferred leader first.
    public var replicas: [BrokerID]
    /// Where the group is moving, if a reassignment is in progress.
    public var targetReplicas: [BrokerID]?

    /// Creates a description of a hosted group.
    public init(groupID: RaftGroupID, topicID: TopicID, topicName: String, partition: Int32, replicas: [BrokerID], targetReplicas: [BrokerID]?) {
        self.groupID = groupID
        self.topicID = topicID
        self.topicName = topicName
        self.partition = partition
        self.replicas = replicas
        self.targetReplicas = targetReplicas
    }
}

/// What a node must change so that the groups it hosts match the metadata.
public struct GroupReconciliation: Hashable, Sendable {
    /// Groups the metadata assigns to the node that it does not host yet, by group id.
    public var toCreate: [HostedGroup]
    /// Groups the node hosts that the metadata no longer assigns to it (deleted topics,
    /// finished moves), by group id: remove them and their data.
    public var toRemove: [RaftGroupID]

    /// Whether the node already matches the metadata.
    public var isEmpty: Bool { toCreate.isEmpty && toRemove.isEmpty }
}

extension ClusterMetadataState {
    /// Every partition group `node` must host: those where it is a replica, or is being added.
    /// - Returns: the groups in group-id order.
    public func groupsFor(node: BrokerID) -> [HostedGroup] {
        var groups: [HostedGroup] = []
        for topic in topicsInIDOrder {
            for partition in topic.partitions where partition.hostingNodes.contains(node) {
                groups.append(HostedGroup(
                    groupID: partition.groupID, topicID: topic.id, topicName: topic.name, partition: partition.partition,
                    replicas: partition.replicas, targetReplicas: partition.targetReplicas))
            }
        }
        return groups.sorted { $0.groupID < $1.groupID }
    }

    /// The difference between the groups `node` hosts and those it must host.
    /// - Parameters:
    ///   - node: the node reconciling.
    ///   - hosted: the partition groups it hosts now.
    public func reconciliation(for node: BrokerID, hosting hosted: Set<RaftGroupID>) -> GroupReconciliation {
        let wanted = groupsFor(node: node)
        let wantedIDs = Set(wanted.map(\.groupID))
        return GroupReconciliation(
            toCreate: wanted.filter { !hosted.contains($0.groupID) },
            toRemove: hosted.filter { !wantedIDs.contains($0) }.sorted())
    }

    /// Whether `group` was handed to a partition that no longer exists: its topic was deleted.
    /// Group ids are never reused, so a node may remove such a group's leftover data, found
    /// after a restart (it was down when the topic was deleted), without asking anyone.
    public func wasDeleted(_ group: RaftGroupID) -> Bool {
        guard group >= .firstPartitionGroup, group < nextGroupID else { return false }
        return !topics.contains { topic in topic.partitions.contains { $0.groupID == group } }
    }
}
