import Raft
import Storage

/// The timings and bounds of a ``RaftHost``, shared by every group it hosts.
public struct RaftHostOptions: Sendable {
    /// Time between two ticks of every group (one `LoopTimer` for all of them).
    public var tickInterval: Duration
    /// Ticks a follower waits for its leader before it campaigns (randomised up to twice that).
    public var electionTimeoutTicks: Int
    /// Ticks between a leader's heartbeats.
    public var heartbeatIntervalTicks: Int
    /// Ticks after which a new group's preferred replica campaigns (well below
    /// `electionTimeoutTicks`, yet long enough for the other nodes to create their replicas
    /// from the same metadata: a vote request for a group not there yet is dropped).
    public var preferredCampaignTicks: Int
    /// Most entry bytes in one append message; with the framing it must fit one peer frame.
    public var appendBytesMax: Int
    /// Ticks a proposal may wait for its commit before it fails with ``ProposalFailure/timedOut``.
    public var proposalTimeoutTicks: Int
    /// Proposals of one group waiting for their commit, at most; more are refused
    /// (``ProposalFailure/tooManyPending``) instead of queued.
    public var pendingProposalCountMax: Int
    /// Times one group's Ready cycle may run again within one host cycle when nothing had to be
    /// synced (a commit that releases a broadcast, say); more work waits for the next turn, so
    /// one busy group cannot hold the loop.
    public var immediateCyclesPerGroupMax: Int
    /// Offloaded jobs one host cycle splits its groups' fsyncs into, at most: each job syncs its
    /// groups one after another, the jobs run in parallel on libuv's pool (4 threads unless
    /// `UV_THREADPOOL_SIZE` says otherwise), so many partitions do not wait for each other's disk.
    public var syncJobsPerCycleMax: Int
    /// Logs to sync in one host cycle from which one `syncfs(2)` of their filesystem replaces
    /// their `fdatasync`s (`Storage.FilesystemSync`); `Int.max`: never. With many partitions
    /// written at once the per-file flushes, not the bytes, bound the rate.
    public var filesystemSyncGroupsMin: Int
    /// Bytes of stored batches the background scrub re-reads and CRC-checks per tick, at most
    /// (one batch more when a batch is larger): the scrub's share of the loop and the disk.
    public var scrubBytesPerTick: Int
    /// Ticks between the end of one scrub pass over a log and the start of the next. A replica
    /// opened (started, or reopened after damage) is scrubbed at once.
    public var scrubIntervalTicks: UInt64
    /// Ticks from the start of one retention pass over the hosted groups to the start of the
    /// next (Kafka's `log.retention.check.interval.ms`).
    public var retentionCheckIntervalTicks: UInt64
    /// Groups a retention pass checks per tick, at most: each check may delete segments and
    /// rewrite `partition.state` (an fsync) on the loop, so a pass over many groups is spread.
    public var retentionGroupsPerTick: Int
    /// Options of every partition log opened (`create` is implied).
    public var logOptions: PartitionLogOptions

    /// Bytes a Raft message may take beyond its entries in a raft batch frame: the batch entry
    /// header, MessageCodec's header, append fields and checksum, with room to spare for a
    /// membership in an installation.
    public static let messageFramingBytesMax = 256

    /// Creates options; the defaults suit a production node.
    public init(
        tickInterval: Duration = .milliseconds(100),
        electionTimeoutTicks: Int = 10,
        heartbeatIntervalTicks: Int = 1,
        preferredCampaignTicks: Int = 3,
        appendBytesMax: Int = 1 << 20,
        proposalTimeoutTicks: Int = 100,
        pendingProposalCountMax: Int = 4_096,
        immediateCyclesPerGroupMax: Int = 4,
        syncJobsPerCycleMax: Int = 4,
        filesystemSyncGroupsMin: Int = 8,
        scrubBytesPerTick: Int = 1 << 20,
        scrubIntervalTicks: UInt64 = 7 * 24 * 36_000,
        retentionCheckIntervalTicks: UInt64 = 3_000,
        retentionGroupsPerTick: Int = 8,
        logOptions: PartitionLogOptions = PartitionLogOptions()
    ) {
        self.tickInterval = tickInterval
        self.electionTimeoutTicks = electionTimeoutTicks
        self.heartbeatIntervalTicks = heartbeatIntervalTicks
        self.preferredCampaignTicks = preferredCampaignTicks
        self.appendBytesMax = appendBytesMax
        self.proposalTimeoutTicks = proposalTimeoutTicks
        self.pendingProposalCountMax = pendingProposalCountMax
        self.immediateCyclesPerGroupMax = immediateCyclesPerGroupMax
        self.syncJobsPerCycleMax = syncJobsPerCycleMax
        self.filesystemSyncGroupsMin = filesystemSyncGroupsMin
        self.scrubBytesPerTick = scrubBytesPerTick
        self.scrubIntervalTicks = scrubIntervalTicks
        self.retentionCheckIntervalTicks = retentionCheckIntervalTicks
        self.retentionGroupsPerTick = retentionGroupsPerTick
        self.logOptions = logOptions
    }

    /// The configuration of a replica on node `id`.
    func raftConfig(for id: NodeID) -> RaftConfig {
        RaftConfig(
            id: id, electionTimeoutTicks: electionTimeoutTicks, heartbeatIntervalTicks: heartbeatIntervalTicks,
            inflightAppendBytesMax: max(32 << 20, appendBytesMax), appendBytesMax: appendBytesMax,
            uncommittedBytesMax: max(64 << 20, appendBytesMax), applyBytesMax: max(4 << 20, appendBytesMax))
    }

    /// Checks the bounds, and that every Raft message fits a peer frame body of `frameBytesMax`.
    /// - Throws: ``RaftHostError`` naming the first violated rule.
    public func validate(frameBytesMax: Int) throws(RaftHostError) {
        func require(_ condition: Bool, _ rule: String) throws(RaftHostError) {
            if !condition { throw RaftHostError("invalid host options: \(rule)") }
        }
        try require(tickInterval > .zero, "tickInterval > 0")
        try require(proposalTimeoutTicks >= 1, "proposalTimeoutTicks >= 1")
        try require(preferredCampaignTicks >= 1 && preferredCampaignTicks < electionTimeoutTicks,
                    "1 <= preferredCampaignTicks < electionTimeoutTicks")
        try require(pendingProposalCountMax >= 1, "pendingProposalCountMax >= 1")
        try require(immediateCyclesPerGroupMax >= 1, "immediateCyclesPerGroupMax >= 1")
        try require(syncJobsPerCycleMax >= 1, "syncJobsPerCycleMax >= 1")
        try require(filesystemSyncGroupsMin >= 1, "filesystemSyncGroupsMin >= 1")
        try require(scrubBytesPerTick >= 1, "scrubBytesPerTick >= 1")
        try require(scrubIntervalTicks >= 1, "scrubIntervalTicks >= 1")
        try require(retentionCheckIntervalTicks >= 1, "retentionCheckIntervalTicks >= 1")
        try require(retentionGroupsPerTick >= 1, "retentionGroupsPerTick >= 1")
        let largestEntryBytes = max(appendBytesMax, logOptions.limits.batchBytesMax + Entry.overheadBytes)
        try require(
            RaftBatchFrame.countBytes + largestEntryBytes + Self.messageFramingBytesMax <= frameBytesMax,
            "the largest append (\(largestEntryBytes) entry bytes) fits a frame body of frameBytesMax \(frameBytesMax)")
        do { try raftConfig(for: NodeID(1)).validate() } catch { throw RaftHostError("invalid host options: \(error)") }
    }
}

/// A host that cannot do what it was asked: bad options, a group id in use, an unknown group.
public struct RaftHostError: Error, Sendable, CustomStringConvertible {
    /// What went wrong, in words.
    public let description: String
    init(_ description: String) { self.description = description }
}
