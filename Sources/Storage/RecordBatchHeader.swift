import Checksum

/// Byte positions of the Kafka record batch v2 header.
///
/// `baseOffset`, `batchLength` and `partitionLeaderEpoch` come before the CRC-covered part
/// (attributes to the end), so stamping offsets and epochs never recomputes the CRC.
enum RecordBatchLayout {
    static let baseOffset = 0
    static let batchLength = 8
    static let partitionLeaderEpoch = 12
    static let magic = 16
    static let crc = 17
    static let attributes = 21
    static let lastOffsetDelta = 23
    static let baseTimestamp = 27
    static let maxTimestamp = 35
    static let producerId = 43
    static let producerEpoch = 51
    static let baseSequence = 53
    static let recordCount = 57
    /// Size of the fixed header; records follow.
    static let headerBytes = 61
    /// `batchLength` counts from the leader epoch on; these bytes precede it.
    static let lengthPrefixBytes = 12
    /// The bytes that stamping rewrites: base offset, length, epoch (up to the magic byte).
    static let stampedPrefixBytes = 16
    static let currentMagic: Int8 = 2

    /// CRC32C of the covered part of a whole batch.
    static func checksum(of batch: UnsafeRawBufferPointer) -> UInt32 {
        CRC32C.checksum(UnsafeRawBufferPointer(rebasing: batch[attributes...]))
    }
}

/// A batch's attributes bits: compression codec, timestamp type, transactional, control.
public struct RecordBatchAttributes: OptionSet, Sendable, Hashable {
    /// The raw 16-bit attributes field.
    public var rawValue: Int16

    /// Wraps raw attributes bits.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Timestamps were set by the broker (LogAppendTime), not the producer.
    public static let logAppendTime = RecordBatchAttributes(rawValue: 1 << 3)
    /// The batch belongs to a transaction.
    public static let transactional = RecordBatchAttributes(rawValue: 1 << 4)
    /// A control batch (transaction markers; in Tributary also Raft no-op and membership entries).
    public static let control = RecordBatchAttributes(rawValue: 1 << 5)

    /// The compression codec (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd).
    public var compressionCodec: Int { Int(rawValue & 0x7) }
}

/// Why bytes are not a valid record batch; a sentence for the error message.
struct BatchDefect: Error, Equatable {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}

/// The fixed fields of a record batch v2, decoded and checked without reading the records.
public struct RecordBatchHeader: Sendable, Equatable {
    /// Offset of the first record.
    public var baseOffset: Offset
    /// Bytes after the length field (the whole batch is `batchLength + 12` bytes).
    public var batchLength: Int32
    /// The leader epoch (Raft term) that wrote the batch.
    public var partitionLeaderEpoch: LeaderEpoch
    /// CRC32C stored in the batch (over attributes to the end).
    public var crc: UInt32
    /// Compression, timestamp type, transactional and control bits.
    public var attributes: RecordBatchAttributes
    /// `lastOffset - baseOffset`.
    public var lastOffsetDelta: Int32
    /// Timestamp of the first record, in milliseconds.
    public var baseTimestamp: Int64
    /// Largest record timestamp, in milliseconds.
    public var maxTimestamp: Int64
    /// Idempotent producer id, `-1` when none.
    public var producerId: Int64
    /// Idempotent producer epoch, `-1` when none.
    public var producerEpoch: Int16
    /// Sequence number of the first record, `-1` when none.
    public var baseSequence: Int32
    /// Number of records in the batch.
    public var recordCount: Int32

    /// Total size of the batch in bytes.
    public var totalBytes: Int { Int(batchLength) + RecordBatchLayout.lengthPrefixBytes }
    /// Offset of the last record.
    public var lastOffset: Offset { baseOffset.advanced(by: Int64(lastOffsetDelta)) }
    /// The offset right after this batch.
    public var nextOffset: Offset { lastOffset.advanced(by: 1) }
    /// Whether consumers skip this batch (control batch).
    public var isControl: Bool { attributes.contains(.control) }

    /// Decodes and checks the header at the start of `raw`; never traps.
    /// - Parameters:
    ///   - raw: at least the first ``RecordBatchLayout/headerBytes`` bytes of a batch.
    ///   - batchBytesMax: the largest acceptable total batch size.
    static func decode(_ raw: UnsafeRawBufferPointer, batchBytesMax: Int) throws(BatchDefect) -> RecordBatchHeader {
        guard raw.count >= RecordBatchLayout.headerBytes else {
            throw BatchDefect("\(raw.count) bytes is shorter than a batch header")
        }
        func load<T: FixedWidthInteger>(_ position: Int, _: T.Type) -> T {
            T(bigEndian: raw.loadUnaligned(fromByteOffset: position, as: T.self))
        }
        let magic = load(RecordBatchLayout.magic, Int8.self)
        guard magic == RecordBatchLayout.currentMagic else { throw BatchDefect("magic \(magic), expected 2") }
        let header = RecordBatchHeader(
            baseOffset: Offset(load(RecordBatchLayout.baseOffset, Int64.self)),
            batchLength: load(RecordBatchLayout.batchLength, Int32.self),
            partitionLeaderEpoch: LeaderEpoch(load(RecordBatchLayout.partitionLeaderEpoch, Int32.self)),
            crc: load(RecordBatchLayout.crc, UInt32.self),
            attributes: RecordBatchAttributes(rawValue: load(RecordBatchLayout.attributes, Int16.self)),
            lastOffsetDelta: load(RecordBatchLayout.lastOffsetDelta, Int32.self),
            baseTimestamp: load(RecordBatchLayout.baseTimestamp, Int64.self),
            maxTimestamp: load(RecordBatchLayout.maxTimestamp, Int64.self),
            producerId: load(RecordBatchLayout.producerId, Int64.self),
            producerEpoch: load(RecordBatchLayout.producerEpoch, Int16.self),
            baseSequence: load(RecordBatchLayout.baseSequence, Int32.self),
            recordCount: load(RecordBatchLayout.recordCount, Int32.self))
        try header.check(batchBytesMax: batchBytesMax)
        return header
    }

    private func check(batchBytesMax: Int) throws(BatchDefect) {
        let minimumLength = RecordBatchLayout.headerBytes - RecordBatchLayout.lengthPrefixBytes
        guard batchLength >= minimumLength else { throw BatchDefect("batch length \(batchLength) below \(minimumLength)") }
        guard totalBytes <= batchBytesMax else {
            throw BatchDefect("batch of \(totalBytes) bytes exceeds batchBytesMax \(batchBytesMax)")
        }
        guard baseOffset.rawValue >= 0 else { throw BatchDefect("negative base offset \(baseOffset)") }
        guard lastOffsetDelta >= 0, baseOffset.rawValue <= Int64.max - Int64(lastOffsetDelta) - 1 else {
            throw BatchDefect("last offset delta \(lastOffsetDelta) out of range")
        }
        let recordBytes = totalBytes - RecordBatchLayout.headerBytes
        guard recordCount >= 0, Int64(recordCount) <= Int64(lastOffsetDelta) + 1, Int(recordCount) <= recordBytes else {
            throw BatchDefect("record count \(recordCount) inconsistent with delta \(lastOffsetDelta) and \(recordBytes) record bytes")
        }
    }
}

extension Array where Element == UInt8 {
    /// `withUnsafeBytes` for checks that throw ``BatchDefect`` (the standard one only rethrows untyped).
    func withCheckedBytes<R>(_ body: (UnsafeRawBufferPointer) throws(BatchDefect) -> R) throws(BatchDefect) -> R {
        try withUnsafeBytes { raw in Result { () throws(BatchDefect) -> R in try body(raw) } }.get()
    }
}
