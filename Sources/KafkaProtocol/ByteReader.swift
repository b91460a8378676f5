/// Reads Kafka's primitive types from a byte array, front to back.
///
/// Every read checks the bytes left first and throws `KafkaDecodingError` when they do not
/// suffice, so arbitrary input never traps. Declared lengths and counts are checked against the
/// bytes left before anything is allocated: a 4-byte count cannot make the decoder reserve
/// gigabytes.
public struct ByteReader: Sendable {
    private let bytes: [UInt8]
    /// Index of the next byte to read.
    public private(set) var position: Int
    /// Index one past the last byte this reader may read.
    public let endPosition: Int

    /// Creates a reader over all of `bytes`.
    /// - Parameter bytes: the input.
    public init(_ bytes: [UInt8]) {
        self.init(bytes, range: bytes.startIndex..<bytes.endIndex)
    }

    /// Creates a reader over `range` of `bytes` (e.g. a frame's body without its size prefix).
    /// - Parameters:
    ///   - bytes: the input.
    ///   - range: the part of `bytes` to read; must lie within `bytes`.
    public init(_ bytes: [UInt8], range: Range<Int>) {
        precondition(range.lowerBound >= bytes.startIndex && range.upperBound <= bytes.endIndex,
                     "reader range \(range) outside of \(bytes.count) bytes")
        self.bytes = bytes
        self.position = range.lowerBound
        self.endPosition = range.upperBound
    }

    /// How many bytes are left to read.
    public var remainingByteCount: Int { endPosition - position }

    /// Throws unless every byte has been read: trailing garbage means the sender and we disagree
    /// about the layout.
    public func expectEnd(of what: @autoclosure () -> String) throws(KafkaDecodingError) {
        guard remainingByteCount == 0 else {
            throw KafkaDecodingError("\(remainingByteCount) unexpected trailing bytes after \(what())")
        }
    }

    private mutating func take(_ count: Int, for what: String) throws(KafkaDecodingError) -> Range<Int> {
        guard count >= 0, count <= remainingByteCount else {
            throw KafkaDecodingError("\(what) needs \(count) bytes, \(remainingByteCount) left")
        }
        let range = position..<(position + count)
        position += count
        return range
    }

    private mutating func readBigEndian<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(KafkaDecodingError) -> T {
        let range = try take(MemoryLayout<T>.size, for: what)
        var value: T = 0
        for index in range {
            value = (value << 8) | T(truncatingIfNeeded: bytes[index])
        }
        return value
    }

    // MARK: Fixed-width

    /// Reads a boolean (one byte, any non-zero value is true, as Kafka's Java reader does).
    public mutating func readBool() throws(KafkaDecodingError) -> Bool { try readInt8() != 0 }
    /// Reads a signed 8-bit integer.
    public mutating func readInt8() throws(KafkaDecodingError) -> Int8 { try readBigEndian(Int8.self, "int8") }
    /// Reads a big-endian signed 16-bit integer.
    public mutating func readInt16() throws(KafkaDecodingError) -> Int16 { try readBigEndian(Int16.self, "int16") }
    /// Reads a big-endian signed 32-bit integer.
    public mutating func readInt32() throws(KafkaDecodingError) -> Int32 { try readBigEndian(Int32.self, "int32") }
    /// Reads a big-endian signed 64-bit integer.
    public mutating func readInt64() throws(KafkaDecodingError) -> Int64 { try readBigEndian(Int64.self, "int64") }
    /// Reads a big-endian unsigned 16-bit integer.
    public mutating func readUInt16() throws(KafkaDecodingError) -> UInt16 { try readBigEndian(UInt16.self, "uint16") }
    /// Reads a big-endian unsigned 32-bit integer.
    public mutating func readUInt32() throws(KafkaDecodingError) -> UInt32 { try readBigEndian(UInt32.self, "uint32") }
    /// Reads a big-endian IEEE 754 double.
    public mutating func readFloat64() throws(KafkaDecodingError) -> Double {
        Double(bitPattern: try readBigEndian(UInt64.self, "float64"))
    }

    /// Reads a 16-byte UUID.
    public mutating func readUUID() throws(KafkaDecodingError) -> KafkaUUID {
        let high = try readBigEndian(UInt64.self, "uuid")
        let low = try readBigEndian(UInt64.self, "uuid")
        return KafkaUUID(high: high, low: low)
    }

    // MARK: Variable-length integers

    /// Reads an unsigned LEB128 varint of at most 5 bytes (Kafka's UNSIGNED_VARINT).
    public mutating func readUnsignedVarint() throws(KafkaDecodingError) -> UInt32 {
        UInt32(truncatingIfNeeded: try readUnsignedLEB128(byteCountMax: 5, bitCount: 32, "unsigned varint"))
    }

    /// Reads a zigzag-encoded signed varint of at most 5 bytes (Kafka's VARINT).
    public mutating func readVarint() throws(KafkaDecodingError) -> Int32 {
        let raw = UInt32(truncatingIfNeeded: try readUnsignedLEB128(byteCountMax: 5, bitCount: 32, "varint"))
        return Int32(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    /// Reads a zigzag-encoded signed varint of at most 10 bytes (Kafka's VARLONG).
    public mutating func readVarlong() throws(KafkaDecodingError) -> Int64 {
        let raw = try readUnsignedLEB128(byteCountMax: 10, bitCount: 64, "varlong")
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    private mutating func readUnsignedLEB128(byteCountMax: Int, bitCount: Int, _ what: String) throws(KafkaDecodingError) -> UInt64 {
        var value: UInt64 = 0
        for index in 0..<byteCountMax {
            let byte = UInt8(bitPattern: try readInt8())
            let shift = UInt64(index * 7)
            let payload = UInt64(byte & 0x7f)
            // The last permitted byte may only carry the bits that still fit.
            if shift + 7 > UInt64(bitCount), payload >> (UInt64(bitCount) - shift) != 0 {
                throw KafkaDecodingError("\(what) overflows \(bitCount) bits")
            }
            value |= payload << shift
            if byte & 0x80 == 0 { return value }
        }
        throw KafkaDecodingError("\(what) longer than \(byteCountMax) bytes")
    }

    // MARK: Lengths

    /// Reads a length prefix (int16/int32, or unsigned varint minus one when `compact`).
    /// Returns nil for the null marker (-1, or 0 when compact). Throws on other negative values
    /// and on lengths beyond the bytes left, since each unit takes at least one byte.
    private mutating func readLength(compact: Bool, wide: Bool, _ what: String) throws(KafkaDecodingError) -> Int? {
        let length: Int
        if compact {
            length = Int(try readUnsignedVarint()) - 1
        } else if wide {
            length = Int(try readInt32())
        } else {
            length = Int(try readInt16())
        }
        if length == -1 { return nil }
        guard length >= 0 else { throw KafkaDecodingError("negative \(what) length \(length)") }
        guard length <= remainingByteCount else {
            throw KafkaDecodingError("\(what) length \(length) exceeds the \(remainingByteCount) bytes left")
        }
        return length
    }

    private func nonNull<T>(_ value: T?, _ what: String) throws(KafkaDecodingError) -> T {
        guard let value else { throw KafkaDecodingError("null \(what) where it is not nullable") }
        return value
    }

    // MARK: Strings and bytes

    /// Reads a nullable string (int16 length, or compact: unsigned varint length + 1).
    /// Compact strings are held to the classic int16 bound too, as Kafka does: a string read
    /// from one version can then always be written in any other.
    public mutating func readNullableString(compact: Bool) throws(KafkaDecodingError) -> String? {
        guard let length = try readLength(compact: compact, wide: false, "string") else { return nil }
        guard length <= Int(Int16.max) else {
            throw KafkaDecodingError("string length \(length) exceeds \(Int16.max)")
        }
        let range = try take(length, for: "string")
        guard let string = String(validating: bytes[range], as: UTF8.self) else {
            throw KafkaDecodingError("string of \(length) bytes is not valid UTF-8")
        }
        return string
    }

    /// Reads a non-null string; a null marker is an error.
    public mutating func readString(compact: Bool) throws(KafkaDecodingError) -> String {
        try nonNull(try readNullableString(compact: compact), "string")
    }

    /// Reads nullable bytes (int32 length, or compact: unsigned varint length + 1).
    public mutating func readNullableBytes(compact: Bool) throws(KafkaDecodingError) -> [UInt8]? {
        guard let length = try readLength(compact: compact, wide: true, "bytes") else { return nil }
        return Array(bytes[try take(length, for: "bytes")])
    }

    /// Reads non-null bytes; a null marker is an error.
    public mutating func readBytes(compact: Bool) throws(KafkaDecodingError) -> [UInt8] {
        try nonNull(try readNullableBytes(compact: compact), "bytes")
    }

    // MARK: Arrays

    /// Reads a nullable array: its count (int32, or compact: unsigned varint count + 1), then
    /// each element with `element`. The count may not exceed the bytes left.
    public mutating func readNullableArray<Element>(
        compact: Bool, _ element: (inout ByteReader) throws(KafkaDecodingError) -> Element
    ) throws(KafkaDecodingError) -> [Element]? {
        guard let count = try readLength(compact: compact, wide: true, "array") else { return nil }
        var elements: [Element] = []
        for _ in 0..<count {
            elements.append(try element(&self))
        }
        return elements
    }

    /// Reads a non-null array; a null marker is an error.
    public mutating func readArray<Element>(
        compact: Bool, _ element: (inout ByteReader) throws(KafkaDecodingError) -> Element
    ) throws(KafkaDecodingError) -> [Element] {
        try nonNull(try readNullableArray(compact: compact, element), "array")
    }

    // MARK: Tagged fields

    /// Reads a tagged-field section (flexible versions): a count, then per field its tag, size
    /// and bytes. `field` is called with a reader limited to the field's bytes and returns
    /// whether it knew the tag; a known field must use exactly its bytes, unknown ones are
    /// skipped. The count is bounded by the bytes left (each field takes at least two).
    public mutating func readTaggedFields(
        _ field: (_ tag: UInt32, _ reader: inout ByteReader) throws(KafkaDecodingError) -> Bool
    ) throws(KafkaDecodingError) {
        let count = Int(try readUnsignedVarint())
        guard count <= remainingByteCount / 2 else {
            throw KafkaDecodingError("tagged field count \(count) exceeds what \(remainingByteCount) bytes can hold")
        }
        for _ in 0..<count {
            let tag = try readUnsignedVarint()
            let size = Int(try readUnsignedVarint())
            let range = try take(size, for: "tagged field \(tag)")
            var fieldReader = ByteReader(bytes, range: range)
            if try field(tag, &fieldReader) {
                try fieldReader.expectEnd(of: "tagged field \(tag)")
            }
        }
    }

    /// Reads a tagged-field section and ignores every field in it (headers, messages without
    /// known tagged fields).
    public mutating func skipTaggedFields() throws(KafkaDecodingError) {
        try readTaggedFields { _, _ in false }
    }
}
