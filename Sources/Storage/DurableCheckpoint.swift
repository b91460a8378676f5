import Checksum

/// `durable.checkpoint`: the end offset (exclusive) up to which the log was synced, so that
/// opening can tell a torn unsynced tail from lost synced data.
///
/// Updated in place on every sync with one 32-byte `pwrite` and no fsync of its own: it is written
/// only after the log's fdatasync returned, so whatever version reaches the disk never claims more
/// than is durable. Two slots alternate, so a torn slot write leaves the other one valid. It is
/// fsynced when a segment rolls and whenever the value goes down (truncation, before the data shrinks).
/// After a power cut it may therefore lag the true durable point by what the kernel had not yet
/// written back; after a process crash it is exact.
///
/// Slot (big-endian): magic `TRBC` (4), version (2), reserved (2), sequence (8), durable end (8),
/// reserved (4), CRC32C of the preceding 28 bytes (4).
final class DurableCheckpoint {
    static let fileName = "durable.checkpoint"
    static let slotBytes = 32
    private static let magic: UInt32 = 0x5452_4243  // "TRBC"
    private static let version: UInt16 = 1

    private let file: PosixFile
    private var sequence: UInt64
    /// The value last written.
    private(set) var durableEnd: Offset

    private init(file: PosixFile, sequence: UInt64, durableEnd: Offset) {
        self.file = file
        self.sequence = sequence
        self.durableEnd = durableEnd
    }

    /// What was found on disk.
    enum Loaded {
        case missing
        case unreadable
        case value(Offset, sequence: UInt64)
    }

    /// Creates the file with `durableEnd` in slot 0, durably.
    static func create(directory: String, durableEnd: Offset) throws -> DurableCheckpoint {
        let file = try PosixFile.open(directory + "/" + fileName, create: true)
        try file.truncate(to: 0)
        let checkpoint = DurableCheckpoint(file: file, sequence: 0, durableEnd: durableEnd)
        try file.write(slot(sequence: 0, durableEnd: durableEnd), at: 0)
        try file.syncData()
        return checkpoint
    }

    /// Reads the newest valid slot.
    static func load(directory: String) throws -> Loaded {
        let path = directory + "/" + fileName
        guard FileSystem.exists(path) else { return .missing }
        let bytes = try PosixFile.openReadOnly(path).read(at: 0, count: 2 * slotBytes)
        var best: (Offset, UInt64)?
        for slotIndex in 0..<2 where bytes.count >= (slotIndex + 1) * slotBytes {
            let slot = Array(bytes[(slotIndex * slotBytes)..<((slotIndex + 1) * slotBytes)])
            if let decoded = decode(slot), decoded.1 >= (best?.1 ?? 0) { best = decoded }
        }
        guard let best else { return .unreadable }
        return .value(best.0, sequence: best.1)
    }

    /// Opens an existing file to continue after `sequence`.
    static func open(directory: String, durableEnd: Offset, sequence: UInt64) throws -> DurableCheckpoint {
        let file = try PosixFile.open(directory + "/" + fileName, create: true)
        return DurableCheckpoint(file: file, sequence: sequence, durableEnd: durableEnd)
    }

    /// Records `end` in the older slot.
    /// - Parameter sync: fdatasync the checkpoint too (needed when the value goes down).
    func record(_ end: Offset, sync: Bool) throws {
        sequence += 1
        let position = Int64(sequence % 2) * Int64(Self.slotBytes)
        try file.write(Self.slot(sequence: sequence, durableEnd: end), at: position)
        durableEnd = end
        if sync { try file.syncData() }
    }

    private static func slot(sequence: UInt64, durableEnd: Offset) -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: slotBytes)
        writer.append(bigEndian: magic)
        writer.append(bigEndian: version)
        writer.append(bigEndian: UInt16(0))
        writer.append(bigEndian: sequence)
        writer.append(bigEndian: durableEnd.rawValue)
        writer.append(bigEndian: UInt32(0))
        writer.append(bigEndian: CRC32C.checksum(writer.bytes))
        return writer.bytes
    }

    private static func decode(_ slot: [UInt8]) -> (Offset, UInt64)? {
        slot.withUnsafeBytes { raw in
            var reader = ByteReader(raw)
            guard reader.read(bigEndian: UInt32.self) == magic, reader.read(bigEndian: UInt16.self) == version,
                reader.read(bigEndian: UInt16.self) != nil,
                let sequence = reader.read(bigEndian: UInt64.self),
                let end = reader.read(bigEndian: Int64.self), end >= 0,
                reader.read(bigEndian: UInt32.self) != nil,
                reader.read(bigEndian: UInt32.self) == CRC32C.checksum(UnsafeRawBufferPointer(rebasing: raw[..<28]))
            else { return nil }
            return (Offset(end), sequence)
        }
    }
}
