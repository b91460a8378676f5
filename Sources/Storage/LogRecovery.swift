/// The steps of opening a partition: load the checkpoint, walk the segments, cut a torn tail,
/// collect damage, rebuild what is derived (indexes, epoch cache), and build the ``PartitionLog``.
struct LogRecovery {
    /// Where and why a segment's walk stopped before its end.
    private struct Stop {
        var position: Int64
        var offset: Offset
        var reason: String
        var validBatchAfter: Bool
    }

    let directory: String
    let options: PartitionLogOptions
    let state: PartitionState
    private var segments: [Segment] = []
    private var epochs = EpochCache(epochBeforeStart: .none)
    private var report = RecoveryReport()
    private var damage: [LogDamage] = []
    /// Segments after a damage point, left untouched and not loaded.
    private var unloadedBases: [Offset] = []
    /// Where the damaged segment's valid bytes end, for ``DamagePolicy/truncateAndReport``.
    private var damagedSegmentEnd: Int64?
    /// Offsets below this were synced; `Int64.max` when unknown (nothing may then be cut as torn).
    private var syncedEnd: Offset = 0
    /// CRC32C is checked from this offset on.
    private var verifiedFrom: Offset = 0
    private var checkpointSequence: UInt64?

    init(directory: String, options: PartitionLogOptions, state: PartitionState) {
        self.directory = directory
        self.options = options
        self.state = state
    }

    private var heldBytesMax: Int? { options.heldBytesMax }
    private var limits: StorageLimits { options.limits }

    mutating func run(segmentBases bases: [Offset]) throws {
        try loadCheckpoint()
        for (index, base) in bases.enumerated() {
            let segment = try Segment.open(directory: directory, baseOffset: base, heldBytesMax: heldBytesMax)
            if let previous = segments.last, base != previous.nextOffset {
                damage.append(
                    LogDamage(
                        kind: .segmentGap, location: DataLocation(file: segment.path, position: 0, offset: previous.nextOffset),
                        detail: "segment starts at \(base) but the previous one ends at \(previous.nextOffset)"))
                unloadedBases = Array(bases[index...])
                damagedSegmentEnd = previous.sizeBytes
                return
            }
            if index < bases.count - 1, try adoptSummary(of: segment) {
                segments.append(segment)
                continue
            }
            let stop = try walk(segment)
            segments.append(segment)
            if let stop {
                try handle(stop, in: segment, later: Array(bases[(index + 1)...]))
                return
            }
        }
    }

    private mutating func loadCheckpoint() throws {
        switch try DurableCheckpoint.load(directory: directory) {
        case .value(let end, let sequence):
            syncedEnd = end
            verifiedFrom = end
            checkpointSequence = sequence
            report.checkpointedDurableEnd = end
        case .missing, .unreadable:
            syncedEnd = Offset(Int64.max)
            verifiedFrom = 0
            damage.append(
                LogDamage(
                    kind: .checkpointUnreadable,
                    location: DataLocation(file: directory + "/" + DurableCheckpoint.fileName, position: 0, offset: state.logStartOffset),
                    detail: "no valid slot: cannot tell lost synced data from a torn tail"))
        }
    }

    /// Loads a sealed segment from its summary, when the summary matches the files, lies below the
    /// synced end and continues the epochs; otherwise the caller walks the segment.
    private mutating func adoptSummary(of segment: Segment) throws -> Bool {
        let size = try segment.diskBytes().sizeBytes
        segment.resetMetadata(fileBytes: size)
        guard SegmentSummary.load(into: segment, fileBytes: size, limits: limits),
            segment.nextOffset <= syncedEnd, (segment.epochStarts.first?.epoch ?? .none) >= epochs.latestEpoch
        else {
            segment.resetMetadata(fileBytes: size)
            return false
        }
        for entry in segment.epochStarts { epochs.record(entry.epoch, at: entry.startOffset) }
        return true
    }

    /// Walks one segment's batches into its metadata and the epoch cache.
    private mutating func walk(_ segment: Segment) throws -> Stop? {
        let file = try segment.diskBytes()
        segment.resetMetadata(fileBytes: file.sizeBytes)
        var scanner = SegmentScanner(file, from: 0, expectedOffset: segment.baseOffset, batchBytesMax: limits.batchBytesMax)
        var unverified: (header: RecordBatchHeader, position: Int64)?
        while true {
            let expected = scanner.expectedOffset
            let verifying = expected >= verifiedFrom
            var stop: Stop
            switch try scanner.next(verifyingChecksum: verifying) {
            case .end:
                return nil
            case .damaged(let position, let reason, let torn):
                let after = torn ? false : try scanner.containsValidBatch(after: position, atOrAfter: expected)
                stop = Stop(position: position, offset: expected, reason: reason, validBatchAfter: after)
            case .batch(let header, let position):
                if header.partitionLeaderEpoch >= epochs.latestEpoch, segment.canHold(header, at: position) {
                    segment.account(header, at: position, indexIntervalBytes: limits.indexIntervalBytes)
                    epochs.record(header.partitionLeaderEpoch, at: header.baseOffset)
                    unverified = verifying ? nil : (header, position)
                    continue
                }
                let reason = "epoch \(header.partitionLeaderEpoch) after epoch \(epochs.latestEpoch), or offsets or bytes beyond a segment's 32-bit range"
                let after = try scanner.containsValidBatch(after: position, atOrAfter: expected)
                stop = Stop(position: position, offset: expected, reason: reason, validBatchAfter: after)
            }
            // A corrupt length or delta in the batch before (not CRC-checked: below the durable
            // point) makes the walk stumble one batch late: blame the batch that is really bad.
            if let unverified, try !checksumMatches(file, unverified.header, at: unverified.position) {
                stop = Stop(
                    position: unverified.position, offset: unverified.header.baseOffset,
                    reason: "CRC32C mismatch (found while locating damage after it)", validBatchAfter: stop.validBatchAfter)
            }
            return stop
        }
    }

    private func checksumMatches(_ file: SegmentFileBytes, _ header: RecordBatchHeader, at position: Int64) throws -> Bool {
        let bytes = try file.readBytes(at: position, count: header.totalBytes)
        return (try? bytes.withCheckedBytes { raw throws(BatchDefect) in try RecordBatch.check(raw, batchBytesMax: limits.batchBytesMax) }) != nil
    }

    /// A stop after the synced end with nothing valid after it is a torn tail: cut it. Anything
    /// else is damage.
    private mutating func handle(_ stop: Stop, in segment: Segment, later: [Offset]) throws {
        let location = DataLocation(file: segment.path, position: stop.position, offset: stop.offset)
        let laterHoldsData = try later.contains { try holdsValidBatch(base: $0) }
        guard stop.offset >= syncedEnd, !stop.validBatchAfter, !laterHoldsData else {
            damage.append(LogDamage(kind: .invalidBatch, location: location, detail: stop.reason))
            unloadedBases = later
            damagedSegmentEnd = stop.position
            return
        }
        let fileSize = try segment.diskBytes().sizeBytes
        try segment.truncateFile(to: stop.position)
        try remove(later)
        report.tornTail = RecoveryReport.TornTail(
            location: location, bytesRemoved: fileSize - stop.position, segmentsRemoved: later, reason: stop.reason)
    }

    private func holdsValidBatch(base: Offset) throws -> Bool {
        let path = directory + "/" + Segment.stem(base) + ".log"
        var scanner = SegmentScanner(
            try SegmentFileBytes(PosixFile.openReadOnly(path)), from: 0, expectedOffset: base, batchBytesMax: limits.batchBytesMax)
        if case .batch = try scanner.next(verifyingChecksum: true) { return true }
        return false
    }

    private func remove(_ bases: [Offset]) throws {
        guard !bases.isEmpty else { return }
        for base in bases.reversed() {
            let stem = directory + "/" + Segment.stem(base)
            for suffix in [".log", ".index", ".timeindex", SegmentSummary.suffix] { try FileSystem.remove(stem + suffix) }
        }
        try FileSystem.syncDirectory(directory)
    }

    /// Applies the damage policy, rebuilds derived files and builds the log.
    mutating func finish() throws -> PartitionLog {
        if segments.isEmpty {
            segments = [try createSegment(at: state.logStartOffset)]
        }
        let loadedEnd = segments[segments.count - 1].nextOffset
        // Synced data below the log start is not needed (a crash during a reset beyond the end
        // leaves old segments partly deleted): only a shortfall above the start is damage.
        let syncedEndNeeded = syncedEnd > state.logStartOffset
        if damage.isEmpty, syncedEndNeeded, loadedEnd < syncedEnd {
            let last = segments[segments.count - 1]
            damage.append(
                LogDamage(
                    kind: .syncedDataMissing, location: DataLocation(file: last.path, position: last.sizeBytes, offset: loadedEnd),
                    detail: "the log ends at \(loadedEnd) but offsets below \(syncedEnd) were synced"))
        }
        let accepted = !damage.isEmpty
        if accepted { try acceptDamage() }
        if segments[segments.count - 1].nextOffset < state.logStartOffset { try restartEmpty() }
        let end = segments[segments.count - 1].nextOffset
        epochs.advanceStart(to: state.logStartOffset, epochBefore: state.epochBeforeStart, nextOffset: end)
        rebuildIndexFiles()
        // The last segment is the writable one: a summary left from before it became so is stale.
        try segments[segments.count - 1].removeSummary()
        let checkpoint: DurableCheckpoint
        if let checkpointSequence, !accepted, syncedEnd <= end {
            checkpoint = try DurableCheckpoint.open(directory: directory, durableEnd: syncedEnd, sequence: checkpointSequence)
        } else {
            try segments[segments.count - 1].sync()
            checkpoint = try DurableCheckpoint.create(directory: directory, durableEnd: end)
            try FileSystem.syncDirectory(directory)
        }
        return PartitionLog(
            directory: directory, options: options, segments: segments, checkpoint: checkpoint, epochs: epochs,
            logStartOffset: state.logStartOffset, recovery: report)
    }

    private mutating func acceptDamage() throws {
        guard options.damagePolicy == .truncateAndReport else {
            throw StorageError(.damaged, "partition \(directory) is damaged", damage: damage)
        }
        if let damagedSegmentEnd {
            let last = segments[segments.count - 1]
            try last.truncateFile(to: damagedSegmentEnd)
            try last.rebuildMetadata(limits: limits)
            epochs.truncate(toEnd: last.nextOffset)
        }
        try remove(unloadedBases)
        report.acceptedDamage = damage
    }

    /// The data ends below the log start (a reset that crashed before creating its segment, or
    /// damage cut below the start): start over with an empty segment at the log start.
    private mutating func restartEmpty() throws {
        let fresh = try createSegment(at: state.logStartOffset)
        try remove(segments.map(\.baseOffset).filter { $0 != fresh.baseOffset })
        segments = [fresh]
        epochs = EpochCache(epochBeforeStart: .none)
    }

    private func createSegment(at base: Offset) throws -> Segment {
        let segment = try Segment.create(directory: directory, baseOffset: base, heldBytesMax: heldBytesMax)
        try FileSystem.syncDirectory(directory)
        return segment
    }

    /// Rewrites index files that differ from the rebuilt indexes. Best effort: a partition on a
    /// full disk must still open for reading; a file left wrong is rewritten by a later sync or open.
    private mutating func rebuildIndexFiles() {
        for segment in segments {
            if (try? segment.indexFilesMatch()) == true {
                segment.noteIndexFilesCurrent()
            } else if (try? segment.rewriteIndexFiles()) != nil {
                report.rebuiltIndexes.append(segment.baseOffset)
            }
        }
    }
}
