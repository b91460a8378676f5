/// Big-endian and zig-zag varint encoding into a growing byte array (Kafka's wire rules).
struct ByteWriter {
    private(set) var bytes: [UInt8]

    init(reservingCapacity capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    mutating func append<T: FixedWidthInteger>(bigEndian value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func append(_ raw: [UInt8]) { bytes.append(contentsOf: raw) }

    /// Kafka `varint`/`varlong`: zig-zag, then 7 bits per byte, low bits first.
    mutating func append(varint value: Int64) {
        var zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while zigzag >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: zigzag) | 0x80)
            zigzag >>= 7
        }
        bytes.append(UInt8(zigzag))
    }

    /// Bytes ``append(varint:)`` writes for `value`.
    static func varintSize(_ value: Int64) -> Int {
        let zigzag = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        return max(1, (64 - zigzag.leadingZeroBitCount + 6) / 7)
    }

    /// Bytes ``append(varintBytes:)`` writes for `value`.
    static func varintBytesSize(_ value: [UInt8]?) -> Int {
        guard let value else { return varintSize(-1) }
        return varintSize(Int64(value.count)) + value.count
    }

    /// A nullable byte string: varint length (`-1` for nil), then the bytes.
    mutating func append(varintBytes value: [UInt8]?) {
        guard let value else { return append(varint: -1) }
        append(varint: Int64(value.count))
        append(value)
    }

    /// Overwrites a big-endian integer at `position`.
    mutating func write<T: FixedWidthInteger>(bigEndian value: T, at position: Int) {
        withUnsafeBytes(of: value.bigEndian) { raw in
            for (index, byte) in raw.enumerated() { bytes[position + index] = byte }
        }
    }
}

/// A bounds-checked cursor over bytes from disk or network: every read returns nil instead of trapping.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    private(set) var position: Int

    init(_ bytes: UnsafeRawBufferPointer, position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remaining: Int { bytes.count - position }

    mutating func read<T: FixedWidthInteger>(bigEndian _: T.Type) -> T? {
        guard remaining >= MemoryLayout<T>.size else { return nil }
        let value = bytes.loadUnaligned(fromByteOffset: position, as: T.self)
        position += MemoryLayout<T>.size
        return T(bigEndian: value)
    }

    /// A zig-zag varint of at most `maxBytes` bytes (5 for `varint`, 10 for `varlong`).
    mutating func readVarint(maxBytes: Int = 10) -> Int64? {
        var result: UInt64 = 0
        for index in 0..<maxBytes {
            guard position < bytes.count else { return nil }
            let byte = bytes[position]
            position += 1
            result |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 {
                let decoded = Int64(bitPattern: (result >> 1) ^ (0 &- (result & 1)))
                if maxBytes <= 5, decoded < Int64(Int32.min) || decoded > Int64(Int32.max) { return nil }
                return decoded
            }
        }
        return nil
    }

    mutating func readBytes(count: Int) -> [UInt8]? {
        guard count >= 0, count <= remaining else { return nil }
        defer { position += count }
        return Array(UnsafeRawBufferPointer(rebasing: bytes[position..<position + count]))
    }

    /// A nullable byte string written by ``ByteWriter/append(varintBytes:)``.
    /// - Returns: `.some(nil)` for a null string, `nil` when the bytes are malformed.
    mutating func readVarintBytes() -> [UInt8]?? {
        guard let length = readVarint(maxBytes: 5) else { return nil }
        if length == -1 { return .some(nil) }
        guard length >= 0, let value = readBytes(count: Int(length)) else { return nil }
        return .some(value)
    }
}
