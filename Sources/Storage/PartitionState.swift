/// Where a partition's log logically starts, kept in `partition.state` (a ``DurableStateFile``).
///
/// Its presence marks a directory as a partition. It is rewritten before any prefix removal
/// deletes files, so a crash in between only leaves files that the next open deletes.
struct PartitionState: Equatable {
    static let fileName = "partition.state"

    /// First offset readers may ask for.
    var logStartOffset: Offset
    /// Epoch (Raft term) of the entry at `logStartOffset - 1`, `.none` when there was none.
    var epochBeforeStart: LeaderEpoch

    func encoded() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: 12)
        writer.append(bigEndian: logStartOffset.rawValue)
        writer.append(bigEndian: epochBeforeStart.rawValue)
        return writer.bytes
    }

    static func load(directory: String, limits: StorageLimits) throws -> PartitionState? {
        let path = directory + "/" + fileName
        guard let payload = try DurableStateFile.read(from: path, payloadBytesMax: limits.stateFileBytesMax) else { return nil }
        let decoded: PartitionState? = payload.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            guard let start = reader.read(bigEndian: Int64.self), start >= 0,
                let epoch = reader.read(bigEndian: Int32.self), reader.remaining == 0
            else { return nil }
            return PartitionState(logStartOffset: Offset(start), epochBeforeStart: LeaderEpoch(epoch))
        }
        guard let decoded else { throw StorageError(.corruptState, "\(path) holds an invalid payload") }
        return decoded
    }

    func store(directory: String, limits: StorageLimits) throws {
        try DurableStateFile.write(encoded(), to: directory + "/" + Self.fileName, payloadBytesMax: limits.stateFileBytesMax)
    }
}
