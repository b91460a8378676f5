/// Where a node can be reached, as it advertises itself (`host:port` strings).
public struct NodeAddresses: Hashable, Sendable {
    /// Raft and controller traffic.
    public var peer: String
    /// The Kafka protocol (what Metadata responses hand to clients).
    public var client: String
    /// The admin HTTP endpoint.
    public var admin: String

    /// Creates a set of addresses.
    public init(peer: String, client: String, admin: String) {
        self.peer = peer
        self.client = client
        self.admin = admin
    }
}

/// Where a node is in its life in the cluster.
public enum NodeState: UInt8, Hashable, Sendable, CaseIterable {
    /// Holds replicas and receives new ones.
    case active = 0
    /// Receives no new replicas; its replicas are being moved elsewhere.
    case decommissioning = 1
    /// Holds nothing; its id stays taken.
    case removed = 2
}

/// A node registered with the controller.
public struct RegisteredNode: Hashable, Sendable {
    /// The node's id.
    public var id: BrokerID
    /// Its advertised addresses (the latest registration wins).
    public var addresses: NodeAddresses
    /// Its rack, if it told one.
    public var rack: String?
    /// Its life-cycle state.
    public var state: NodeState
    /// Whether the controller leader last saw it up.
    ///
    /// Not a heartbeat: the leader proposes `markNodeAlive`/`markNodeDown` when what it observes
    /// changes, so every replica applies the same liveness at the same log position.
    public var isAlive: Bool

    /// Creates a node record.
    public init(id: BrokerID, addresses: NodeAddresses, rack: String?, state: NodeState, isAlive: Bool) {
        self.id = id
        self.addresses = addresses
        self.rack = rack
        self.state = state
        self.isAlive = isAlive
    }

    /// Whether new replicas may be placed on it: active and up.
    public var acceptsReplicas: Bool { state == .active && isAlive }
}
