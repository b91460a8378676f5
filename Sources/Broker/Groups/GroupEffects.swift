/// What the caller must do after a coordinator call, in this order:
///
/// 1. Append `records` to the group's replicated offsets partition.
/// 2. Once they are committed, send `responses` (and the call's direct result, e.g. an
///    OffsetCommit's). A response must not reach a client before the records that make it
///    true survive a coordinator crash.
public struct GroupEffects: Sendable, Equatable {
    /// Responses to parked requests (and immediate answers to JoinGroup/SyncGroup), by token.
    public var responses: [PendingResponse] = []
    /// State changes to make durable, in order.
    public var records: [GroupRecord] = []

    /// No effects.
    public init() {}

    /// Whether there is nothing to do.
    public var isEmpty: Bool { responses.isEmpty && records.isEmpty }

    mutating func respond(_ token: RequestToken, _ response: JoinResponse) {
        responses.append(PendingResponse(token: token, response: .join(response)))
    }

    mutating func respond(_ token: RequestToken, _ response: SyncResponse) {
        responses.append(PendingResponse(token: token, response: .sync(response)))
    }

    mutating func append(_ other: GroupEffects) {
        responses += other.responses
        records += other.records
    }
}

/// A response to send for the request the caller named `token`.
public struct PendingResponse: Sendable, Equatable {
    /// The caller's token from the JoinGroup or SyncGroup call.
    public var token: RequestToken
    /// The answer.
    public var response: Response

    /// The answer to a long-polling request.
    public enum Response: Sendable, Equatable {
        /// Answers a JoinGroup.
        case join(JoinResponse)
        /// Answers a SyncGroup.
        case sync(SyncResponse)
    }
}
