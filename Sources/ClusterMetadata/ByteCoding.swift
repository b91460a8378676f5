/// Why bytes could not be decoded as a metadata command or snapshot.
public struct MetadataDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong with the bytes.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { "metadata decoding failed: \(message)" }
}

/// Appends big-endian fields to a buffer.
struct MetadataWriter {
    private(set) var bytes: [UInt8] = []
    /// Set when a string or list was too long for its length field (and was left out): the
    /// encoding is then unusable and the caller must refuse it.
    private(set) var overflowed = false

    mutating func write(_ value: UInt8) { bytes.append(value) }
    mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }
    mutating func write(_ value: Int16) { writeBigEndian(UInt16(bitPattern: value)) }
    mutating func write(_ value: Int32) { writeBigEndian(UInt32(bitPattern: value)) }
    mutating func write(_ value: Int64) { writeBigEndian(UInt64(bitPattern: value)) }
    mutating func write(_ value: UInt32) { writeBigEndian(value) }
    mutating func write(_ value: UInt64) { writeBigEndian(value) }

    /// A 16-bit length, then the UTF-8 bytes.
    mutating func write(_ value: String) {
        let utf8 = Array(value.utf8)
        guard utf8.count <= Int(UInt16.max) else { return overflowed = true }
        writeBigEndian(UInt16(utf8.count))
        bytes.append(contentsOf: utf8)
    }

    mutating func write(_ id: TopicID) { bytes.append(contentsOf: id.bytes) }

    /// A 16-bit count, then each node id.
    mutating func write(_ nodes: [BrokerID]) {
        guard nodes.count <= Int(UInt16.max) else { return overflowed = true }
        writeBigEndian(UInt16(nodes.count))
        for node in nodes { write(node.rawValue) }
    }

    /// A presence byte, then the value if present.
    mutating func writeOptional<Value>(_ value: Value?, _ writeValue: (inout MetadataWriter, Value) -> Void) {
        write(value != nil)
        if let value { writeValue(&self, value) }
    }

    private mutating func writeBigEndian<Value: FixedWidthInteger>(_ value: Value) {
        for shift in stride(from: Value.bitWidth - 8, through: 0, by: -8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }
}

/// Reads big-endian fields; running past the end or meeting a malformed field throws.
struct MetadataReader {
    private let bytes: [UInt8]
    private(set) var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remainingCount: Int { bytes.count - position }

    /// Throws unless every byte was read.
    func expectEnd() throws(MetadataDecodingError) {
        guard remainingCount == 0 else { throw MetadataDecodingError("\(remainingCount) unexpected trailing bytes") }
    }

    mutating func readUInt8() throws(MetadataDecodingError) -> UInt8 { bytes[try take(1)] }

    mutating func readBool() throws(MetadataDecodingError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw MetadataDecodingError("boolean byte \(other)")
        }
    }

    mutating func readInt16() throws(MetadataDecodingError) -> Int16 { Int16(bitPattern: try readBigEndian()) }
    mutating func readInt32() throws(MetadataDecodingError) -> Int32 { Int32(bitPattern: try readBigEndian()) }
    mutating func readInt64() throws(MetadataDecodingError) -> Int64 { Int64(bitPattern: try readBigEndian()) }
    mutating func readUInt32() throws(MetadataDecodingError) -> UInt32 { try readBigEndian() }
    mutating func readUInt64() throws(MetadataDecodingError) -> UInt64 { try readBigEndian() }

    /// A string of at most `bytesMax` bytes of valid UTF-8.
    mutating func readString(bytesMax: Int = Int(UInt16.max)) throws(MetadataDecodingError) -> String {
        let count = Int(try readBigEndian() as UInt16)
        guard count <= bytesMax else { throw MetadataDecodingError("string of \(count) bytes, limit \(bytesMax)") }
        let start = try take(count)
        guard let string = String(validating: bytes[start..<start + count], as: UTF8.self) else {
            throw MetadataDecodingError("string is not valid UTF-8")
        }
        return string
    }

    mutating func readTopicID() throws(MetadataDecodingError) -> TopicID {
        let start = try take(16)
        return TopicID(bytes: Array(bytes[start..<start + 16]))!
    }

    /// A replica list of at most `countMax` nodes.
    mutating func readBrokers(countMax: Int = Int(UInt16.max)) throws(MetadataDecodingError) -> [BrokerID] {
        let count = Int(try readBigEndian() as UInt16)
        guard count <= countMax else { throw MetadataDecodingError("replica list of \(count) nodes, limit \(countMax)") }
        guard count <= remainingCount / 4 else { throw MetadataDecodingError("replica list of \(count) nodes, \(remainingCount) bytes left") }
        var nodes: [BrokerID] = []
        nodes.reserveCapacity(count)
        for _ in 0..<count { nodes.append(BrokerID(try readInt32())) }
        return nodes
    }

    /// A 32-bit element count, checked against `countMax` and against the bytes left, given
    /// that each element takes at least `elementBytesMin`: garbage cannot make us allocate
    /// more than the input's size justifies.
    mutating func readCount(countMax: Int, elementBytesMin: Int) throws(MetadataDecodingError) -> Int {
        let count = Int(try readUInt32())
        guard count <= countMax else { throw MetadataDecodingError("count \(count) exceeds \(countMax)") }
        guard count <= remainingCount / elementBytesMin else {
            throw MetadataDecodingError("count \(count) needs at least \(count * elementBytesMin) bytes, \(remainingCount) left")
        }
        return count
    }

    /// Nil after a 0 byte, the value after a 1 byte.
    mutating func readOptional<Value>(_ readValue: (inout MetadataReader) throws(MetadataDecodingError) -> Value) throws(MetadataDecodingError) -> Value? {
        try readBool() ? try readValue(&self) : nil
    }

    private mutating func readBigEndian<Value: FixedWidthInteger>() throws(MetadataDecodingError) -> Value {
        let start = try take(Value.bitWidth / 8)
        var value: Value = 0
        for byte in bytes[start..<start + Value.bitWidth / 8] { value = value << 8 | Value(byte) }
        return value
    }

    private mutating func take(_ count: Int) throws(MetadataDecodingError) -> Int {
        guard count <= remainingCount else {
            throw MetadataDecodingError("truncated: needed \(count) bytes, \(remainingCount) left")
        }
        defer { position += count }
        return position
    }
}
