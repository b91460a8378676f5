import ClusterMetadata
import Raft
import Storage

/// What a host reports about one of its groups (for `/v1/status`, metrics, and leader lookups).
public struct GroupStatus: Sendable, Equatable {
    /// The group.
    public var group: RaftGroupID
    /// This replica's role.
    public var role: Role
    /// This replica's term.
    public var term: Term
    /// The leader this replica knows of.
    public var leader: NodeID?
    /// The membership in effect (committed), voters and learners.
    public var membership: Membership
    /// The commit index; the partition's high-water mark is `commitIndex.offset + 1`.
    public var commitIndex: LogIndex
    /// Leader only (empty elsewhere): the last index each other member's log is known to match;
    /// a learner whose match reached the commit index may be promoted.
    public var followerMatchIndexes: [NodeID: LogIndex]
    /// The last index in the log, durable or not.
    public var lastIndex: LogIndex
    /// The first offset of the partition log.
    public var logStartOffset: Offset
    /// The offset after the partition log's last batch.
    public var logEndOffset: Offset
    /// Why the group stopped, if its storage failed; it then neither votes nor acknowledges.
    public var failure: String?
    /// Set while this replica refills what its storage lost: it follows and acknowledges, but
    /// does not campaign and votes only as its intact log would have, until its commit index
    /// reaches this index.
    public var refillingThrough: LogIndex? = nil
    /// Elections this replica started since it was opened (pre-votes that won included).
    public var electionsStarted: UInt64 = 0
    /// Changes of leader this replica saw since it was opened.
    public var leaderChanges: UInt64 = 0
    /// Scrub passes over this replica's whole log completed since it was opened (each re-reads
    /// and CRC-checks every batch); 0 until the first one after a start or a damage cut.
    public var scrubPasses: UInt64 = 0

    /// The Kafka high-water mark: the first offset not yet committed.
    public var highWatermark: Offset { commitIndex.offset.advanced(by: 1) }
}
