/// Running totals of what a ``RaftHost`` did, for metrics and tests (loop thread).
public struct RaftHostCounters: Sendable, Equatable {
    /// Ticks of the host's timer (each ticks every group).
    public var ticks: UInt64 = 0
    /// Raft batch frames handed to the transport.
    public var framesSent: UInt64 = 0
    /// Raft messages in those frames.
    public var messagesSent: UInt64 = 0
    /// Frames the transport refused (peer not connected, queue full); Raft resends what matters.
    public var framesRefused: UInt64 = 0
    /// Raft batch frames received.
    public var framesReceived: UInt64 = 0
    /// Received frames dropped because they did not decode.
    public var malformedFrames: UInt64 = 0
    /// Received messages dropped because their group is not hosted here (or stopped).
    public var messagesForUnknownGroups: UInt64 = 0
    /// Offloaded sync batches (one per host cycle that appended or changed state).
    public var syncBatches: UInt64 = 0
    /// Group Readies made durable by those batches.
    public var groupSyncs: UInt64 = 0
    /// Sync batches that made their groups durable with one `syncfs` instead of an
    /// `fdatasync` per log (``RaftHostOptions/filesystemSyncGroupsMin``).
    public var filesystemSyncs: UInt64 = 0
    /// Bytes the background scrub re-read and checked.
    public var scrubBytes: UInt64 = 0
    /// Scrub passes completed over a whole log.
    public var scrubPasses: UInt64 = 0
    /// Scrub reads that found damage (each cut a replica to refill it).
    public var scrubDamageFound: UInt64 = 0
    /// Segments retention deleted (a replica's log start moved past them).
    public var retentionSegmentsDeleted: UInt64 = 0

    /// All zero.
    public init() {}
}
