/// One member leaving (LeaveGroup v3+ batches several; v0-v2 send one with no instance id).
public struct MemberIdentity: Sendable, Hashable {
    /// The member id; may be empty when `groupInstanceId` names a static member.
    public var memberId: String
    /// The static member's instance id.
    public var groupInstanceId: String?

    /// Creates an identity.
    public init(memberId: String, groupInstanceId: String? = nil) {
        self.memberId = memberId
        self.groupInstanceId = groupInstanceId
    }
}

/// The per-member answer to a LeaveGroup.
public struct LeaveResult: Sendable, Equatable {
    /// The member as the request named it.
    public var member: MemberIdentity
    /// nil when the member left.
    public var error: GroupError?
}
