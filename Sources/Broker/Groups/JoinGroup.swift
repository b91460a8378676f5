/// A JoinGroup request, protocol-agnostic.
public struct JoinRequest: Sendable, Equatable {
    /// The group to join.
    public var groupId: String
    /// Empty at the first join; the id the coordinator gave, afterwards.
    public var memberId: String
    /// Set by static members (group.instance.id).
    public var groupInstanceId: String?
    /// The client's id, stored for DescribeGroups.
    public var clientId: String
    /// The client's address, stored for DescribeGroups.
    public var clientHost: String
    /// See `GroupMember.sessionTimeoutMs`.
    public var sessionTimeoutMs: Int32
    /// See `GroupMember.rebalanceTimeoutMs` (JoinGroup v0 has none: pass the session timeout).
    public var rebalanceTimeoutMs: Int32
    /// E.g. "consumer"; every member of a group has the same.
    public var protocolType: String
    /// Supported protocols, most preferred first.
    public var protocols: [GroupProtocol]
    /// JoinGroup v4+: a first join gets MEMBER_ID_REQUIRED and a member id to rejoin with.
    public var requireKnownMemberId: Bool

    /// Creates a request.
    public init(
        groupId: String, memberId: String = "", groupInstanceId: String? = nil,
        clientId: String = "", clientHost: String = "", sessionTimeoutMs: Int32,
        rebalanceTimeoutMs: Int32, protocolType: String, protocols: [GroupProtocol],
        requireKnownMemberId: Bool = false
    ) {
        self.groupId = groupId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.clientId = clientId
        self.clientHost = clientHost
        self.sessionTimeoutMs = sessionTimeoutMs
        self.rebalanceTimeoutMs = rebalanceTimeoutMs
        self.protocolType = protocolType
        self.protocols = protocols
        self.requireKnownMemberId = requireKnownMemberId
    }
}

/// A member as the leader sees it in its JoinGroup response.
public struct JoinedMember: Sendable, Equatable {
    /// The member's id.
    public var memberId: String
    /// Its group instance id, if static.
    public var groupInstanceId: String?
    /// Its metadata for the selected protocol.
    public var metadata: [UInt8]
}

/// The answer to a JoinGroup (maps onto Kafka's JoinGroupResponse).
public struct JoinResponse: Sendable, Equatable {
    /// nil on success.
    public var error: GroupError?
    /// The new generation; -1 on error.
    public var generationId: Int32
    /// The group's protocol type; nil on error.
    public var protocolType: String?
    /// The selected protocol; nil on error.
    public var protocolName: String?
    /// The leader's member id; empty on error.
    public var leaderId: String
    /// The member's id (also set with `memberIdRequired`).
    public var memberId: String
    /// Every member with its metadata, for the leader only; empty for followers.
    public var members: [JoinedMember]

    /// A response carrying only an error (and the member id, which MEMBER_ID_REQUIRED needs).
    static func failure(_ error: GroupError, memberId: String) -> JoinResponse {
        JoinResponse(
            error: error, generationId: -1, protocolType: nil, protocolName: nil,
            leaderId: "", memberId: memberId, members: [])
    }
}
