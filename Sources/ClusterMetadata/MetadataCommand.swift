/// A change to the cluster metadata, proposed to the controller Raft group and applied, in log
/// order, by every controller replica and every node following the log.
///
/// A command carries everything that is not derived from the state (ids, addresses, liveness
/// observations), so that applying it is deterministic. Replica placement is derived: apply
/// computes it from the state, so a proposer working from a stale view cannot place replicas
/// on a node that has since left.
public enum MetadataCommand: Hashable, Sendable {
    /// Registers a node, or updates the addresses and rack of a registered one; marks it alive.
    case registerNode(id: BrokerID, addresses: NodeAddresses, rack: String?)
    /// The controller leader observed the node up.
    case markNodeAlive(BrokerID)
    /// The controller leader observed the node down (no replica moves: its groups elect anew).
    case markNodeDown(BrokerID)
    /// Creates a topic and places its partitions.
    case createTopic(name: String, id: TopicID, partitionCount: Int32, replicationFactor: Int16, configs: TopicConfigs)
    /// Grows a topic to `totalCount` partitions (never shrinks it).
    case createPartitions(topic: TopicID, totalCount: Int32)
    /// Deletes a topic; its nodes remove its groups and data.
    case deleteTopic(TopicID)
    /// Sets and resets config overrides of a topic.
    case alterTopicConfigs(topic: TopicID, update: TopicConfigUpdate)
    /// Stops placing replicas on the node and moves its replicas to other active nodes.
    case decommissionNode(BrokerID)
    /// The node layer finished moving a partition to `replicas` (which must be its target).
    case completeReassignment(topic: TopicID, partition: Int32, replicas: [BrokerID])
    /// Reorders every partition's replicas so that preferred leaders are spread evenly;
    /// nothing moves, the node layer transfers leadership to the new first replicas.
    case rebalancePreferredLeaders
    /// Grants the node the next ``ClusterMetadataState/producerIDBlockSize`` idempotent-producer
    /// ids (Kafka's AllocateProducerIds): ids are unique in the cluster and never reused, even
    /// across restarts, because the grant is in the log.
    case allocateProducerIDs(node: BrokerID)
}
