/// One whole Kafka record batch v2 whose framing and CRC32C have been checked.
///
/// This is also one Raft entry: its offsets are the entry's index range and its partition leader
/// epoch is the entry's term.
public struct RecordBatch: Sendable, Equatable {
    /// The batch exactly as stored and sent on the wire.
    public private(set) var bytes: [UInt8]
    /// The decoded fixed fields.
    public private(set) var header: RecordBatchHeader

    /// Checks `bytes` as one complete batch: header fields, exact length and CRC32C. Never traps.
    /// - Parameters:
    ///   - bytes: exactly one batch.
    ///   - batchBytesMax: the largest acceptable batch.
    /// - Throws: ``StorageError`` with code ``StorageError/Code/invalidBatch`` saying what is wrong.
    public init(validating bytes: [UInt8], batchBytesMax: Int = StorageLimits.production.batchBytesMax) throws {
        do {
            self.header = try bytes.withCheckedBytes { raw throws(BatchDefect) in
                try RecordBatch.check(raw, batchBytesMax: batchBytesMax)
            }
        } catch {
            throw StorageError(.invalidBatch, error.reason)
        }
        self.bytes = bytes
    }

    /// Wraps bytes the caller has just built or checked.
    init(checked bytes: [UInt8], header: RecordBatchHeader) {
        precondition(bytes.count == header.totalBytes, "batch bytes and header disagree")
        self.bytes = bytes
        self.header = header
    }

    /// Checks one complete batch in `raw` and returns its header.
    static func check(_ raw: UnsafeRawBufferPointer, batchBytesMax: Int) throws(BatchDefect) -> RecordBatchHeader {
        let header = try RecordBatchHeader.decode(raw, batchBytesMax: batchBytesMax)
        guard raw.count == header.totalBytes else {
            throw BatchDefect("\(raw.count) bytes given, batch length says \(header.totalBytes)")
        }
        let computed = RecordBatchLayout.checksum(of: raw)
        guard computed == header.crc else {
            throw BatchDefect("CRC32C mismatch: stored \(hex(header.crc)), computed \(hex(computed))")
        }
        return header
    }

    /// Offset of the first record.
    public var baseOffset: Offset { header.baseOffset }
    /// Offset of the last record.
    public var lastOffset: Offset { header.lastOffset }
    /// The leader epoch (Raft term) stamped on the batch.
    public var leaderEpoch: LeaderEpoch { header.partitionLeaderEpoch }
    /// Whether this is a control batch.
    public var isControl: Bool { header.isControl }

    /// Whether `bytes`, the start of a batch, has the control attribute, read from the attributes
    /// field alone (no framing or CRC check): for bytes already checked when they were stored,
    /// where checking every batch again only to find the rare control batch would cost a CRC each.
    /// False when `bytes` is too short to hold the field.
    public static func hasControlAttribute(_ bytes: [UInt8]) -> Bool {
        guard bytes.count >= RecordBatchLayout.headerBytes else { return false }
        let raw = Int16(bitPattern: UInt16(bytes[RecordBatchLayout.attributes]) << 8 | UInt16(bytes[RecordBatchLayout.attributes + 1]))
        return RecordBatchAttributes(rawValue: raw).contains(.control)
    }

    /// Sets the base offset and leader epoch (the leader's stamping); the CRC stays valid because
    /// neither field is covered by it.
    public mutating func stamp(baseOffset: Offset, leaderEpoch: LeaderEpoch) {
        precondition(baseOffset.rawValue >= 0, "negative base offset \(baseOffset)")
        precondition(
            baseOffset.rawValue <= Int64.max - Int64(header.lastOffsetDelta) - 1, "base offset \(baseOffset) overflows")
        // In place: the leader stamps every produced batch, and scratch arrays cost allocations.
        bytes.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: baseOffset.rawValue.bigEndian, toByteOffset: RecordBatchLayout.baseOffset, as: Int64.self)
            raw.storeBytes(of: leaderEpoch.rawValue.bigEndian, toByteOffset: RecordBatchLayout.partitionLeaderEpoch, as: Int32.self)
        }
        header.baseOffset = baseOffset
        header.partitionLeaderEpoch = leaderEpoch
    }

    /// The first 16 bytes of the batch as they would be after ``stamp(baseOffset:leaderEpoch:)``,
    /// without copying the batch; the log writes them in front of the unchanged rest.
    func stampedPrefix(baseOffset: Offset, leaderEpoch: LeaderEpoch) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: RecordBatchLayout.stampedPrefixBytes)
        writer.append(bigEndian: baseOffset.rawValue)
        writer.append(bigEndian: header.batchLength)
        writer.append(bigEndian: leaderEpoch.rawValue)
        return writer.bytes
    }

    /// Decodes the records of an uncompressed batch.
    /// - Throws: ``StorageError`` (``StorageError/Code/invalidBatch``) for compressed batches and malformed records.
    public func records() throws -> [Record] {
        guard header.attributes.compressionCodec == 0 else {
            throw StorageError(.invalidBatch, "records of compressed batches (codec \(header.attributes.compressionCodec)) are not decoded here")
        }
        return try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw, position: RecordBatchLayout.headerBytes)
            var records: [Record] = []
            records.reserveCapacity(Int(header.recordCount))
            for index in 0..<Int(header.recordCount) {
                guard let record = Record.decode(from: &reader, in: header) else {
                    throw StorageError(.invalidBatch, "record \(index) of batch at offset \(baseOffset) is malformed")
                }
                records.append(record)
            }
            guard reader.remaining == 0 else {
                throw StorageError(.invalidBatch, "\(reader.remaining) bytes after the last record of batch at offset \(baseOffset)")
            }
            return records
        }
    }
}

func hex(_ value: UInt32) -> String {
    let digits = String(value, radix: 16)
    return "0x" + String(repeating: "0", count: 8 - digits.count) + digits
}
