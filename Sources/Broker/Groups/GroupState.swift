/// The classic rebalance protocol's group states (Kafka's ClassicGroupState).
///
/// ```
/// Empty -> PreparingRebalance -> CompletingRebalance -> Stable
///            ^   (member joins, leaves or expires)  |       |
///            +--------------------------------------+-------+
/// PreparingRebalance -> Empty when every member is gone; Empty -> Dead on deletion.
/// ```
public enum GroupState: Sendable, Hashable, CaseIterable {
    /// No members; committed offsets may remain.
    case empty
    /// Waiting for every member to (re)join, until the rebalance timeout.
    case preparingRebalance
    /// Joins answered; waiting for the leader's assignment in SyncGroup.
    case completingRebalance
    /// Every member has its assignment; members heartbeat.
    case stable
    /// Deleted; no request is served for it any more.
    case dead

    /// The name Kafka's DescribeGroups and ListGroups report.
    public var kafkaName: String {
        switch self {
        case .empty: "Empty"
        case .preparingRebalance: "PreparingRebalance"
        case .completingRebalance: "CompletingRebalance"
        case .stable: "Stable"
        case .dead: "Dead"
        }
    }
}
