/// One partition's log on disk: a directory of segments of Kafka v2 record batches, which is also
/// the partition's Raft log (docs/ARCHITECTURE.md, "One log, two roles" and "Storage on disk").
///
/// Not thread-safe by design: one partition is owned by one thread at a time, so it takes no locks.
/// The caller keeps the high-water mark; this type keeps log start, next offset, the durable end
/// and the leader-epoch cache.
///
/// Invariants: `segments` is non-empty, sorted, and contiguous (each segment starts at the
/// previous one's `nextOffset`); `logStartOffset <= nextOffset`; `durableEndOffset <= nextOffset`;
/// only the last segment is written.
public final class PartitionLog {
    /// The partition directory.
    public let directory: String
    /// Every bound the log enforces.
    public let limits: StorageLimits
    /// How unsynced bytes are held.
    public let durability: DurabilityMode
    /// What opening found and did.
    public let recovery: RecoveryReport

    var segments: [Segment]
    let checkpoint: DurableCheckpoint
    /// Leader epochs (Raft terms) by start offset, and the epoch before the log start.
    public internal(set) var epochs: EpochCache
    /// The first offset that may be read.
    public internal(set) var logStartOffset: Offset
    /// Everything below this offset was made durable by ``sync()``.
    public internal(set) var durableEndOffset: Offset
    /// Segments created so far, and how many of their directory entries are known durable.
    var segmentsCreated = 0
    var segmentsCreatedSynced = 0
    var directoryNeedsSync: Bool { segmentsCreated != segmentsCreatedSynced }
    /// Bumped whenever offsets may change meaning (truncation, reset): a sync begun before it
    /// must not raise the durable end afterwards.
    var generation = 0
    /// Set when an fdatasync failed: the page cache may have dropped the dirty pages, so the log
    /// can no longer say what is durable and refuses all work (reopen to recover).
    var failure: StorageError?

    init(
        directory: String, options: PartitionLogOptions, segments: [Segment], checkpoint: DurableCheckpoint,
        epochs: EpochCache, logStartOffset: Offset, recovery: RecoveryReport
    ) {
        precondition(!segments.isEmpty, "a partition log has at least one segment")
        self.directory = directory
        self.limits = options.limits
        self.durability = options.durability
        self.segments = segments
        self.checkpoint = checkpoint
        self.epochs = epochs
        self.logStartOffset = logStartOffset
        self.durableEndOffset = min(checkpoint.durableEnd, segments[segments.count - 1].nextOffset)
        self.recovery = recovery
        checkInvariants()
    }

    var activeSegment: Segment { segments[segments.count - 1] }

    /// Bytes the active segment holds before writing; nil holds everything until sync.
    var heldBytesMax: Int? { durability == .normal ? limits.writeBufferBytes : nil }

    /// The offset the next appended record gets.
    public var nextOffset: Offset { activeSegment.nextOffset }

    /// The last offset in the log, nil when it is empty.
    public var lastOffset: Offset? { nextOffset > logStartOffset ? nextOffset.advanced(by: -1) : nil }

    /// Base offsets of the segments, oldest first.
    public var segmentBaseOffsets: [Offset] { segments.map(\.baseOffset) }

    /// Bytes of batches in all segments.
    public var sizeBytes: Int64 { segments.reduce(0) { $0 + $1.sizeBytes } }

    /// Appends a batch as the leader: stamps it with the next offsets and `leaderEpoch`.
    /// - Returns: the offsets the batch's records got.
    /// - Throws: ``StorageError``: ``StorageError/Code/epochRegression`` when `leaderEpoch` is below
    ///   the last batch's, ``StorageError/Code/invalidBatch`` when the batch exceeds `batchBytesMax`,
    ///   ``StorageError/Code/noSpace`` or ``StorageError/Code/ioFailure`` (nothing is appended then).
    @discardableResult
    public func append(_ batch: RecordBatch, leaderEpoch: LeaderEpoch) throws -> ClosedRange<Offset> {
        try store(batch, baseOffset: nextOffset, leaderEpoch: leaderEpoch)
    }

    /// Appends a batch whose offsets and epoch are already set (a follower receiving Raft entries).
    /// - Throws: ``StorageError/Code/unexpectedOffset`` unless the batch starts at ``nextOffset``;
    ///   otherwise as ``append(_:leaderEpoch:)``.
    @discardableResult
    public func appendReplicated(_ batch: RecordBatch) throws -> ClosedRange<Offset> {
        guard batch.baseOffset == nextOffset else {
            throw StorageError(.unexpectedOffset, "replicated batch starts at \(batch.baseOffset), the log's next offset is \(nextOffset)")
        }
        return try store(batch, baseOffset: batch.baseOffset, leaderEpoch: batch.leaderEpoch)
    }

    private func store(_ batch: RecordBatch, baseOffset: Offset, leaderEpoch: LeaderEpoch) throws -> ClosedRange<Offset> {
        try checkUsable()
        guard batch.header.totalBytes <= limits.batchBytesMax else {
            throw StorageError(.invalidBatch, "batch of \(batch.header.totalBytes) bytes exceeds batchBytesMax \(limits.batchBytesMax)")
        }
        guard leaderEpoch >= epochs.latestEpoch else {
            throw StorageError(.epochRegression, "epoch \(leaderEpoch) is below the log's last epoch \(epochs.latestEpoch)")
        }
        guard baseOffset.rawValue <= Int64.max - Int64(batch.header.lastOffsetDelta) - 1 else {
            throw StorageError(.invalidArgument, "offsets of a batch at \(baseOffset) overflow")
        }
        var header = batch.header
        header.baseOffset = baseOffset
        header.partitionLeaderEpoch = leaderEpoch
        try rollIfNeeded(before: header)
        try activeSegment.append(
            batch, stampedPrefix: batch.stampedPrefix(baseOffset: baseOffset, leaderEpoch: leaderEpoch), header: header,
            indexIntervalBytes: limits.indexIntervalBytes)
        epochs.record(leaderEpoch, at: baseOffset)
        return baseOffset...header.lastOffset
    }

    /// Starts a new segment when the batch would take the active one past its size, age or
    /// 32-bit relative offsets. The old segment is synced first, so only the active one ever
    /// holds unsynced bytes.
    private func rollIfNeeded(before header: RecordBatchHeader) throws {
        let active = activeSegment
        guard active.sizeBytes > 0 else { return }
        let tooBig = active.sizeBytes + Int64(header.totalBytes) > Int64(limits.segmentBytesMax)
        let tooOld = active.firstBatchMaxTimestamp.map { header.maxTimestamp &- $0 > limits.segmentAgeMsMax } ?? false
        guard tooBig || tooOld || !active.canHold(lastOffset: header.lastOffset) else { return }
        try active.writeAllHeld()
        try guardingSync {
            try active.seal()
            // The checkpoint below claims this segment durable, which needs its directory entry too.
            if directoryNeedsSync {
                try FileSystem.syncDirectory(directory)
                segmentsCreatedSynced = segmentsCreated
            }
        }
        SegmentSummary.write(for: active, limits: limits)
        let next = try Segment.create(
            directory: directory, baseOffset: header.baseOffset, heldBytesMax: heldBytesMax)
        segments.append(next)
        segmentsCreated += 1
        try guardingSync { try checkpoint.record(header.baseOffset, sync: true) }
        durableEndOffset = header.baseOffset
    }

    /// Makes everything appended so far durable: fdatasync of the active segment, of the directory
    /// after a roll or create, then records the new durable end in `durable.checkpoint`.
    /// Equivalent to ``beginSync()``, ``PendingSync/perform()``, ``completeSync(_:performError:)``.
    /// - Returns: the durable end offset (exclusive): every offset below it survives a power cut.
    @discardableResult
    public func sync() throws -> Offset {
        guard let pending = try beginSync() else { return durableEndOffset }
        do { try pending.perform() } catch {
            _ = try? completeSync(pending, performError: error)
            throw error
        }
        return try completeSync(pending)
    }

    /// First step of a sync, on the owning thread: hands held bytes to the file (a full disk fails
    /// here, losing nothing) and returns what the blocking step must make durable.
    /// - Returns: nil when everything is already durable.
    public func beginSync() throws -> PendingSync? {
        try checkUsable()
        let end = nextOffset
        guard end != durableEndOffset || directoryNeedsSync else { return nil }
        try activeSegment.writeAllHeld()
        return PendingSync(
            endOffset: end, file: activeSegment.logFile, directory: directoryNeedsSync ? directory : nil,
            segmentsCreated: segmentsCreated, generation: generation)
    }

    /// Last step of a sync, on the owning thread, after ``PendingSync/perform()`` returned or threw.
    /// Appends, rolls and reads may happen between the steps; if the log was truncated or reset
    /// meanwhile, the durable end is left as it is.
    /// - Parameter performError: what `perform()` threw; it poisons the log and is thrown again.
    /// - Returns: the durable end offset (exclusive).
    @discardableResult
    public func completeSync(_ pending: PendingSync, performError: Error? = nil) throws -> Offset {
        if let performError {
            try guardingSync { throw performError }
        }
        try checkUsable()
        if pending.directory != nil { segmentsCreatedSynced = max(segmentsCreatedSynced, pending.segmentsCreated) }
        guard pending.generation == generation, pending.endOffset > durableEndOffset else { return durableEndOffset }
        try guardingSync { try checkpoint.record(pending.endOffset, sync: false) }
        durableEndOffset = pending.endOffset
        activeSegment.writeIndexEntriesAfterSync()
        return durableEndOffset
    }

    /// Runs a step that syncs; a failure poisons the log (after a failed fsync the kernel may have
    /// dropped dirty pages, so what is durable is unknown). Plain writes run outside it: a full
    /// disk fails them without losing anything, and a later call may succeed.
    func guardingSync(_ step: () throws -> Void) throws {
        do { try step() } catch let error as StorageError {
            failure = StorageError(.failed, "an earlier sync failed: \(error.message)", systemErrorNumber: error.systemErrorNumber)
            throw error
        }
    }

    func checkUsable() throws {
        if let failure { throw failure }
    }

    /// Traps when the in-memory structure is inconsistent (a bug, never bad input).
    func checkInvariants() {
        precondition(!segments.isEmpty, "no segments")
        for index in segments.indices.dropFirst() {
            precondition(
                segments[index].baseOffset == segments[index - 1].nextOffset,
                "segment \(segments[index].baseOffset) does not follow \(segments[index - 1].nextOffset)")
        }
        precondition(logStartOffset <= nextOffset, "log start \(logStartOffset) beyond next offset \(nextOffset)")
        precondition(logStartOffset >= segments[0].baseOffset, "log start \(logStartOffset) below the first segment")
        precondition(durableEndOffset <= nextOffset, "durable end \(durableEndOffset) beyond next offset \(nextOffset)")
    }
}
