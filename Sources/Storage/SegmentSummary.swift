import Checksum

/// What the log knows about a sealed segment, kept in `<base>.summary` (a ``DurableStateFile``)
/// so that opening a partition walks only its last segment, not every batch of every segment.
///
/// Written when a segment is sealed (after its data and index files are synced), deleted when it
/// becomes writable again (truncation), ignored and rebuilt by walking when it does not match the
/// files exactly (size, CRC32C of both index files). It is derived data: losing it costs a walk.
struct SegmentSummary: Equatable {
    static let suffix = ".summary"
    /// Bound on epoch changes inside one segment that a summary records (more: walk instead).
    static let epochStartsMax = 4096

    var sizeBytes: Int64
    var nextOffset: Offset
    var maxTimestamp: Int64?
    var firstBatchMaxTimestamp: Int64?
    var epochStarts: [EpochCache.Entry]
    var offsetIndexChecksum: UInt32
    var timeIndexChecksum: UInt32

    /// The summary of `segment` as it is in memory.
    init(of segment: Segment) {
        sizeBytes = segment.sizeBytes
        nextOffset = segment.nextOffset
        maxTimestamp = segment.maxTimestamp
        firstBatchMaxTimestamp = segment.firstBatchMaxTimestamp
        epochStarts = segment.epochStarts
        offsetIndexChecksum = CRC32C.checksum(segment.index.encodedOffsetEntries())
        timeIndexChecksum = CRC32C.checksum(segment.index.encodedTimeEntries())
    }

    private init(
        sizeBytes: Int64, nextOffset: Offset, maxTimestamp: Int64?, firstBatchMaxTimestamp: Int64?,
        epochStarts: [EpochCache.Entry], offsetIndexChecksum: UInt32, timeIndexChecksum: UInt32
    ) {
        self.sizeBytes = sizeBytes
        self.nextOffset = nextOffset
        self.maxTimestamp = maxTimestamp
        self.firstBatchMaxTimestamp = firstBatchMaxTimestamp
        self.epochStarts = epochStarts
        self.offsetIndexChecksum = offsetIndexChecksum
        self.timeIndexChecksum = timeIndexChecksum
    }

    func encoded() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 48 + epochStarts.count * 12)
        writer.append(bigEndian: sizeBytes)
        writer.append(bigEndian: nextOffset.rawValue)
        writer.append(bigEndian: maxTimestamp ?? Int64.min)
        writer.append(bigEndian: firstBatchMaxTimestamp ?? Int64.min)
        writer.append(bigEndian: offsetIndexChecksum)
        writer.append(bigEndian: timeIndexChecksum)
        writer.append(bigEndian: UInt32(epochStarts.count))
        for entry in epochStarts {
            writer.append(bigEndian: entry.epoch.rawValue)
            writer.append(bigEndian: entry.startOffset.rawValue)
        }
        return writer.bytes
    }

    /// Decodes a payload; nil when it is malformed.
    static func decode(_ payload: [UInt8]) -> SegmentSummary? {
        payload.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            guard let size = reader.read(bigEndian: Int64.self), let next = reader.read(bigEndian: Int64.self),
                let maxTimestamp = reader.read(bigEndian: Int64.self), let firstTimestamp = reader.read(bigEndian: Int64.self),
                let offsetChecksum = reader.read(bigEndian: UInt32.self), let timeChecksum = reader.read(bigEndian: UInt32.self),
                let count = reader.read(bigEndian: UInt32.self), count <= UInt32(epochStartsMax)
            else { return nil }
            var starts: [EpochCache.Entry] = []
            for _ in 0..<count {
                guard let epoch = reader.read(bigEndian: Int32.self), let start = reader.read(bigEndian: Int64.self) else { return nil }
                starts.append(EpochCache.Entry(epoch: LeaderEpoch(epoch), startOffset: Offset(start)))
            }
            guard reader.remaining == 0 else { return nil }
            return SegmentSummary(
                sizeBytes: size, nextOffset: Offset(next), maxTimestamp: maxTimestamp == Int64.min ? nil : maxTimestamp,
                firstBatchMaxTimestamp: firstTimestamp == Int64.min ? nil : firstTimestamp, epochStarts: starts,
                offsetIndexChecksum: offsetChecksum, timeIndexChecksum: timeChecksum)
        }
    }

    /// Writes the summary of a segment that was just sealed. Best effort: without it the next
    /// open walks the segment.
    static func write(for segment: Segment, limits: StorageLimits) {
        let summary = SegmentSummary(of: segment)
        guard summary.epochStarts.count <= epochStartsMax else { return }
        try? DurableStateFile.write(summary.encoded(), to: segment.summaryPath, payloadBytesMax: limits.stateFileBytesMax)
    }

    /// Loads `segment`'s metadata from its summary when the summary matches the files exactly.
    /// - Returns: false (nothing changed) when there is no usable summary: the caller walks.
    static func load(into segment: Segment, fileBytes: Int64, limits: StorageLimits) -> Bool {
        guard let payload = try? DurableStateFile.read(from: segment.summaryPath, payloadBytesMax: limits.stateFileBytesMax),
            let summary = decode(payload), summary.isConsistent(base: segment.baseOffset, fileBytes: fileBytes),
            let files = try? segment.indexFileBytes(),
            CRC32C.checksum(files.offsets) == summary.offsetIndexChecksum, CRC32C.checksum(files.times) == summary.timeIndexChecksum,
            let index = SegmentIndex(offsetFile: files.offsets, timeFile: files.times, sizeBytes: summary.sizeBytes)
        else { return false }
        segment.adopt(summary, index: index)
        return true
    }

    private func isConsistent(base: Offset, fileBytes: Int64) -> Bool {
        guard sizeBytes == fileBytes, sizeBytes > 0, nextOffset > base,
            nextOffset.distance(from: base) <= Int64(UInt32.max) + 1, sizeBytes <= Int64(StorageLimits.segmentBytesCeiling),
            let first = epochStarts.first, first.startOffset == base
        else { return false }
        for (earlier, later) in zip(epochStarts, epochStarts.dropFirst()) {
            guard earlier.epoch < later.epoch, earlier.startOffset < later.startOffset, later.startOffset < nextOffset else { return false }
        }
        return true
    }
}
