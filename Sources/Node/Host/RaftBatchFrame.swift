import ClusterMetadata
import Raft

/// The body of a peer frame of kind ``kind``: the Raft messages of many groups from one node to
/// another, gathered during one loop turn.
///
/// Layout, big-endian; the peer frame's CRC32C already covers the whole body:
/// ```
/// count   u32                      entries that follow
/// entry   group u64, tag u8, then by tag:
///   0 message            a MessageCodec frame (its own length prefix and checksum)
///   1 heartbeat          term u64, commit u64
///   2 heartbeat response term u64
/// ```
/// Heartbeats and their answers are most of the traffic between idle groups, so they leave out
/// what the link already says: the sender is the peer at the other end, the receiver this node.
/// That shrinks them from 50 bytes to 25 and 17.
public enum RaftBatchFrame {
    /// The peer frame kind (0 is the transport's hello).
    public static let kind: UInt8 = 1
    /// Bytes of the count field.
    public static let countBytes = 4
    /// Bytes before an entry's payload: group and tag.
    public static let entryHeaderBytes = 9
    /// The smallest entry (a heartbeat response), to bound a count by the body's size.
    static let entryBytesMin = entryHeaderBytes + 8

    enum Tag: UInt8 {
        case message = 0, heartbeat = 1, heartbeatResponse = 2
    }

    /// The encoded entry for `message` of `group` (without the frame's count).
    static func encodeEntry(_ message: Message, group: RaftGroupID) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(entryHeaderBytes + 16)
        appendUInt64(group.rawValue, to: &bytes)
        switch message.body {
        case .heartbeat(let commit):
            bytes.append(Tag.heartbeat.rawValue)
            appendUInt64(message.term.rawValue, to: &bytes)
            appendUInt64(commit.rawValue, to: &bytes)
        case .heartbeatResponse:
            bytes.append(Tag.heartbeatResponse.rawValue)
            appendUInt64(message.term.rawValue, to: &bytes)
        default:
            bytes.append(Tag.message.rawValue)
            bytes += MessageCodec.encode(message)
        }
        return bytes
    }

    /// Decodes a whole body sent by `sender` to `receiver`; all or nothing.
    /// - Throws: ``RaftBatchDecodingError`` for any malformed, truncated or inconsistent body,
    ///   including a full message whose sender or receiver is not the link's.
    public static func decode(
        _ body: [UInt8], sender: NodeID, receiver: NodeID
    ) throws(RaftBatchDecodingError) -> [(RaftGroupID, Message)] {
        var reader = BodyReader(bytes: body)
        let count = Int(try reader.uint32("count"))
        guard count <= (body.count - countBytes) / entryBytesMin else {
            throw RaftBatchDecodingError("\(count) entries cannot fit in \(body.count) bytes")
        }
        var decoded: [(RaftGroupID, Message)] = []
        decoded.reserveCapacity(count)
        for _ in 0..<count {
            let group = RaftGroupID(try reader.uint64("group"))
            let rawTag = try reader.uint8("tag")
            guard let tag = Tag(rawValue: rawTag) else { throw RaftBatchDecodingError("unknown entry tag \(rawTag)") }
            let message: Message
            switch tag {
            case .heartbeat:
                let term = Term(try reader.number("term"))
                let commit = LogIndex(try reader.number("commit"))
                message = Message(from: sender, to: receiver, term: term, body: .heartbeat(commit: commit))
            case .heartbeatResponse:
                message = Message(from: sender, to: receiver, term: Term(try reader.number("term")), body: .heartbeatResponse)
            case .message:
                message = try reader.message(sender: sender, receiver: receiver)
            }
            decoded.append((group, message))
        }
        guard reader.remainingCount == 0 else { throw RaftBatchDecodingError("\(reader.remainingCount) bytes after the last entry") }
        return decoded
    }

    static func appendUInt64(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    static func appendUInt32(_ value: UInt32, to bytes: inout [UInt8]) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }
}

/// A raft batch frame body that does not decode.
public struct RaftBatchDecodingError: Error, Sendable, CustomStringConvertible {
    /// What is wrong, in words.
    public let description: String
    init(_ description: String) { self.description = "raft batch frame: " + description }
}

/// Reads a body front to back; every read checks the bytes left first.
private struct BodyReader {
    let bytes: [UInt8]
    var position = 0

    var remainingCount: Int { bytes.count - position }

    mutating func uint8(_ field: String) throws(RaftBatchDecodingError) -> UInt8 {
        try need(1, field)
        defer { position += 1 }
        return bytes[position]
    }

    mutating func uint32(_ field: String) throws(RaftBatchDecodingError) -> UInt32 {
        try need(4, field)
        defer { position += 4 }
        return bytes[position..<(position + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func uint64(_ field: String) throws(RaftBatchDecodingError) -> UInt64 {
        try need(8, field)
        defer { position += 8 }
        return bytes[position..<(position + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// A term or index: far below overflow, as MessageCodec requires of full messages.
    mutating func number(_ field: String) throws(RaftBatchDecodingError) -> UInt64 {
        let value = try uint64(field)
        guard value <= 1 << 62 else { throw RaftBatchDecodingError("\(field) \(value) is out of range") }
        return value
    }

    mutating func message(sender: NodeID, receiver: NodeID) throws(RaftBatchDecodingError) -> Message {
        let total: Int
        do {
            guard let count = try MessageCodec.frameByteCount(prefix: bytes[position...], frameBytesMax: remainingCount) else {
                throw RaftBatchDecodingError("message length cut off")
            }
            total = count
        } catch let error as RaftBatchDecodingError {
            throw error
        } catch {
            throw RaftBatchDecodingError("message: \(error)")
        }
        let message: Message
        do { message = try MessageCodec.decode(Array(bytes[position..<(position + total)])) } catch {
            throw RaftBatchDecodingError("message: \(error)")
        }
        position += total
        guard message.from == sender, message.to == receiver else {
            throw RaftBatchDecodingError("message \(message.from)->\(message.to) on the link \(sender)->\(receiver)")
        }
        return message
    }

    private func need(_ count: Int, _ field: String) throws(RaftBatchDecodingError) {
        guard remainingCount >= count else { throw RaftBatchDecodingError("\(field) needs \(count) bytes, \(remainingCount) left") }
    }
}
