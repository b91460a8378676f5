/// The controller's replicated state machine: nodes, topics and where every partition lives.
///
/// A pure value. `apply(_:)` is deterministic: the same commands in the same order give equal
/// states and byte-identical snapshots on every node. Nothing iterates a dictionary in its own
/// order (Swift seeds hashing per process); every walk goes through sorted keys.
public struct ClusterMetadataState: Hashable, Sendable {
    /// The number of commands applied successfully; grows by one with each.
    public internal(set) var version: UInt64 = 0
    /// The group id the next partition receives. Invariant: above every group id in use.
    public internal(set) var nextGroupID = RaftGroupID.firstPartitionGroup

    /// The first producer id not granted yet. Invariant: above every granted block.
    public internal(set) var nextProducerID: Int64 = 0
    /// The first id of the last block granted to each node.
    var producerIDGrants: [BrokerID: Int64] = [:]

    var nodesByID: [BrokerID: RegisteredNode] = [:]
    var topicsByID: [TopicID: Topic] = [:]
    /// Invariant: exactly the topics' names, each mapping to its topic's id.
    var topicIDsByName: [String: TopicID] = [:]
    /// Invariant: exactly the topics' ``TopicName/collisionKey(_:)``s, mapping to their names.
    var topicNamesByCollisionKey: [String: String] = [:]

    /// An empty cluster: no node, no topic.
    public init() {}

    /// Every registered node (removed ones included), by id.
    public var nodes: [RegisteredNode] { nodesByID.keys.sorted().map { nodesByID[$0]! } }

    /// The node with this id, if registered.
    public func node(_ id: BrokerID) -> RegisteredNode? { nodesByID[id] }

    /// Every topic, by name.
    public var topics: [Topic] { topicIDsByName.keys.sorted().map { topicsByID[topicIDsByName[$0]!]! } }

    /// The topic with this name, if any.
    public func topic(named name: String) -> Topic? { topicIDsByName[name].flatMap { topicsByID[$0] } }

    /// The topic with this id, if any.
    public func topic(id: TopicID) -> Topic? { topicsByID[id] }

    /// The number of topics.
    public var topicCount: Int { topicsByID.count }

    /// The nodes that may receive new replicas (active and alive), by id.
    public var placementCandidates: [BrokerID] {
        nodesByID.keys.sorted().filter { nodesByID[$0]!.acceptsReplicas }
    }

    /// Topics in id order: the order every walk that changes the state uses.
    var topicsInIDOrder: [Topic] { topicsByID.keys.sorted().map { topicsByID[$0]! } }
}
