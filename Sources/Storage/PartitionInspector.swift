/// One batch as seen by ``PartitionInspector``.
public struct BatchSummary: Sendable, Equatable {
    /// Byte position in the segment file.
    public var position: Int64
    /// The fixed fields (offsets, epoch, timestamps, producer, attributes).
    public var header: RecordBatchHeader
}

/// One segment as seen by ``PartitionInspector``.
public struct SegmentInspection: Sendable, Equatable {
    /// The segment's base offset (from its file name).
    public var baseOffset: Offset
    /// The `.log` file.
    public var path: String
    /// Size of the `.log` file.
    public var fileBytes: Int64
    /// Every valid batch (CRC32C checked) up to the first damage.
    public var batches: [BatchSummary]
    /// Where and why the segment stops being valid, nil when all of it is.
    public var damage: LogDamage?
    /// Entries in the `.index` file.
    public var offsetIndexEntries: Int
    /// Entries in the `.timeindex` file.
    public var timeIndexEntries: Int
}

/// A read-only look at a partition directory, for `tributary log dump` and for people debugging
/// a node. Unlike ``PartitionLog/open(directory:options:)`` it changes nothing: it cuts no tail,
/// rewrites no index, and goes on past damage to show every segment.
public struct PartitionInspection: Sendable, Equatable {
    /// The partition directory.
    public var directory: String
    /// The log start and the epoch before it, from `partition.state`; nil when missing or invalid.
    public var logStartOffset: Offset?
    /// The epoch (Raft term) of the entry before the log start.
    public var epochBeforeStart: LeaderEpoch?
    /// Why `partition.state` could not be used, if it could not.
    public var stateProblem: String?
    /// The durable end recorded in `durable.checkpoint`; nil when missing or unreadable.
    public var checkpointedDurableEnd: Offset?
    /// Segments in offset order.
    public var segments: [SegmentInspection]

    /// Reads `directory` without changing it; every batch's CRC32C is checked.
    /// - Throws: ``StorageError/Code/notAPartition`` when it is not a partition directory, I/O errors.
    public static func inspect(directory: String, limits: StorageLimits = .production) throws -> PartitionInspection {
        let listing = try PartitionListing.read(directory: directory, create: false)
        var inspection = PartitionInspection(directory: directory, segments: [])
        do {
            guard let state = try PartitionState.load(directory: directory, limits: limits) else {
                throw StorageError(.notAPartition, "\(directory) has no \(PartitionState.fileName); it is not a partition")
            }
            inspection.logStartOffset = state.logStartOffset
            inspection.epochBeforeStart = state.epochBeforeStart
        } catch let error as StorageError where error.code == .corruptState {
            inspection.stateProblem = error.message
        }
        if case .value(let end, _) = try DurableCheckpoint.load(directory: directory) { inspection.checkpointedDurableEnd = end }
        var expected: Offset?
        for base in listing.segmentBases {
            let segment = try inspectSegment(directory: directory, base: base, expected: expected ?? base, limits: limits)
            // After damage the next segment's expected start is unknown: judge it on its own.
            expected = segment.damage == nil ? (segment.batches.last.map { $0.header.nextOffset } ?? base) : nil
            inspection.segments.append(segment)
        }
        return inspection
    }

    private static func inspectSegment(directory: String, base: Offset, expected: Offset, limits: StorageLimits) throws -> SegmentInspection {
        let stem = directory + "/" + Segment.stem(base)
        let file = try SegmentFileBytes(PosixFile.openReadOnly(stem + ".log"))
        var inspection = SegmentInspection(
            baseOffset: base, path: file.path, fileBytes: file.sizeBytes, batches: [], damage: nil,
            offsetIndexEntries: Int(max(0, (try? PosixFile.openReadOnly(stem + ".index").size()) ?? 0)) / SegmentIndex.offsetEntryBytes,
            timeIndexEntries: Int(max(0, (try? PosixFile.openReadOnly(stem + ".timeindex").size()) ?? 0)) / SegmentIndex.timeEntryBytes)
        if base != expected {
            inspection.damage = LogDamage(
                kind: .segmentGap, location: DataLocation(file: file.path, position: 0, offset: expected),
                detail: "segment starts at \(base) but the previous one ends at \(expected)")
        }
        var scanner = SegmentScanner(file, from: 0, expectedOffset: base, batchBytesMax: limits.batchBytesMax)
        while true {
            switch try scanner.next(verifyingChecksum: true) {
            case .end:
                return inspection
            case .batch(let header, let position):
                inspection.batches.append(BatchSummary(position: position, header: header))
            case .damaged(let position, let reason, let torn):
                inspection.damage = LogDamage(
                    kind: .invalidBatch, location: DataLocation(file: file.path, position: position, offset: scanner.expectedOffset),
                    detail: reason + (torn ? " (runs into the end of the file: a torn write?)" : ""))
                return inspection
            }
        }
    }
}
