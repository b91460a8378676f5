/// One decoded record of a batch.
public struct Record: Sendable, Equatable {
    /// The record's offset.
    public var offset: Offset
    /// The record's timestamp in milliseconds.
    public var timestamp: Int64
    /// The key, nil when absent.
    public var key: [UInt8]?
    /// The value, nil for a tombstone.
    public var value: [UInt8]?
    /// Record headers in order.
    public var headers: [RecordHeader]

    /// Reads one record (`length` varint, then the body) without trapping on any bytes.
    static func decode(from reader: inout ByteReader, in header: RecordBatchHeader) -> Record? {
        guard let length = reader.readVarint(maxBytes: 5), length > 0, length <= reader.remaining else { return nil }
        let end = reader.position + Int(length)
        guard reader.read(bigEndian: Int8.self) != nil,
            let timestampDelta = reader.readVarint(maxBytes: 10),
            let offsetDelta = reader.readVarint(maxBytes: 5),
            offsetDelta >= 0, offsetDelta <= Int64(header.lastOffsetDelta),
            let key = reader.readVarintBytes(),
            let value = reader.readVarintBytes(),
            let headerCount = reader.readVarint(maxBytes: 5), headerCount >= 0, headerCount <= reader.remaining
        else { return nil }
        var headers: [RecordHeader] = []
        for _ in 0..<headerCount {
            guard let headerKey = reader.readVarintBytes(), let headerKey,
                let headerValue = reader.readVarintBytes()
            else { return nil }
            headers.append(RecordHeader(key: headerKey, value: headerValue))
        }
        guard reader.position == end else { return nil }
        let (timestamp, overflow) = header.baseTimestamp.addingReportingOverflow(timestampDelta)
        guard !overflow else { return nil }
        return Record(
            offset: header.baseOffset.advanced(by: offsetDelta), timestamp: timestamp, key: key, value: value,
            headers: headers)
    }
}

/// A record header: a key and an optional value.
public struct RecordHeader: Sendable, Equatable {
    /// The header key (a UTF-8 string in Kafka, kept as bytes).
    public var key: [UInt8]
    /// The header value.
    public var value: [UInt8]?

    /// Creates a header.
    public init(key: [UInt8], value: [UInt8]?) {
        self.key = key
        self.value = value
    }
}
