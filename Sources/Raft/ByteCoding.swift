/// Appends big-endian integers and byte strings to a buffer.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 64) { bytes.reserveCapacity(capacity) }

    mutating func write(_ value: UInt8) { bytes.append(value) }

    mutating func write(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func write(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func write(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func write(_ value: Bool) { bytes.append(value ? 1 : 0) }

    /// Writes a 32-bit length, then the bytes.
    mutating func writeSized(_ value: [UInt8]) {
        write(UInt32(value.count))
        bytes.append(contentsOf: value)
    }

    /// Overwrites four bytes at `position` (for a length known only at the end).
    mutating func patch(_ value: UInt32, at position: Int) {
        for i in 0..<4 { bytes[position + i] = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * i)) }
    }
}

/// Reads big-endian integers from bytes; reading past the end throws instead of trapping.
struct ByteReader {
    private let bytes: [UInt8]
    private(set) var position: Int

    init(_ bytes: [UInt8], position: Int = 0) {
        self.bytes = bytes
        self.position = position
    }

    var remainingCount: Int { bytes.count - position }
    var isAtEnd: Bool { position == bytes.count }

    private mutating func take(_ count: Int) throws(MessageDecodingError) -> Int {
        guard count >= 0, count <= remainingCount else {
            throw MessageDecodingError(.truncated(needed: count, available: remainingCount))
        }
        defer { position += count }
        return position
    }

    mutating func readUInt8() throws(MessageDecodingError) -> UInt8 { bytes[try take(1)] }

    mutating func readUInt16() throws(MessageDecodingError) -> UInt16 {
        let start = try take(2)
        return UInt16(bytes[start]) << 8 | UInt16(bytes[start + 1])
    }

    mutating func readUInt32() throws(MessageDecodingError) -> UInt32 {
        let start = try take(4)
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(bytes[start + i]) }
        return value
    }

    mutating func readUInt64() throws(MessageDecodingError) -> UInt64 {
        let start = try take(8)
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[start + i]) }
        return value
    }

    mutating func readBool() throws(MessageDecodingError) -> Bool {
        switch try readUInt8() {
        case 0: return false
        case 1: return true
        case let other: throw MessageDecodingError(.invalid("boolean byte \(other)"))
        }
    }

    /// Reads a 32-bit length, then that many bytes (at most `countMax`).
    mutating func readSized(countMax: Int) throws(MessageDecodingError) -> [UInt8] {
        let count = Int(try readUInt32())
        guard count <= countMax else { throw MessageDecodingError(.invalid("byte string of \(count) bytes, limit \(countMax)")) }
        let start = try take(count)
        return Array(bytes[start..<start + count])
    }
}

/// Why bytes could not be decoded as a Raft message (or a membership payload).
public struct MessageDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    enum Reason: Hashable, Sendable {
        case truncated(needed: Int, available: Int)
        case unsupportedVersion(UInt8)
        case checksumMismatch(stored: UInt32, computed: UInt32)
        case unknownKind(UInt8)
        case trailingBytes(Int)
        case lengthMismatch(declared: Int, available: Int)
        case invalid(String)
    }

    let reason: Reason

    init(_ reason: Reason) { self.reason = reason }

    public var description: String {
        switch reason {
        case let .truncated(needed, available): "truncated: needed \(needed) bytes, \(available) left"
        case let .unsupportedVersion(version): "unsupported message version \(version)"
        case let .checksumMismatch(stored, computed): "checksum mismatch: stored \(stored), computed \(computed)"
        case let .unknownKind(kind): "unknown message kind \(kind)"
        case let .trailingBytes(count): "\(count) unexpected trailing bytes"
        case let .lengthMismatch(declared, available): "frame declares \(declared) bytes, \(available) present"
        case let .invalid(what): "invalid field: \(what)"
        }
    }
}
