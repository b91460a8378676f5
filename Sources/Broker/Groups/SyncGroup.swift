/// A SyncGroup request, protocol-agnostic.
public struct SyncRequest: Sendable, Equatable {
    /// The group.
    public var groupId: String
    /// The generation the member joined.
    public var generationId: Int32
    /// The member.
    public var memberId: String
    /// Set by static members.
    public var groupInstanceId: String?
    /// SyncGroup v5+: must match the group's when given.
    public var protocolType: String?
    /// SyncGroup v5+: must match the group's when given.
    public var protocolName: String?
    /// The leader's assignment per member id; empty from followers.
    public var assignments: [String: [UInt8]]

    /// Creates a request.
    public init(
        groupId: String, generationId: Int32, memberId: String, groupInstanceId: String? = nil,
        protocolType: String? = nil, protocolName: String? = nil, assignments: [String: [UInt8]] = [:]
    ) {
        self.groupId = groupId
        self.generationId = generationId
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
        self.protocolType = protocolType
        self.protocolName = protocolName
        self.assignments = assignments
    }
}

/// The answer to a SyncGroup (maps onto Kafka's SyncGroupResponse).
public struct SyncResponse: Sendable, Equatable {
    /// nil on success.
    public var error: GroupError?
    /// The group's protocol type; nil on error.
    public var protocolType: String?
    /// The group's protocol; nil on error.
    public var protocolName: String?
    /// The member's assignment; empty on error.
    public var assignment: [UInt8]

    static func failure(_ error: GroupError) -> SyncResponse {
        SyncResponse(error: error, protocolType: nil, protocolName: nil, assignment: [])
    }
}
