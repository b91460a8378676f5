/// Appends Kafka's primitive types to a growing byte array.
///
/// Writing cannot fail: values come from our own code, not from the network. Lengths that do
/// not fit their prefix (a string over 32767 bytes in a non-compact version) are programming
/// errors and stop the process with a message.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8]

    /// Creates an empty writer.
    /// - Parameter capacity: bytes to reserve up front (a hint, not a bound).
    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    /// Number of bytes written so far.
    public var count: Int { bytes.count }

    private mutating func writeBigEndian<T: FixedWidthInteger>(_ value: T) {
        var remaining = MemoryLayout<T>.size
        while remaining > 0 {
            remaining -= 1
            bytes.append(UInt8(truncatingIfNeeded: value >> (remaining * 8)))
        }
    }

    /// Overwrites 4 bytes at `position` with `value`, big-endian (for a size prefix written
    /// before its payload's length was known).
    public mutating func patchInt32(_ value: Int32, at position: Int) {
        precondition(position >= 0 && position + 4 <= bytes.count, "patch at \(position) outside \(bytes.count) bytes")
        for index in 0..<4 {
            bytes[position + index] = UInt8(truncatingIfNeeded: value >> ((3 - index) * 8))
        }
    }

    // MARK: Fixed-width

    /// Writes a boolean as one byte, 0 or 1.
    public mutating func writeBool(_ value: Bool) { bytes.append(value ? 1 : 0) }
    /// Writes a signed 8-bit integer.
    public mutating func writeInt8(_ value: Int8) { writeBigEndian(value) }
    /// Writes a big-endian signed 16-bit integer.
    public mutating func writeInt16(_ value: Int16) { writeBigEndian(value) }
    /// Writes a big-endian signed 32-bit integer.
    public mutating func writeInt32(_ value: Int32) { writeBigEndian(value) }
    /// Writes a big-endian signed 64-bit integer.
    public mutating func writeInt64(_ value: Int64) { writeBigEndian(value) }
    /// Writes a big-endian unsigned 16-bit integer.
    public mutating func writeUInt16(_ value: UInt16) { writeBigEndian(value) }
    /// Writes a big-endian unsigned 32-bit integer.
    public mutating func writeUInt32(_ value: UInt32) { writeBigEndian(value) }
    /// Writes a big-endian IEEE 754 double.
    public mutating func writeFloat64(_ value: Double) { writeBigEndian(value.bitPattern) }
    /// Writes a 16-byte UUID.
    public mutating func writeUUID(_ value: KafkaUUID) {
        writeBigEndian(value.high)
        writeBigEndian(value.low)
    }

    /// Appends raw bytes with no length prefix.
    public mutating func writeRaw<Bytes: Sequence<UInt8>>(_ raw: Bytes) { bytes.append(contentsOf: raw) }

    // MARK: Variable-length integers

    /// Writes an unsigned LEB128 varint (Kafka's UNSIGNED_VARINT).
    public mutating func writeUnsignedVarint(_ value: UInt32) { writeUnsignedLEB128(UInt64(value)) }
    /// Writes a zigzag-encoded signed varint (Kafka's VARINT).
    public mutating func writeVarint(_ value: Int32) {
        writeUnsignedLEB128(UInt64(UInt32(bitPattern: (value << 1) ^ (value >> 31))))
    }
    /// Writes a zigzag-encoded signed varlong (Kafka's VARLONG).
    public mutating func writeVarlong(_ value: Int64) {
        writeUnsignedLEB128(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    private mutating func writeUnsignedLEB128(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    // MARK: Lengths

    /// Writes a length prefix; nil writes the null marker.
    private mutating func writeLength(_ length: Int?, compact: Bool, wide: Bool) {
        guard let length else {
            if compact { writeUnsignedVarint(0) } else if wide { writeInt32(-1) } else { writeInt16(-1) }
            return
        }
        if compact {
            precondition(length < Int(UInt32.max), "compact length \(length) does not fit an unsigned varint")
            writeUnsignedVarint(UInt32(length + 1))
        } else if wide {
            precondition(length <= Int(Int32.max), "length \(length) does not fit an int32")
            writeInt32(Int32(length))
        } else {
            precondition(length <= Int(Int16.max), "string of \(length) bytes does not fit an int16 length")
            writeInt16(Int16(length))
        }
    }

    // MARK: Strings and bytes

    /// Writes a nullable string (int16 length, or compact: unsigned varint length + 1).
    public mutating func writeNullableString(_ value: String?, compact: Bool) {
        guard let value else { return writeLength(nil, compact: compact, wide: false) }
        writeLength(value.utf8.count, compact: compact, wide: false)
        bytes.append(contentsOf: value.utf8)
    }

    /// Writes a non-null string.
    public mutating func writeString(_ value: String, compact: Bool) {
        writeNullableString(value, compact: compact)
    }

    /// Writes nullable bytes (int32 length, or compact: unsigned varint length + 1).
    public mutating func writeNullableBytes(_ value: [UInt8]?, compact: Bool) {
        writeLength(value?.count, compact: compact, wide: true)
        if let value { bytes.append(contentsOf: value) }
    }

    /// Writes non-null bytes.
    public mutating func writeBytes(_ value: [UInt8], compact: Bool) {
        writeNullableBytes(value, compact: compact)
    }

    // MARK: Arrays

    /// Writes a nullable array: its count (int32, or compact: unsigned varint count + 1), then
    /// each element with `element`.
    public mutating func writeNullableArray<Element>(
        _ value: [Element]?, compact: Bool, _ element: (inout ByteWriter, Element) -> Void
    ) {
        writeLength(value?.count, compact: compact, wide: true)
        for item in value ?? [] {
            element(&self, item)
        }
    }

    /// Writes a non-null array.
    public mutating func writeArray<Element>(
        _ value: [Element], compact: Bool, _ element: (inout ByteWriter, Element) -> Void
    ) {
        writeNullableArray(value, compact: compact, element)
    }

    // MARK: Tagged fields

    /// Writes one tagged field: its tag, then its size, then what `body` writes.
    /// The caller writes the section's field count first and the fields in ascending tag order.
    public mutating func writeTaggedField(tag: UInt32, _ body: (inout ByteWriter) -> Void) {
        var field = ByteWriter()
        body(&field)
        writeUnsignedVarint(tag)
        writeUnsignedVarint(UInt32(field.count))
        bytes.append(contentsOf: field.bytes)
    }

    /// Writes an empty tagged-field section (a zero count).
    public mutating func writeEmptyTaggedFields() { writeUnsignedVarint(0) }
}
