extension PartitionLog {
    /// Removes every batch after `offset` (Raft conflict resolution), across segments. The new end
    /// is durable when this returns (the checkpoint is lowered first, then files are cut and synced).
    /// - Parameter offset: the last offset to keep: the last offset of a batch, or `logStartOffset - 1`
    ///   to empty the log (when the log start is on a batch boundary).
    /// - Throws: ``StorageError/Code/offsetOutOfRange``, ``StorageError/Code/notOnBatchBoundary``, I/O errors.
    public func truncate(after offset: Offset) throws {
        try checkUsable()
        let end = offset.advanced(by: 1)
        guard end >= logStartOffset, end <= nextOffset else {
            throw StorageError(.offsetOutOfRange, "cannot truncate after \(offset): the log holds \(logStartOffset)..<\(nextOffset)")
        }
        guard end < nextOffset else { return }
        let keep = segments.lastIndex { $0.baseOffset < end } ?? 0
        let segment = segments[keep]
        let position = try boundaryPosition(of: end, in: segment)
        generation += 1
        if durableEndOffset > end {
            try guardingSync { try checkpoint.record(end, sync: true) }
            durableEndOffset = end
        }
        let removed = segments[(keep + 1)...]
        for later in removed.reversed() { try later.removeFiles() }
        segments.removeSubrange((keep + 1)...)
        // The kept segment is writable again: its summary must be gone before its data changes.
        try segment.removeSummary()
        try guardingSync { try FileSystem.syncDirectory(directory) }
        if position < segment.sizeBytes {
            try segment.truncateFile(to: position)
            try segment.rebuildMetadata(limits: limits)
        }
        epochs.truncate(toEnd: end)
        checkInvariants()
    }

    /// Where the batch starting at `offset` begins in `segment` (or its end).
    private func boundaryPosition(of offset: Offset, in segment: Segment) throws -> Int64 {
        if offset == segment.nextOffset { return segment.sizeBytes }
        if offset == segment.baseOffset { return 0 }
        let (header, position) = try locateBatch(containing: offset, in: segment)
        guard header.baseOffset == offset else {
            throw StorageError(
                .notOnBatchBoundary,
                "offset \(offset.advanced(by: -1)) is inside the batch \(header.baseOffset)...\(header.lastOffset); truncate after a batch's last offset")
        }
        return position
    }

    /// Moves the log start forward (prefix removal: DeleteRecords, retention, a Raft snapshot).
    ///
    /// Whole segments below the new start are deleted; inside a segment the start is logical.
    /// `partition.state` (start and the epoch before it) is written durably before any file is
    /// deleted. Moving beyond ``nextOffset`` empties the log and continues at `offset`: this is how a
    /// Raft follower is reset to a leader's snapshot. Moving backwards does nothing.
    /// - Parameters:
    ///   - offset: the new first offset.
    ///   - epochBeforeStart: the epoch of the entry at `offset - 1`. Required beyond ``nextOffset``;
    ///     inside the log it is derived and, when given, must match.
    /// - Throws: ``StorageError/Code/invalidArgument`` for a missing or mismatching epoch, I/O errors.
    public func advanceStart(to offset: Offset, epochBeforeStart: LeaderEpoch? = nil) throws {
        try checkUsable()
        guard offset > logStartOffset else { return }
        if offset <= nextOffset {
            guard let derived = epoch(at: offset.advanced(by: -1)) else { preconditionFailure("no epoch inside the log") }
            if let epochBeforeStart, epochBeforeStart != derived {
                throw StorageError(.invalidArgument, "epoch before \(offset) is \(derived), not \(epochBeforeStart)")
            }
            try PartitionState(logStartOffset: offset, epochBeforeStart: derived).store(directory: directory, limits: limits)
            var removed = 0
            while segments.count > 1 && segments[1].baseOffset <= offset {
                try segments.removeFirst().removeFiles()
                removed += 1
            }
            if removed > 0 { try FileSystem.syncDirectory(directory) }
            epochs.advanceStart(to: offset, epochBefore: derived, nextOffset: nextOffset)
        } else {
            guard let epochBeforeStart else {
                throw StorageError(.invalidArgument, "advancing the start beyond the end (\(nextOffset)) to \(offset) needs the epoch before it")
            }
            try PartitionState(logStartOffset: offset, epochBeforeStart: epochBeforeStart).store(directory: directory, limits: limits)
            let fresh = try Segment.create(
                directory: directory, baseOffset: offset, heldBytesMax: heldBytesMax)
            for old in segments.reversed() { try old.removeFiles() }
            segments = [fresh]
            try guardingSync {
                try FileSystem.syncDirectory(directory)
                try checkpoint.record(offset, sync: true)
            }
            segmentsCreated += 1
            segmentsCreatedSynced = segmentsCreated
            generation += 1
            durableEndOffset = offset
            epochs.reset(epochBefore: epochBeforeStart)
        }
        logStartOffset = offset
        checkInvariants()
    }

    /// Deletes whole oldest segments by age and total size; never the active segment, never a
    /// segment holding offsets at or above `deletableBelow` (the caller's high-water mark or
    /// Raft commit index).
    /// - Parameters:
    ///   - policy: `retentionMs` compares `nowMs` with a segment's newest record timestamp;
    ///     `retentionBytes` keeps at least that many bytes.
    ///   - nowMs: the current time, passed in (the log reads no clock).
    /// - Returns: base offsets of the deleted segments.
    @discardableResult
    public func applyRetention(_ policy: RetentionPolicy, nowMs: Int64, deletableBelow: Offset) throws -> [Offset] {
        try checkUsable()
        if let ms = policy.retentionMs, ms < 0 { throw StorageError(.invalidArgument, "retentionMs \(ms) is negative") }
        if let bytes = policy.retentionBytes, bytes < 0 { throw StorageError(.invalidArgument, "retentionBytes \(bytes) is negative") }
        var remainingBytes = sizeBytes
        var count = 0
        for segment in segments.dropLast() {
            guard segment.nextOffset <= deletableBelow else { break }
            let expired = policy.retentionMs.map { ms in segment.maxTimestamp.map { nowMs &- $0 > ms } ?? false } ?? false
            let oversized = policy.retentionBytes.map { remainingBytes - segment.sizeBytes >= $0 } ?? false
            guard expired || oversized else { break }
            remainingBytes -= segment.sizeBytes
            count += 1
        }
        guard count > 0 else { return [] }
        let deleted = segments[..<count].map(\.baseOffset)
        try advanceStart(to: max(logStartOffset, segments[count].baseOffset))
        return deleted
    }
}
