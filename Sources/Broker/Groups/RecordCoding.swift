/// Appends big-endian integers, length-prefixed strings and byte blobs (the broker's durable
/// record layouts).
struct RecordWriter {
    private(set) var bytes: [UInt8] = []

    mutating func write<T: FixedWidthInteger>(_ value: T) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    /// Callers bound strings by `identifierBytesMax` (validated to fit 16 bits) before they get here.
    mutating func write(_ string: String) {
        let utf8 = Array(string.utf8)
        precondition(utf8.count < Int(UInt16.max), "a stored string of \(utf8.count) bytes passed its bound")
        write(UInt16(utf8.count))
        bytes += utf8
    }

    mutating func writeNullable(_ string: String?) {
        guard let string else { return write(UInt16.max) }
        write(string)
    }

    mutating func writeBytes(_ blob: [UInt8]) {
        precondition(blob.count <= Int(UInt32.max), "a stored blob of \(blob.count) bytes passed its bound")
        write(UInt32(blob.count))
        bytes += blob
    }
}

/// Reads what `RecordWriter` wrote; any truncation or bad length is an error, never a trap.
struct RecordReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remainingCount: Int { bytes.count - position }

    private mutating func take(_ count: Int, _ what: String) throws(GroupRecordDecodingError) -> ArraySlice<UInt8> {
        guard count <= remainingCount else {
            throw GroupRecordDecodingError(message: "\(what) needs \(count) bytes, \(remainingCount) left")
        }
        defer { position += count }
        return bytes[position..<position + count]
    }

    private mutating func readInteger<T: FixedWidthInteger>(_: T.Type) throws(GroupRecordDecodingError) -> T {
        var value: T = 0
        for byte in try take(MemoryLayout<T>.size, "\(T.self)") {
            value = value << 8 | T(byte)
        }
        return value
    }

    mutating func readUInt16() throws(GroupRecordDecodingError) -> UInt16 { try readInteger(UInt16.self) }
    mutating func readUInt32() throws(GroupRecordDecodingError) -> UInt32 { try readInteger(UInt32.self) }
    mutating func readInt32() throws(GroupRecordDecodingError) -> Int32 { Int32(bitPattern: try readUInt32()) }
    mutating func readInt64() throws(GroupRecordDecodingError) -> Int64 {
        Int64(bitPattern: try readInteger(UInt64.self))
    }

    mutating func readString() throws(GroupRecordDecodingError) -> String {
        let length = try readUInt16()
        guard length != UInt16.max else { throw GroupRecordDecodingError(message: "null where a string is required") }
        return try utf8String(take(Int(length), "string"))
    }

    mutating func readNullableString() throws(GroupRecordDecodingError) -> String? {
        let length = try readUInt16()
        guard length != UInt16.max else { return nil }
        return try utf8String(take(Int(length), "string"))
    }

    mutating func readBytes() throws(GroupRecordDecodingError) -> [UInt8] {
        Array(try take(Int(try readUInt32()), "byte blob"))
    }

    func expectEnd(_ what: String) throws(GroupRecordDecodingError) {
        guard remainingCount == 0 else {
            throw GroupRecordDecodingError(message: "\(remainingCount) unexpected bytes after the \(what)")
        }
    }

    private func utf8String(_ slice: ArraySlice<UInt8>) throws(GroupRecordDecodingError) -> String {
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw GroupRecordDecodingError(message: "string is not valid UTF-8")
        }
        return string
    }
}
