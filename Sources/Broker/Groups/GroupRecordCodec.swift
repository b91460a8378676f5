// The record layout (all integers big-endian; strings are UTF-8 with a 16-bit length,
// nullable strings use 0xFFFF for nil; byte blobs have a 32-bit length):
//
//   key   = u16 keyType, then
//             keyType 1 (offset): string groupId, string topic, i32 partition
//             keyType 2 (group):  string groupId
//   value = absent for a tombstone, else u16 valueVersion (0), then
//             offset: i64 offset, i32 leaderEpoch, nullable string metadata, i64 commitTimestampMs
//             group:  nullable string protocolType, i32 generationId, nullable string protocolName,
//                     nullable string leaderId, u32 memberCount, members: string memberId,
//                     nullable string instanceId, string clientId, string clientHost,
//                     i32 sessionTimeoutMs, i32 rebalanceTimeoutMs, bytes subscription, bytes assignment
//
// A new field means a new value version; decoders reject versions they do not know rather than
// guess, so a downgraded coordinator stops instead of losing state.

private enum KeyType: UInt16 {
    case offset = 1
    case group = 2
}

private let valueVersion: UInt16 = 0

/// Bytes that do not decode as a `GroupRecord`.
public struct GroupRecordDecodingError: Error, Equatable, CustomStringConvertible {
    /// What is wrong with the bytes.
    public let message: String
    /// The message.
    public var description: String { message }
}

extension GroupRecord {
    /// The record's key: records with equal keys replace each other.
    public var key: [UInt8] {
        var writer = RecordWriter()
        switch self {
        case .offsetCommit(let groupId, let partition, _), .offsetDeletion(let groupId, let partition):
            writer.write(KeyType.offset.rawValue)
            writer.write(groupId)
            writer.write(partition.topic)
            writer.write(partition.partition)
        case .groupMetadata(let snapshot):
            writer.write(KeyType.group.rawValue)
            writer.write(snapshot.groupId)
        case .groupDeletion(let groupId):
            writer.write(KeyType.group.rawValue)
            writer.write(groupId)
        }
        return writer.bytes
    }

    /// The record's value; nil for a tombstone.
    public var value: [UInt8]? {
        var writer = RecordWriter()
        switch self {
        case .offsetDeletion, .groupDeletion:
            return nil
        case .offsetCommit(_, _, let committed):
            writer.write(valueVersion)
            writer.write(committed.offset)
            writer.write(committed.leaderEpoch)
            writer.writeNullable(committed.metadata)
            writer.write(committed.commitTimestampMs)
        case .groupMetadata(let snapshot):
            writer.write(valueVersion)
            snapshot.encodeFields(into: &writer)
        }
        return writer.bytes
    }

    /// Decodes a record read back from the offsets partition.
    /// - Throws: `GroupRecordDecodingError` for any bytes this version did not write.
    public init(key: [UInt8], value: [UInt8]?) throws(GroupRecordDecodingError) {
        var keyReader = RecordReader(key)
        let rawType = try keyReader.readUInt16()
        guard let type = KeyType(rawValue: rawType) else {
            throw GroupRecordDecodingError(message: "unknown key type \(rawType)")
        }
        let groupId = try keyReader.readString()
        switch type {
        case .offset:
            let partition = TopicPartition(topic: try keyReader.readString(), partition: try keyReader.readInt32())
            try keyReader.expectEnd("offset key")
            guard let value else {
                self = .offsetDeletion(groupId: groupId, partition: partition)
                return
            }
            self = .offsetCommit(groupId: groupId, partition: partition, offset: try Self.decodeOffset(value))
        case .group:
            try keyReader.expectEnd("group key")
            guard let value else {
                self = .groupDeletion(groupId: groupId)
                return
            }
            var reader = RecordReader(value)
            try reader.expectVersion()
            self = .groupMetadata(try GroupSnapshot(groupId: groupId, reader: &reader))
            try reader.expectEnd("group value")
        }
    }

    private static func decodeOffset(_ value: [UInt8]) throws(GroupRecordDecodingError) -> CommittedOffset {
        var reader = RecordReader(value)
        try reader.expectVersion()
        let committed = CommittedOffset(
            offset: try reader.readInt64(), leaderEpoch: try reader.readInt32(),
            metadata: try reader.readNullableString(), commitTimestampMs: try reader.readInt64())
        try reader.expectEnd("offset value")
        return committed
    }
}

extension GroupSnapshot {
    fileprivate func encodeFields(into writer: inout RecordWriter) {
        writer.writeNullable(protocolType)
        writer.write(generationId)
        writer.writeNullable(protocolName)
        writer.writeNullable(leaderId)
        writer.write(UInt32(members.count))
        for member in members {
            writer.write(member.memberId)
            writer.writeNullable(member.groupInstanceId)
            writer.write(member.clientId)
            writer.write(member.clientHost)
            writer.write(member.sessionTimeoutMs)
            writer.write(member.rebalanceTimeoutMs)
            writer.writeBytes(member.subscription)
            writer.writeBytes(member.assignment)
        }
    }

    fileprivate init(groupId: String, reader: inout RecordReader) throws(GroupRecordDecodingError) {
        let protocolType = try reader.readNullableString()
        let generationId = try reader.readInt32()
        let protocolName = try reader.readNullableString()
        let leaderId = try reader.readNullableString()
        let count = try reader.readUInt32()
        // Refuse counts the bytes cannot hold before looping.
        guard Int(count) <= reader.remainingCount / Member.encodedBytesMin else {
            throw GroupRecordDecodingError(message: "member count \(count) exceeds the value's bytes")
        }
        var members: [Member] = []
        for _ in 0..<count {
            members.append(
                Member(
                    memberId: try reader.readString(), groupInstanceId: try reader.readNullableString(),
                    clientId: try reader.readString(), clientHost: try reader.readString(),
                    sessionTimeoutMs: try reader.readInt32(), rebalanceTimeoutMs: try reader.readInt32(),
                    subscription: try reader.readBytes(), assignment: try reader.readBytes()))
        }
        self.init(
            groupId: groupId, protocolType: protocolType, generationId: generationId,
            protocolName: protocolName, leaderId: leaderId, members: members)
        try validate()
    }

    /// What the coordinator assumes of a snapshot it loads; bytes that decode but break it are
    /// refused here rather than trusted.
    private func validate() throws(GroupRecordDecodingError) {
        // The coordinator only ever writes generations it reached by counting up from 0, and
        // must be able to start one more.
        guard generationId >= 0 && generationId < Int32.max else {
            throw GroupRecordDecodingError(message: "generation \(generationId) out of range")
        }
        guard Set(members.map(\.memberId)).count == members.count else {
            throw GroupRecordDecodingError(message: "a member id appears twice in group \(groupId)")
        }
        let instanceIds = members.compactMap(\.groupInstanceId)
        guard Set(instanceIds).count == instanceIds.count else {
            throw GroupRecordDecodingError(message: "a group instance id appears twice in group \(groupId)")
        }
    }
}

extension GroupSnapshot.Member {
    /// Four empty strings (2-byte lengths), two timeouts and two empty blobs (4-byte lengths).
    fileprivate static let encodedBytesMin = 4 * 2 + 2 * 4 + 2 * 4
}

extension RecordReader {
    fileprivate mutating func expectVersion() throws(GroupRecordDecodingError) {
        let version = try readUInt16()
        guard version == valueVersion else {
            throw GroupRecordDecodingError(message: "unknown value version \(version)")
        }
    }
}
