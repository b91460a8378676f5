/// A member of a classic group, as DescribeGroups shows it.
public struct GroupMember: Sendable, Equatable {
    /// Assigned by the coordinator at the first join.
    public let memberId: String
    /// Set for a static member (group.instance.id).
    public let groupInstanceId: String?
    /// The client's id, for operators.
    public var clientId: String
    /// The client's address, for operators.
    public var clientHost: String
    /// The member is removed when it sends no heartbeat for this long.
    public var sessionTimeoutMs: Int32
    /// How long a rebalance waits for this member to rejoin.
    public var rebalanceTimeoutMs: Int32
    /// Supported protocols, most preferred first.
    public var protocols: [GroupProtocol]
    /// The leader's assignment for this member; nil until the current generation's SyncGroup.
    public var assignment: [UInt8]?

    /// The JoinGroup waiting for the join phase to complete.
    var pendingJoin: RequestToken?
    /// The SyncGroup waiting for the leader's assignment.
    var pendingSync: RequestToken?
    /// Last heartbeat (or any request that counts as one), for the session timeout.
    var lastHeartbeatMs: Int64

    init(
        memberId: String, groupInstanceId: String?, clientId: String, clientHost: String,
        sessionTimeoutMs: Int32, rebalanceTimeoutMs: Int32, protocols: [GroupProtocol],
        nowMs: Int64
    ) {
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.clientId = clientId
        self.clientHost = clientHost
        self.sessionTimeoutMs = sessionTimeoutMs
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.protocols = protocols
        self.assignment = nil
        self.lastHeartbeatMs = nowMs
    }

    /// The metadata this member sent for `protocolName`, empty if it does not support it.
    public func metadata(for protocolName: String) -> [UInt8] {
        protocols.first { $0.name == protocolName }?.metadata ?? []
    }

    /// Whether a waiting JoinGroup or SyncGroup keeps the member alive (Kafka does not expire
    /// members while their request is parked at the coordinator).
    var isAwaitingResponse: Bool { pendingJoin != nil || pendingSync != nil }

    func sessionExpired(nowMs: Int64) -> Bool {
        !isAwaitingResponse && nowMs >= lastHeartbeatMs + Int64(sessionTimeoutMs)
    }
}
