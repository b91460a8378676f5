import KafkaProtocol

/// A broker as Metadata describes it.
public struct BrokerInfo: Hashable, Sendable {
    /// The broker's node id.
    public var nodeId: Int32
    /// The host clients connect to.
    public var host: String
    /// The port clients connect to.
    public var port: Int32
}

/// One partition as Metadata describes it.
public struct PartitionInfo: Hashable, Sendable {
    /// The partition's index.
    public var partition: Int32
    /// The leader's node id, or -1 while there is none.
    public var leaderId: Int32
    /// The leader's epoch, or -1 when the broker does not say.
    public var leaderEpoch: Int32
    /// The replicas' node ids.
    public var replicaIds: [Int32]
    /// The in-sync replicas' node ids.
    public var inSyncReplicaIds: [Int32]
    /// The partition's error (LEADER_NOT_AVAILABLE while electing, say).
    public var error: ErrorCode
}

/// One topic as Metadata describes it.
public struct TopicInfo: Hashable, Sendable {
    /// The topic's name.
    public var name: String
    /// The topic's error (UNKNOWN_TOPIC_OR_PARTITION when it does not exist).
    public var error: ErrorCode
    /// Whether the topic is internal to the cluster.
    public var isInternal: Bool
    /// The partitions, ordered by index (entry `i` is partition `i`).
    public var partitions: [PartitionInfo]
}

/// What the client knows of the cluster: brokers, controller, topics and their leaders.
public struct ClusterMetadata: Hashable, Sendable {
    /// The cluster's id, when the broker gives one.
    public var clusterId: String?
    /// The controller's node id, or -1.
    public var controllerId: Int32
    /// The brokers by node id.
    public var brokers: [Int32: BrokerInfo]
    /// The topics by name.
    public var topics: [String: TopicInfo]

    /// Nothing known yet.
    public static let empty = ClusterMetadata()

    private init() {
        clusterId = nil
        controllerId = -1
        brokers = [:]
        topics = [:]
    }

    /// Reads a Metadata response.
    init(_ response: MetadataResponse) {
        clusterId = response.clusterId
        controllerId = response.controllerId
        brokers = Dictionary(response.brokers.map {
            ($0.nodeId, BrokerInfo(nodeId: $0.nodeId, host: $0.host, port: $0.port))
        }, uniquingKeysWith: { _, last in last })
        topics = [:]
        for topic in response.topics {
            guard let name = topic.name else { continue }
            let partitions = topic.partitions.sorted { $0.partitionIndex < $1.partitionIndex }.map {
                PartitionInfo(partition: $0.partitionIndex, leaderId: $0.leaderId, leaderEpoch: $0.leaderEpoch,
                              replicaIds: $0.replicaNodes, inSyncReplicaIds: $0.isrNodes,
                              error: ErrorCode(rawValue: $0.errorCode))
            }
            topics[name] = TopicInfo(name: name, error: ErrorCode(rawValue: topic.errorCode),
                                     isInternal: topic.isInternal, partitions: partitions)
        }
    }

    /// Merges a newer answer: its brokers and controller replace ours, its topics replace ours
    /// by name (other topics keep what we knew).
    mutating func merge(_ newer: ClusterMetadata) {
        clusterId = newer.clusterId ?? clusterId
        controllerId = newer.controllerId
        if !newer.brokers.isEmpty { brokers = newer.brokers }
        topics.merge(newer.topics) { _, newer in newer }
    }
}
