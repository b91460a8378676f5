/// Where one partition lives: its Raft group and the nodes that hold its replicas.
public struct PartitionAssignment: Hashable, Sendable {
    /// The partition's index within its topic (Kafka's `int32` partition).
    public var partition: Int32
    /// The partition's Raft group, unique in the cluster.
    public var groupID: RaftGroupID
    /// The group's voters now, in preference order: the first is the preferred leader.
    /// Invariant: no node appears twice.
    public var replicas: [BrokerID]
    /// Where the replicas are moving, while a reassignment is in progress; nil otherwise.
    ///
    /// The node layer drives the move as Raft membership changes (add the new replicas, let
    /// them catch up, then remove the old ones) and reports the end with `completeReassignment`,
    /// after which `replicas` becomes this list.
    public var targetReplicas: [BrokerID]?

    /// Creates an assignment.
    public init(partition: Int32, groupID: RaftGroupID, replicas: [BrokerID], targetReplicas: [BrokerID]? = nil) {
        self.partition = partition
        self.groupID = groupID
        self.replicas = replicas
        self.targetReplicas = targetReplicas
    }

    /// Makes `list` the replica list the partition heads to: a mere reordering of the current
    /// replicas changes the preferred leader in place; anything else becomes the target.
    mutating func retarget(to list: [BrokerID]) {
        if Set(list) == Set(replicas) {
            replicas = list
            targetReplicas = nil
        } else {
            targetReplicas = list
        }
    }

    /// The replica list the partition is heading to: the target while moving, else the replicas.
    public var intendedReplicas: [BrokerID] { targetReplicas ?? replicas }

    /// Every node that must host the group now: the current replicas, then the ones being added.
    public var hostingNodes: [BrokerID] { replicas + addingReplicas }

    /// Nodes in the target that are not replicas yet (Kafka's `addingReplicas`).
    public var addingReplicas: [BrokerID] {
        (targetReplicas ?? []).filter { !replicas.contains($0) }
    }

    /// Replicas that the target leaves out (Kafka's `removingReplicas`).
    public var removingReplicas: [BrokerID] {
        guard let target = targetReplicas else { return [] }
        return replicas.filter { !target.contains($0) }
    }
}

/// A topic and the assignment of each of its partitions.
public struct Topic: Hashable, Sendable {
    /// The topic's name (Kafka's rules, see ``TopicName``).
    public var name: String
    /// The topic's id, fixed at creation.
    public var id: TopicID
    /// Replicas per partition.
    public var replicationFactor: Int16
    /// Config overrides.
    public var configs: TopicConfigs
    /// The partitions, indexed by partition number. Invariant: `partitions[i].partition == i`.
    public var partitions: [PartitionAssignment]

    /// Creates a topic.
    public init(name: String, id: TopicID, replicationFactor: Int16, configs: TopicConfigs, partitions: [PartitionAssignment]) {
        self.name = name
        self.id = id
        self.replicationFactor = replicationFactor
        self.configs = configs
        self.partitions = partitions
    }

    /// The number of partitions.
    public var partitionCount: Int32 { Int32(partitions.count) }
}
