/// The blocking half of a sync, split off so that it can run on an I/O thread while the thread
/// that owns the ``PartitionLog`` goes on (docs/ARCHITECTURE.md: a loop thread never blocks on
/// disk). Made by ``PartitionLog/beginSync()``, finished by ``PartitionLog/completeSync(_:performError:)``.
public struct PendingSync: Sendable {
    /// Everything below this offset is durable once ``perform()`` returns and the sync completes.
    public let endOffset: Offset
    /// The segment file to fdatasync; this reference keeps it open even if the segment is removed.
    let file: PosixFile
    /// The partition directory, when a created segment's entry must be made durable too.
    let directory: String?
    let segmentsCreated: Int
    let generation: Int

    /// fdatasync of the segment (and fsync of the directory when needed). Blocking; any thread.
    public func perform() throws {
        try file.syncData()
        if let directory { try FileSystem.syncDirectory(directory) }
    }
}
