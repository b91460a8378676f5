import Checksum

/// A record to put into a new batch.
public struct NewRecord: Sendable, Equatable {
    /// The key, nil when absent.
    public var key: [UInt8]?
    /// The value, nil for a tombstone.
    public var value: [UInt8]?
    /// Record headers.
    public var headers: [RecordHeader]
    /// Timestamp in milliseconds.
    public var timestamp: Int64

    /// Creates a record.
    public init(key: [UInt8]? = nil, value: [UInt8]?, headers: [RecordHeader] = [], timestamp: Int64) {
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }
}

/// The idempotent-producer fields of a batch; `.none` for batches without a producer.
public struct ProducerIdentity: Sendable, Equatable {
    /// Producer id, `-1` when none.
    public var producerId: Int64
    /// Producer epoch, `-1` when none.
    public var producerEpoch: Int16
    /// Sequence of the batch's first record, `-1` when none.
    public var baseSequence: Int32

    /// Creates producer fields.
    public init(producerId: Int64, producerEpoch: Int16, baseSequence: Int32) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
    }

    /// No idempotent producer.
    public static let none = ProducerIdentity(producerId: -1, producerEpoch: -1, baseSequence: -1)
}

/// The type field of a control record's key.
public struct ControlRecordType: RawRepresentable, Sendable, Hashable {
    /// The type as encoded in the key.
    public var rawValue: Int16

    /// Wraps a raw control type.
    public init(rawValue: Int16) { self.rawValue = rawValue }

    /// Kafka transaction abort marker.
    public static let abort = ControlRecordType(rawValue: 0)
    /// Kafka transaction commit marker.
    public static let commit = ControlRecordType(rawValue: 1)
    /// A new leader's first entry (KRaft's LeaderChange; Tributary's Raft no-op).
    public static let leaderChange = ControlRecordType(rawValue: 2)
    /// The set of voters (KRaft's KRaftVoters; Tributary's Raft membership entry).
    public static let voters = ControlRecordType(rawValue: 6)
}

/// Encodes new, uncompressed record batches (v2) for tests, tools and Raft control entries.
public enum RecordBatchBuilder {
    /// Encodes `records` as one batch with offsets `baseOffset...baseOffset + count - 1`.
    /// - Parameters:
    ///   - records: at least one record.
    ///   - attributes: batch attributes; compression bits must be 0 (records are not compressed).
    public static func batch(
        _ records: [NewRecord], attributes: RecordBatchAttributes = [], producer: ProducerIdentity = .none,
        baseOffset: Offset = 0, leaderEpoch: LeaderEpoch = .none
    ) -> RecordBatch {
        precondition(!records.isEmpty, "a batch holds at least one record")
        precondition(records.count <= Int(Int32.max), "too many records for one batch")
        precondition(attributes.compressionCodec == 0, "the builder writes uncompressed batches only")
        let baseTimestamp = records[0].timestamp
        // Reserved whole: growing the batch as records go in would copy it again and again.
        var capacity = RecordBatchLayout.headerBytes
        for (delta, record) in records.enumerated() {
            let body = bodySize(of: record, offsetDelta: delta, timestampDelta: record.timestamp &- baseTimestamp)
            capacity += ByteWriter.varintSize(Int64(body)) + body
        }
        var writer = ByteWriter(reservingCapacity: capacity)
        appendHeader(
            to: &writer, baseOffset: baseOffset, leaderEpoch: leaderEpoch, attributes: attributes,
            lastOffsetDelta: Int32(records.count - 1), baseTimestamp: baseTimestamp,
            maxTimestamp: records.map(\.timestamp).max() ?? baseTimestamp, producer: producer, recordCount: Int32(records.count))
        for (delta, record) in records.enumerated() {
            append(record, offsetDelta: delta, timestampDelta: record.timestamp &- baseTimestamp, to: &writer)
        }
        return finish(writer)
    }

    /// Encodes a batch that takes `offsetCount` offsets from `baseOffset` on but holds no record:
    /// the shape Kafka's compaction leaves when it empties a batch, which every client steps
    /// over without handing anything to the application.
    public static func emptyBatch(baseOffset: Offset, offsetCount: Int32, leaderEpoch: LeaderEpoch, timestamp: Int64) -> RecordBatch {
        precondition(offsetCount >= 1, "a batch takes at least one offset")
        var writer = ByteWriter(reservingCapacity: RecordBatchLayout.headerBytes)
        appendHeader(
            to: &writer, baseOffset: baseOffset, leaderEpoch: leaderEpoch, attributes: [], lastOffsetDelta: offsetCount - 1,
            baseTimestamp: timestamp, maxTimestamp: timestamp, producer: .none, recordCount: 0)
        return finish(writer)
    }

    /// The fixed header, with the length and CRC left 0 for ``finish(_:)``.
    private static func appendHeader(
        to writer: inout ByteWriter, baseOffset: Offset, leaderEpoch: LeaderEpoch, attributes: RecordBatchAttributes,
        lastOffsetDelta: Int32, baseTimestamp: Int64, maxTimestamp: Int64, producer: ProducerIdentity, recordCount: Int32
    ) {
        writer.append(bigEndian: baseOffset.rawValue)
        writer.append(bigEndian: Int32(0))  // batchLength
        writer.append(bigEndian: leaderEpoch.rawValue)
        writer.append(bigEndian: RecordBatchLayout.currentMagic)
        writer.append(bigEndian: UInt32(0))  // crc
        writer.append(bigEndian: attributes.rawValue)
        writer.append(bigEndian: lastOffsetDelta)
        writer.append(bigEndian: baseTimestamp)
        writer.append(bigEndian: maxTimestamp)
        writer.append(bigEndian: producer.producerId)
        writer.append(bigEndian: producer.producerEpoch)
        writer.append(bigEndian: producer.baseSequence)
        writer.append(bigEndian: recordCount)
    }

    /// Patches the length and CRC into a whole encoded batch.
    private static func finish(_ written: ByteWriter) -> RecordBatch {
        var writer = written
        let length = writer.bytes.count - RecordBatchLayout.lengthPrefixBytes
        precondition(length <= Int(Int32.max), "batch too large")
        writer.write(bigEndian: Int32(length), at: RecordBatchLayout.batchLength)
        let crc = writer.bytes.withUnsafeBytes { RecordBatchLayout.checksum(of: $0) }
        writer.write(bigEndian: crc, at: RecordBatchLayout.crc)
        let bytes = writer.bytes
        guard let header = bytes.withUnsafeBytes({ try? RecordBatchHeader.decode($0, batchBytesMax: Int.max) }) else {
            preconditionFailure("the builder produced an invalid header")
        }
        return RecordBatch(checked: bytes, header: header)
    }

    /// Encodes a control batch of one record whose key is (version 0, `type`) and whose value is `value`.
    public static func controlBatch(
        type: ControlRecordType, value: [UInt8], timestamp: Int64, baseOffset: Offset = 0,
        leaderEpoch: LeaderEpoch = .none
    ) -> RecordBatch {
        var key = ByteWriter(reservingCapacity: 4)
        key.append(bigEndian: Int16(0))
        key.append(bigEndian: type.rawValue)
        let record = NewRecord(key: key.bytes, value: value, timestamp: timestamp)
        return batch([record], attributes: .control, baseOffset: baseOffset, leaderEpoch: leaderEpoch)
    }

    /// The bytes of a record after its length prefix.
    private static func bodySize(of record: NewRecord, offsetDelta: Int, timestampDelta: Int64) -> Int {
        var size = 1 + ByteWriter.varintSize(timestampDelta) + ByteWriter.varintSize(Int64(offsetDelta))
        size += ByteWriter.varintBytesSize(record.key) + ByteWriter.varintBytesSize(record.value)
        size += ByteWriter.varintSize(Int64(record.headers.count))
        for header in record.headers {
            size += ByteWriter.varintBytesSize(header.key) + ByteWriter.varintBytesSize(header.value)
        }
        return size
    }

    private static func append(_ record: NewRecord, offsetDelta: Int, timestampDelta: Int64, to writer: inout ByteWriter) {
        let size = bodySize(of: record, offsetDelta: offsetDelta, timestampDelta: timestampDelta)
        writer.append(varint: Int64(size))
        let bodyStart = writer.bytes.count
        writer.append(bigEndian: Int8(0))  // record attributes: unused in v2
        writer.append(varint: timestampDelta)
        writer.append(varint: Int64(offsetDelta))
        writer.append(varintBytes: record.key)
        writer.append(varintBytes: record.value)
        writer.append(varint: Int64(record.headers.count))
        for header in record.headers {
            writer.append(varintBytes: header.key)
            writer.append(varintBytes: header.value)
        }
        assert(writer.bytes.count - bodyStart == size, "a record's length prefix disagrees with its body")
    }
}
