extension PartitionLog {
    /// Opens (or creates) the partition in `directory` and recovers it.
    ///
    /// Recovery walks every batch header of every segment (one read per 64 KiB window), which
    /// rebuilds the sparse indexes and the epoch cache, and checks the CRC32C of every batch at or
    /// after the durable checkpoint. A torn tail (invalid bytes after the durable point with no
    /// valid batch after them) is cut off and reported in ``recovery``. Any other damage follows
    /// `options.damagePolicy`. Index files that differ from the rebuilt indexes are rewritten.
    /// - Throws: ``StorageError``: ``StorageError/Code/invalidLimits``, ``StorageError/Code/notAPartition``,
    ///   ``StorageError/Code/corruptState`` (bad `partition.state`), ``StorageError/Code/damaged``
    ///   (with ``StorageError/damage``) under ``DamagePolicy/refuse``, or I/O errors.
    public static func open(directory: String, options: PartitionLogOptions = PartitionLogOptions()) throws -> PartitionLog {
        try options.limits.validate()
        guard !directory.isEmpty else { throw StorageError(.invalidArgument, "empty partition directory path") }
        let listing = try PartitionListing.read(directory: directory, create: options.create)
        var state = try PartitionState.load(directory: directory, limits: options.limits)
        if state == nil {
            guard options.create else {
                throw StorageError(.notAPartition, "\(directory) has no \(PartitionState.fileName); it is not a partition")
            }
            guard listing.segmentBases.isEmpty else {
                throw StorageError(.notAPartition, "\(directory) holds segment files but no \(PartitionState.fileName)")
            }
            state = try initialize(directory: directory, limits: options.limits)
        }
        guard let state else { preconditionFailure("partition state was just created") }
        var recovery = LogRecovery(directory: directory, options: options, state: state)
        try recovery.run(segmentBases: try listing.removingLeftovers(below: state.logStartOffset))
        return try recovery.finish()
    }

    /// Writes an empty partition starting at offset 0; `partition.state` last, so a crash before it
    /// leaves a directory that the next create starts again.
    private static func initialize(directory: String, limits: StorageLimits) throws -> PartitionState {
        _ = try Segment.create(directory: directory, baseOffset: 0, heldBytesMax: nil)
        _ = try DurableCheckpoint.create(directory: directory, durableEnd: 0)
        try FileSystem.syncDirectory(directory)
        let state = PartitionState(logStartOffset: 0, epochBeforeStart: .none)
        try state.store(directory: directory, limits: limits)
        return state
    }
}

/// The files of a partition directory, sorted out by name.
struct PartitionListing {
    let directory: String
    /// Base offsets of `.log` files, ascending.
    let segmentBases: [Offset]
    private let orphans: [String]

    static func read(directory: String, create: Bool) throws -> PartitionListing {
        if !FileSystem.exists(directory) {
            guard create else { throw StorageError(.notAPartition, "\(directory) does not exist") }
            try FileSystem.makeDirectory(directory)
            try FileSystem.syncDirectory(FileSystem.parent(of: directory))
        }
        guard FileSystem.isDirectory(directory) else { throw StorageError(.notAPartition, "\(directory) is not a directory") }
        var bases: [Offset] = []
        var orphans: [String] = []
        var indexStems: Set<Substring> = []
        for name in try FileSystem.entries(of: directory) {
            if name.hasSuffix(".tmp") {
                orphans.append(name)
            } else if let stem = Self.stem(of: name, suffix: ".log") {
                guard let base = Segment.baseOffset(fromStem: stem) else {
                    throw StorageError(.notAPartition, "\(directory)/\(name) is not named like a segment (20 digits)")
                }
                bases.append(base)
            } else if let stem = Self.stem(of: name, suffix: ".index") ?? Self.stem(of: name, suffix: ".timeindex")
                ?? Self.stem(of: name, suffix: SegmentSummary.suffix)
            {
                indexStems.insert(stem)
            }
        }
        let logStems = Set(bases.map { Substring(Segment.stem($0)) })
        for stem in indexStems where !logStems.contains(stem) {
            orphans += [stem + ".index", stem + ".timeindex", stem + SegmentSummary.suffix]
        }
        return PartitionListing(directory: directory, segmentBases: bases.sorted(), orphans: orphans)
    }

    private static func stem(of name: String, suffix: String) -> Substring? {
        name.hasSuffix(suffix) ? name.dropLast(suffix.count) : nil
    }

    /// Deletes temporary files, indexes without a log, and segments that end at or below
    /// `logStart` (left by a crash during prefix removal); returns the remaining bases.
    func removingLeftovers(below logStart: Offset) throws -> [Offset] {
        for name in orphans { try FileSystem.remove(directory + "/" + name) }
        var bases = segmentBases
        while bases.count > 1 && bases[1] <= logStart {
            let stem = directory + "/" + Segment.stem(bases.removeFirst())
            for suffix in [".log", ".index", ".timeindex", SegmentSummary.suffix] { try FileSystem.remove(stem + suffix) }
        }
        if !orphans.isEmpty || bases.count != segmentBases.count { try FileSystem.syncDirectory(directory) }
        return bases
    }
}
