import Checksum

/// A small file replaced atomically: written to `<path>.tmp`, fsynced, renamed over `path`,
/// then the directory is fsynced. Used for Raft term/vote/membership and partition metadata.
///
/// Format (big-endian): magic `TRBS` (4), format version (2), reserved 0 (2), payload length (4),
/// payload, CRC32C of everything before it (4). A file that does not match exactly is reported
/// as corrupt, never treated as missing.
public enum DurableStateFile {
    static let magic: UInt32 = 0x5452_4253  // "TRBS"
    static let version: UInt16 = 1
    static let headerBytes = 12
    static let trailerBytes = 4

    /// Replaces the file at `path` with `payload`, durably.
    /// - Throws: ``StorageError`` (``StorageError/Code/invalidArgument`` when `payload` exceeds
    ///   `payloadBytesMax`, ``StorageError/Code/noSpace`` or ``StorageError/Code/ioFailure``).
    public static func write(_ payload: [UInt8], to path: String, payloadBytesMax: Int) throws {
        guard payload.count <= payloadBytesMax else {
            throw StorageError(.invalidArgument, "state payload of \(payload.count) bytes exceeds \(payloadBytesMax)")
        }
        var writer = ByteWriter(reservingCapacity: headerBytes + payload.count + trailerBytes)
        writer.append(bigEndian: magic)
        writer.append(bigEndian: version)
        writer.append(bigEndian: UInt16(0))
        writer.append(bigEndian: UInt32(payload.count))
        writer.append(payload)
        writer.append(bigEndian: CRC32C.checksum(writer.bytes))
        let temporary = path + ".tmp"
        let file = try PosixFile.open(temporary, create: true)
        try file.truncate(to: 0)
        try file.write(writer.bytes, at: 0)
        try file.syncData()
        try FileSystem.rename(temporary, to: path)
        try FileSystem.syncDirectory(FileSystem.parent(of: path))
    }

    /// Reads the payload stored at `path`.
    /// - Returns: nil when no file exists.
    /// - Throws: ``StorageError`` with code ``StorageError/Code/corruptState`` when the bytes are not
    ///   a valid state file (wrong magic, version, length or CRC32C).
    public static func read(from path: String, payloadBytesMax: Int) throws -> [UInt8]? {
        guard FileSystem.exists(path) else { return nil }
        let file = try PosixFile.openReadOnly(path)
        let size = try file.size()
        guard size >= Int64(headerBytes + trailerBytes), size <= Int64(headerBytes + trailerBytes + payloadBytesMax) else {
            throw StorageError(.corruptState, "state file \(path) has \(size) bytes, outside the valid range")
        }
        let bytes = try file.read(at: 0, count: Int(size))
        return try decode(bytes, path: path)
    }

    private static func decode(_ bytes: [UInt8], path: String) throws -> [UInt8] {
        try bytes.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            let storedMagic = reader.read(bigEndian: UInt32.self)
            let storedVersion = reader.read(bigEndian: UInt16.self)
            _ = reader.read(bigEndian: UInt16.self)
            let length = reader.read(bigEndian: UInt32.self)
            guard storedMagic == magic else { throw StorageError(.corruptState, "state file \(path) has a bad magic number") }
            guard storedVersion == version else {
                throw StorageError(.corruptState, "state file \(path) has unknown version \(storedVersion.map(String.init) ?? "?")")
            }
            guard let length, Int(length) == bytes.count - headerBytes - trailerBytes else {
                throw StorageError(.corruptState, "state file \(path) length field disagrees with its size \(bytes.count)")
            }
            let covered = UnsafeRawBufferPointer(rebasing: raw[..<(bytes.count - trailerBytes)])
            var trailer = ByteReader(raw, position: bytes.count - trailerBytes)
            guard trailer.read(bigEndian: UInt32.self) == CRC32C.checksum(covered) else {
                throw StorageError(.corruptState, "state file \(path) fails its CRC32C check")
            }
            return Array(raw[headerBytes..<(bytes.count - trailerBytes)])
        }
    }
}
