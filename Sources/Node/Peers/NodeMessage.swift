import ClusterMetadata
import KafkaProtocol
import Raft
import Transport

/// What nodes say to each other besides Raft traffic, carried in peer frames of kind ``kind``
/// over the same one connection per node pair.
///
/// Body layout (big-endian): `tag u8`, then
/// - tag 1 `proposeCommand`: `request u64`, `command bytes (i32 length)`: a node that does not
///   lead the controller asks the leader to propose a metadata command for it;
/// - tag 2 `commandResult`: `request u64`, `error i16` (Kafka error code, 0 = applied),
///   `message string (i16 length)`, `leader hint i32` (-1: none): the answer, sent once the
///   command is applied (or failed);
/// - tag 3 `leaders`: `count u32`, then per group `group u64, term u64`: the groups the sender
///   leads, sent to every peer periodically so that every node can say who leads a partition.
enum NodeMessage: Equatable {
    case proposeCommand(request: UInt64, command: [UInt8])
    case commandResult(request: UInt64, errorCode: Int16, message: String, leaderHint: Int32)
    case leaders([LedGroup])

    /// A group the sender leads, and in which term.
    struct LedGroup: Equatable {
        var group: RaftGroupID
        var term: Term
    }

    /// The peer frame kind (0 is the transport's hello, 1 a raft batch).
    static let kind: UInt8 = 2
    /// More led groups than this in one message are split over several.
    static let ledGroupsPerMessageMax = 16_384

    var frame: PeerFrame {
        var writer = ByteWriter()
        switch self {
        case .proposeCommand(let request, let command):
            writer.writeInt8(1)
            writer.writeInt64(Int64(bitPattern: request))
            writer.writeBytes(command, compact: false)
        case .commandResult(let request, let errorCode, let message, let leaderHint):
            writer.writeInt8(2)
            writer.writeInt64(Int64(bitPattern: request))
            writer.writeInt16(errorCode)
            writer.writeString(String(decoding: message.utf8.prefix(1024), as: UTF8.self), compact: false)
            writer.writeInt32(leaderHint)
        case .leaders(let groups):
            precondition(groups.count <= Self.ledGroupsPerMessageMax, "split led groups before encoding")
            writer.writeInt8(3)
            writer.writeUInt32(UInt32(groups.count))
            for led in groups {
                writer.writeInt64(Int64(bitPattern: led.group.rawValue))
                writer.writeInt64(Int64(bitPattern: led.term.rawValue))
            }
        }
        return PeerFrame(kind: Self.kind, body: writer.bytes)
    }

    /// Decodes a frame body; any malformed body is an error, never a trap.
    init(decoding body: [UInt8]) throws(KafkaDecodingError) {
        var reader = ByteReader(body)
        switch try reader.readInt8() {
        case 1:
            let request = UInt64(bitPattern: try reader.readInt64())
            self = .proposeCommand(request: request, command: try reader.readBytes(compact: false))
        case 2:
            let request = UInt64(bitPattern: try reader.readInt64())
            let errorCode = try reader.readInt16()
            let message = try reader.readString(compact: false)
            self = .commandResult(request: request, errorCode: errorCode, message: message, leaderHint: try reader.readInt32())
        case 3:
            let count = Int(try reader.readUInt32())
            guard count <= Self.ledGroupsPerMessageMax, count * 16 <= reader.remainingByteCount else {
                throw KafkaDecodingError("leaders message claims \(count) groups in \(reader.remainingByteCount) bytes")
            }
            var groups: [LedGroup] = []
            groups.reserveCapacity(count)
            for _ in 0..<count {
                let group = RaftGroupID(UInt64(bitPattern: try reader.readInt64()))
                groups.append(LedGroup(group: group, term: Term(UInt64(bitPattern: try reader.readInt64()))))
            }
            self = .leaders(groups)
        case let tag:
            throw KafkaDecodingError("unknown node message tag \(tag)")
        }
        try reader.expectEnd(of: "node message")
    }
}
