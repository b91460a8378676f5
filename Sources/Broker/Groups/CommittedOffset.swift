/// A group's committed position in one partition.
public struct CommittedOffset: Sendable, Hashable {
    /// The next offset the group will consume.
    public var offset: Int64
    /// The leader epoch of the last consumed record; -1 when unknown.
    public var leaderEpoch: Int32
    /// The client's metadata string.
    public var metadata: String?
    /// When the coordinator accepted the commit (caller's clock).
    public var commitTimestampMs: Int64

    /// Creates a committed offset.
    public init(offset: Int64, leaderEpoch: Int32 = -1, metadata: String? = nil, commitTimestampMs: Int64) {
        self.offset = offset
        self.leaderEpoch = leaderEpoch
        self.metadata = metadata
        self.commitTimestampMs = commitTimestampMs
    }
}
