/// One segment of a partition: `<base>.log` with its `.index` and `.timeindex`, and what the log
/// knows about it in memory (size, next offset, timestamps, sparse index).
///
/// Only the active (last) segment is written. Appended bytes are held in `held` and handed to the
/// file in 4 KiB-aligned pieces once `heldBytesMax` is reached, and completely at sync (batch
/// sizes are arbitrary; unaligned writes cost ext4 about half its throughput). In
/// ``DurabilityMode/unsafeSimulatedPowerLoss`` there is no bound: everything since the last sync
/// stays in memory, so a killed process loses exactly what a power cut would.
final class Segment: SegmentBytes {
    let baseOffset: Offset
    let path: String
    private let log: PosixFile
    private let offsetIndexFile: PosixFile
    private let timeIndexFile: PosixFile
    /// Bytes held before an aligned write; nil holds everything until sync.
    private let heldBytesMax: Int?
    static let pageBytes: Int64 = 4096

    private(set) var index = SegmentIndex()
    /// Bytes of valid batches (including held ones).
    private(set) var sizeBytes: Int64 = 0
    /// Offset after the last batch.
    private(set) var nextOffset: Offset
    /// Largest batch max timestamp, nil while empty.
    private(set) var maxTimestamp: Int64?
    /// Max timestamp of the first batch: the segment's age for rolling.
    private(set) var firstBatchMaxTimestamp: Int64?
    /// The first batch's epoch at the base offset, then every epoch change inside the segment.
    private(set) var epochStarts: [EpochCache.Entry] = []

    /// Bytes already handed to the file (the rest are in `held`).
    private var fileBytes: Int64 = 0
    private var held: [UInt8] = []
    private var offsetEntriesInFile = 0
    private var timeEntriesInFile = 0

    /// The 20-digit, zero-padded file name stem of a segment starting at `base`.
    static func stem(_ base: Offset) -> String {
        let digits = String(base.rawValue)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits
    }

    /// The base offset named by a file stem, when it is a valid one.
    static func baseOffset(fromStem stem: Substring) -> Offset? {
        guard stem.count == 20, stem.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(stem) else { return nil }
        return Offset(value)
    }

    private init(directory: String, baseOffset: Offset, create: Bool, heldBytesMax: Int?) throws {
        let stem = directory + "/" + Self.stem(baseOffset)
        self.baseOffset = baseOffset
        self.path = stem + ".log"
        self.log = try PosixFile.open(stem + ".log", create: create)
        self.offsetIndexFile = try PosixFile.open(stem + ".index", create: true)
        self.timeIndexFile = try PosixFile.open(stem + ".timeindex", create: true)
        self.heldBytesMax = heldBytesMax
        self.nextOffset = baseOffset
        if create {
            // Only shrink leftovers: ext4 forces writeback at close of a file truncated to 0
            // (auto_da_alloc), which would tax every new segment.
            for file in [log, offsetIndexFile, timeIndexFile] where try file.size() > 0 { try file.truncate(to: 0) }
        }
    }

    /// Creates empty files for a new segment (the caller fsyncs the directory).
    static func create(directory: String, baseOffset: Offset, heldBytesMax: Int?) throws -> Segment {
        try Segment(directory: directory, baseOffset: baseOffset, create: true, heldBytesMax: heldBytesMax)
    }

    /// Opens an existing segment; its metadata is empty until the caller feeds it the scanned batches.
    static func open(directory: String, baseOffset: Offset, heldBytesMax: Int?) throws -> Segment {
        try Segment(directory: directory, baseOffset: baseOffset, create: false, heldBytesMax: heldBytesMax)
    }

    /// The open `.log` file (a ``PendingSync`` keeps it open until its fdatasync is done).
    var logFile: PosixFile { log }

    /// The log file as it is on disk, for scanning.
    func diskBytes() throws -> SegmentFileBytes { try SegmentFileBytes(log) }

    /// The relative offset of `offset` in this segment's indexes.
    func relative(_ offset: Offset) -> UInt32 {
        let distance = offset.distance(from: baseOffset)
        precondition(distance >= 0 && distance <= Int64(UInt32.max), "offset \(offset) outside segment \(baseOffset)")
        return UInt32(distance)
    }

    /// Whether a batch ending at `lastOffset` still fits the 32-bit relative offsets of this segment.
    func canHold(lastOffset: Offset) -> Bool { lastOffset.distance(from: baseOffset) <= Int64(UInt32.max) }

    /// Whether a stored batch fits the segment's 32-bit offsets and positions (a file written by
    /// someone else may be larger than any segment this log writes).
    func canHold(_ header: RecordBatchHeader, at position: Int64) -> Bool {
        canHold(lastOffset: header.lastOffset) && position + Int64(header.totalBytes) <= Int64(StorageLimits.segmentBytesCeiling)
    }

    /// Adds a stored batch to the in-memory metadata (on append, and when rebuilding from a scan).
    func account(_ header: RecordBatchHeader, at position: Int64, indexIntervalBytes: Int) {
        precondition(position == sizeBytes, "batch at \(position), segment ends at \(sizeBytes)")
        precondition(header.baseOffset == nextOffset, "batch at offset \(header.baseOffset), segment expects \(nextOffset)")
        _ = index.noteBatch(
            relativeOffset: relative(header.baseOffset), position: position, maxTimestampBefore: maxTimestamp,
            indexIntervalBytes: indexIntervalBytes)
        sizeBytes += Int64(header.totalBytes)
        nextOffset = header.nextOffset
        maxTimestamp = max(maxTimestamp ?? header.maxTimestamp, header.maxTimestamp)
        if firstBatchMaxTimestamp == nil { firstBatchMaxTimestamp = header.maxTimestamp }
        if epochStarts.last?.epoch != header.partitionLeaderEpoch {
            epochStarts.append(EpochCache.Entry(epoch: header.partitionLeaderEpoch, startOffset: header.baseOffset))
        }
    }

    /// Forgets the metadata (before feeding a fresh scan).
    func resetMetadata(fileBytes size: Int64) {
        precondition(held.isEmpty, "reset with held bytes")
        index = SegmentIndex()
        sizeBytes = 0
        nextOffset = baseOffset
        maxTimestamp = nil
        firstBatchMaxTimestamp = nil
        epochStarts = []
        fileBytes = size
    }

    /// Takes the metadata from a sealed segment's summary instead of walking the file.
    func adopt(_ summary: SegmentSummary, index: SegmentIndex) {
        precondition(held.isEmpty && sizeBytes == 0, "adopting a summary into a used segment")
        self.index = index
        sizeBytes = summary.sizeBytes
        nextOffset = summary.nextOffset
        maxTimestamp = summary.maxTimestamp
        firstBatchMaxTimestamp = summary.firstBatchMaxTimestamp
        epochStarts = summary.epochStarts
        fileBytes = summary.sizeBytes
        noteIndexFilesCurrent()
    }

    /// Appends a batch whose first 16 bytes are replaced by `prefix` (the stamped offset and epoch).
    /// On a failed write nothing is appended (the batch's bytes are taken back from `held`).
    func append(_ batch: RecordBatch, stampedPrefix prefix: [UInt8], header: RecordBatchHeader, indexIntervalBytes: Int) throws {
        precondition(prefix.count == RecordBatchLayout.stampedPrefixBytes, "stamped prefix of \(prefix.count) bytes")
        let position = sizeBytes
        let heldBefore = held.count
        held.append(contentsOf: prefix)
        batch.bytes.withUnsafeBytes { held.append(contentsOf: $0[RecordBatchLayout.stampedPrefixBytes...]) }
        if let heldBytesMax, held.count >= heldBytesMax {
            do { try writeHeld(alignedOnly: true) } catch {
                held.removeLast(held.count - heldBefore)
                throw error
            }
        }
        account(header, at: position, indexIntervalBytes: indexIntervalBytes)
    }

    /// Hands every held byte to the file (a full disk fails here, before any sync, losing nothing).
    func writeAllHeld() throws { try writeHeld(alignedOnly: false) }

    /// Hands held bytes to the file: up to the last 4 KiB boundary, or all of them.
    private func writeHeld(alignedOnly: Bool) throws {
        let end = fileBytes + Int64(held.count)
        let target = alignedOnly ? end & ~(Self.pageBytes - 1) : end
        guard target > fileBytes else { return }
        let count = Int(target - fileBytes)
        try held.withUnsafeBytes { try log.write([UnsafeRawBufferPointer(rebasing: $0[..<count])], at: fileBytes) }
        held.removeFirst(count)
        // An emptied buffer keeps its largest size otherwise: after a burst every active segment
        // of a node would hold up to `heldBytesMax` for good, idle or not.
        if held.isEmpty && held.capacity > Self.idleHeldCapacityMax { held = [] }
        fileBytes = target
    }

    /// Bytes the held buffer has room for (what it costs in memory).
    var heldCapacityBytes: Int { held.capacity }

    /// Capacity an empty `held` buffer may keep (more is given back once it is written out).
    static let idleHeldCapacityMax = 16 << 10

    func readBytes(at position: Int64, count: Int) throws -> [UInt8] {
        let end = min(position + Int64(count), sizeBytes)
        guard end > position else { return [] }
        if end <= fileBytes { return try log.read(at: position, count: Int(end - position)) }
        var bytes = position < fileBytes ? try log.read(at: position, count: Int(fileBytes - position)) : []
        let from = Int(max(position, fileBytes) - fileBytes)
        bytes.append(contentsOf: held[from..<Int(end - fileBytes)])
        return bytes
    }

    /// Hands all held bytes to the file and fdatasyncs it, then writes new index entries.
    ///
    /// Index files are derived from the data and rebuilt on open, so failing to write them (a
    /// full disk) must not fail a sync whose data is durable: they are retried at the next sync.
    func sync() throws {
        try writeAllHeld()
        try log.syncData()
        try? writeNewIndexEntries()
    }

    /// After a sync done elsewhere (``PendingSync``): writes new index entries, best effort as in ``sync()``.
    func writeIndexEntriesAfterSync() {
        try? writeNewIndexEntries()
    }

    /// Syncs data and (best effort, as in ``sync()``) indexes before the segment stops being active.
    func seal() throws {
        try sync()
        try? offsetIndexFile.syncData()
        try? timeIndexFile.syncData()
    }

    /// Cuts the log file at `position` (a batch boundary) durably. Held bytes go to the file first
    /// (unsynced data may survive a crash anyway). The caller rebuilds the metadata.
    func truncateFile(to position: Int64) throws {
        precondition(position >= 0, "truncation to negative position \(position)")
        try writeHeld(alignedOnly: false)
        try log.truncate(to: position)
        try log.syncData()
        fileBytes = position
    }

    /// Re-walks the file after it was cut, rebuilding the metadata and the index files.
    func rebuildMetadata(limits: StorageLimits) throws {
        let file = try diskBytes()
        resetMetadata(fileBytes: file.sizeBytes)
        var scanner = SegmentScanner(file, from: 0, expectedOffset: baseOffset, batchBytesMax: limits.batchBytesMax)
        while true {
            switch try scanner.next(verifyingChecksum: false) {
            case .end:
                try rewriteIndexFiles()
                return
            case .batch(let header, let position):
                account(header, at: position, indexIntervalBytes: limits.indexIntervalBytes)
            case .damaged(let position, let reason, _):
                throw StorageError(
                    .corruptData, reason, location: DataLocation(file: path, position: position, offset: scanner.expectedOffset))
            }
        }
    }

    /// Whether the `.index` and `.timeindex` files hold exactly the in-memory entries.
    func indexFilesMatch() throws -> Bool {
        let offsets = index.encodedOffsetEntries()
        let times = index.encodedTimeEntries()
        return try offsetIndexFile.size() == Int64(offsets.count) && timeIndexFile.size() == Int64(times.count)
            && offsetIndexFile.read(at: 0, count: offsets.count) == offsets
            && timeIndexFile.read(at: 0, count: times.count) == times
    }

    /// Rewrites both index files from memory.
    func rewriteIndexFiles() throws {
        try offsetIndexFile.truncate(to: 0)
        try timeIndexFile.truncate(to: 0)
        offsetEntriesInFile = 0
        timeEntriesInFile = 0
        try writeNewIndexEntries()
        try offsetIndexFile.syncData()
        try timeIndexFile.syncData()
    }

    private func writeNewIndexEntries() throws {
        if offsetEntriesInFile < index.offsetEntries.count {
            var writer = ByteWriter()
            for entry in index.offsetEntries[offsetEntriesInFile...] { SegmentIndex.append(entry, to: &writer) }
            try offsetIndexFile.write(writer.bytes, at: Int64(offsetEntriesInFile * SegmentIndex.offsetEntryBytes))
            offsetEntriesInFile = index.offsetEntries.count
        }
        if timeEntriesInFile < index.timeEntries.count {
            var writer = ByteWriter()
            for entry in index.timeEntries[timeEntriesInFile...] { SegmentIndex.append(entry, to: &writer) }
            try timeIndexFile.write(writer.bytes, at: Int64(timeEntriesInFile * SegmentIndex.timeEntryBytes))
            timeEntriesInFile = index.timeEntries.count
        }
    }

    /// Marks the index files as matching memory (after a check found them equal).
    func noteIndexFilesCurrent() {
        offsetEntriesInFile = index.offsetEntries.count
        timeEntriesInFile = index.timeEntries.count
    }

    /// Deletes the segment's three files (the caller fsyncs the directory).
    func removeFiles() throws {
        try removeSummary()
        let stem = String(path.dropLast(4))
        try FileSystem.remove(stem + ".log")
        try FileSystem.remove(stem + ".index")
        try FileSystem.remove(stem + ".timeindex")
    }

    /// `<base>.summary`: present only while the segment is sealed (see ``SegmentSummary``).
    var summaryPath: String { String(path.dropLast(4)) + SegmentSummary.suffix }

    /// Deletes the summary (the segment becomes writable again); the caller fsyncs the directory.
    func removeSummary() throws { try FileSystem.remove(summaryPath) }

    /// The index files' bytes as they are on disk.
    func indexFileBytes() throws -> (offsets: [UInt8], times: [UInt8]) {
        (try offsetIndexFile.read(at: 0, count: Int(offsetIndexFile.size())), try timeIndexFile.read(at: 0, count: Int(timeIndexFile.size())))
    }
}
