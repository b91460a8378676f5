/// Bytes of one segment's log, as the scanner sees them.
protocol SegmentBytes {
    /// The log file's path, for messages.
    var path: String { get }
    /// Bytes that may be scanned.
    var sizeBytes: Int64 { get }
    /// Up to `count` bytes at `position` (fewer only at `sizeBytes`).
    func readBytes(at position: Int64, count: Int) throws -> [UInt8]
}

/// A segment's log file read straight from disk (recovery and inspection).
struct SegmentFileBytes: SegmentBytes {
    let file: PosixFile
    let sizeBytes: Int64
    var path: String { file.path }

    init(_ file: PosixFile) throws {
        self.file = file
        self.sizeBytes = try file.size()
    }

    func readBytes(at position: Int64, count: Int) throws -> [UInt8] {
        try file.read(at: position, count: Int(min(Int64(count), max(0, sizeBytes - position))))
    }
}

/// Walks the batches of a segment from a batch boundary, checking each header (and optionally its
/// CRC32C) and that base offsets follow each other. Reads through a 64 KiB window so walking small
/// batches costs one read per window, not per batch. Never traps on any bytes.
struct SegmentScanner<Source: SegmentBytes> {
    /// One step of the walk.
    enum Step {
        /// A valid batch at `position`.
        case batch(RecordBatchHeader, position: Int64)
        /// The walk ended exactly at the end of the bytes.
        case end
        /// Invalid bytes at `position`. `torn` when they run into the end of the file (a cut write).
        case damaged(position: Int64, reason: String, torn: Bool)
    }

    static var windowBytes: Int { 64 << 10 }

    let source: Source
    let batchBytesMax: Int
    /// Position of the next batch.
    private(set) var position: Int64
    /// The base offset the next batch must have.
    private(set) var expectedOffset: Offset
    private var window: [UInt8] = []
    private var windowStart: Int64 = 0

    init(_ source: Source, from position: Int64, expectedOffset: Offset, batchBytesMax: Int) {
        self.source = source
        self.position = position
        self.expectedOffset = expectedOffset
        self.batchBytesMax = batchBytesMax
    }

    /// The next batch, the end, or where and why the bytes stop being valid. Throws only I/O errors.
    mutating func next(verifyingChecksum: Bool) throws -> Step {
        let start = position
        let bytesMax = batchBytesMax
        let remaining = source.sizeBytes - start
        if remaining == 0 { return .end }
        let headerBytes = RecordBatchLayout.headerBytes
        guard remaining >= Int64(headerBytes) else {
            return .damaged(position: position, reason: "\(remaining) bytes left, less than a batch header", torn: true)
        }
        let header: RecordBatchHeader
        do {
            header = try withBytes(at: start, count: headerBytes) { raw throws(BatchDefect) in
                try RecordBatchHeader.decode(raw, batchBytesMax: bytesMax)
            }
        } catch {
            return .damaged(position: position, reason: error.reason, torn: false)
        }
        guard header.baseOffset == expectedOffset else {
            return .damaged(position: position, reason: "base offset \(header.baseOffset), expected \(expectedOffset)", torn: false)
        }
        guard Int64(header.totalBytes) <= remaining else {
            return .damaged(position: position, reason: "batch of \(header.totalBytes) bytes runs past the end (\(remaining) left)", torn: true)
        }
        if verifyingChecksum {
            do {
                _ = try withBytes(at: start, count: header.totalBytes) { raw throws(BatchDefect) in
                    try RecordBatch.check(raw, batchBytesMax: bytesMax)
                }
            } catch {
                return .damaged(position: position, reason: error.reason, torn: false)
            }
        }
        let found = position
        position += Int64(header.totalBytes)
        expectedOffset = header.nextOffset
        return .batch(header, position: found)
    }

    /// Whether a valid batch (CRC and all) with a base offset `>= offset` starts anywhere after `position`.
    /// Used to tell a torn tail (nothing valid after the damage) from damage in the middle.
    /// Headers are checked in memory; only a plausible one costs a read of its whole batch.
    func containsValidBatch(after damagedPosition: Int64, atOrAfter offset: Offset) throws -> Bool {
        let headerBytes = RecordBatchLayout.headerBytes
        var chunkStart = damagedPosition + 1
        while chunkStart + Int64(headerBytes) <= source.sizeBytes {
            let chunk = try source.readBytes(at: chunkStart, count: Self.windowBytes + headerBytes)
            let lastStart = chunk.count - headerBytes
            if lastStart < 0 { break }
            for start in 0...lastStart where chunk[start + RecordBatchLayout.magic] == UInt8(RecordBatchLayout.currentMagic) {
                let candidate = chunkStart + Int64(start)
                let header = try? chunk.withCheckedBytes { raw throws(BatchDefect) in
                    try RecordBatchHeader.decode(UnsafeRawBufferPointer(rebasing: raw[start..<(start + headerBytes)]), batchBytesMax: batchBytesMax)
                }
                guard let header, header.baseOffset >= offset, candidate + Int64(header.totalBytes) <= source.sizeBytes else { continue }
                let whole = try source.readBytes(at: candidate, count: header.totalBytes)
                if (try? whole.withCheckedBytes({ raw throws(BatchDefect) in try RecordBatch.check(raw, batchBytesMax: batchBytesMax) })) != nil {
                    return true
                }
            }
            chunkStart += Int64(lastStart + 1)
        }
        return false
    }

    /// Runs `body` over `count` bytes at `position`, from the window when they are in it.
    private mutating func withBytes<R>(
        at position: Int64, count: Int, _ body: (UnsafeRawBufferPointer) throws(BatchDefect) -> R
    ) throws(BatchDefect) -> R {
        let windowEnd = windowStart + Int64(window.count)
        if position < windowStart || position + Int64(count) > windowEnd {
            let refill = (try? source.readBytes(at: position, count: max(count, Self.windowBytes))) ?? []
            guard refill.count >= count else { throw BatchDefect("could not read \(count) bytes at \(position)") }
            window = refill
            windowStart = position
        }
        let start = Int(position - windowStart)
        return try window.withCheckedBytes { raw throws(BatchDefect) in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<(start + count)]))
        }
    }
}
