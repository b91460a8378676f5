/// How a partition's unsynced bytes are written.
public enum DurabilityMode: Sendable, Equatable {
    /// Appends are held in memory up to `writeBufferBytes`, then written to the file (the page
    /// cache) in 4 KiB-aligned pieces; `sync()` writes the rest and makes all of it durable.
    case normal
    /// TEST ONLY: appends stay in this process's memory until `sync()`, so killing the process
    /// loses exactly what a power cut would lose (the chaos harness uses it with `kill -9`).
    case unsafeSimulatedPowerLoss
}

/// What opening does when it finds damage that is not a torn tail.
public enum DamagePolicy: Sendable, Equatable {
    /// Throw ``StorageError`` with code ``StorageError/Code/damaged``, touching nothing: the node
    /// learns what is lost before deciding (a replica that lost synced entries must not vote).
    case refuse
    /// Cut the log at the first damage, report it in ``PartitionLog/recovery``, and open.
    case truncateAndReport
}

/// Options for ``PartitionLog/open(directory:options:)``.
public struct PartitionLogOptions: Sendable, Equatable {
    /// Every bound of the engine.
    public var limits: StorageLimits
    /// Create the directory and an empty partition (log start 0) when there is none.
    public var create: Bool
    /// How unsynced bytes are held.
    public var durability: DurabilityMode
    /// What to do with damage found on open.
    public var damagePolicy: DamagePolicy

    /// Bytes the active segment holds before writing; nil holds everything until sync.
    var heldBytesMax: Int? { durability == .normal ? limits.writeBufferBytes : nil }

    /// Creates options.
    public init(
        limits: StorageLimits = .production, create: Bool = false, durability: DurabilityMode = .normal,
        damagePolicy: DamagePolicy = .refuse
    ) {
        self.limits = limits
        self.create = create
        self.durability = durability
        self.damagePolicy = damagePolicy
    }
}

/// Damage found when opening a partition: bytes that should hold synced batches but do not.
public struct LogDamage: Sendable, Equatable, CustomStringConvertible {
    /// What kind of damage.
    public enum Kind: Sendable, Equatable {
        /// A batch fails validation (framing, CRC32C, offsets, epoch) and is not a torn tail.
        case invalidBatch
        /// The log ends before the durable checkpoint says synced data reached.
        case syncedDataMissing
        /// A segment does not start where the previous one ends.
        case segmentGap
        /// `durable.checkpoint` is missing or unreadable, so lost synced data cannot be ruled out.
        case checkpointUnreadable
    }

    /// What kind of damage.
    public var kind: Kind
    /// Segment file, byte position and the offset expected there.
    public var location: DataLocation
    /// Why, in words.
    public var detail: String

    public var description: String { "\(kind) at \(location): \(detail)" }
}

/// What opening a partition found and did.
public struct RecoveryReport: Sendable, Equatable {
    /// A torn unsynced tail that was cut off: where, why, and how many bytes were removed.
    public struct TornTail: Sendable, Equatable {
        /// Where the valid log ended.
        public var location: DataLocation
        /// Bytes removed from that segment.
        public var bytesRemoved: Int64
        /// Segment files after it that were removed (they held no valid batch).
        public var segmentsRemoved: [Offset]
        /// What was wrong with the first removed byte.
        public var reason: String
    }

    /// The torn tail that was cut, if any.
    public var tornTail: TornTail?
    /// Segments whose `.index`/`.timeindex` files were missing or wrong and were rewritten.
    public var rebuiltIndexes: [Offset] = []
    /// Damage that ``DamagePolicy/truncateAndReport`` cut off (empty under ``DamagePolicy/refuse``).
    public var acceptedDamage: [LogDamage] = []
    /// The durable end offset recorded on disk before opening, nil when unreadable.
    public var checkpointedDurableEnd: Offset?
}

/// Bytes of whole batches returned by ``PartitionLog/read(from:maxBytes:)``.
public struct LogRead: Sendable, Equatable {
    /// Concatenated, CRC-checked batches exactly as stored.
    public var bytes: [UInt8]
    /// Base offset of the first batch (may be below the requested offset), nil when empty.
    public var firstOffset: Offset?
    /// The offset after the last returned batch: where the next read continues.
    public var nextOffset: Offset
    /// Number of batches in `bytes`.
    public var batchCount: Int

    /// `bytes` with every control batch replaced by an empty batch over the same offsets, with
    /// the same leader epoch and timestamp; other batches stay byte for byte as stored.
    ///
    /// Kafka clients meet control batches only around transactions, and librdkafka then moves
    /// its consumed position past them on its own, which can carry a group's commit past
    /// records it fetched but never handed to the application. An empty batch (what Kafka's
    /// compaction leaves) keeps the offsets dense and is stepped over without that.
    public var bytesWithControlBatchesEmptied: [UInt8] {
        var result: [UInt8]?
        var position = 0
        while position < bytes.count {
            // The read checked every batch; a header that fails now ends the walk, bytes unchanged.
            let start = position
            guard let header = bytes.withUnsafeBytes({ raw in
                try? RecordBatchHeader.decode(UnsafeRawBufferPointer(rebasing: raw[start...]), batchBytesMax: Int.max)
            }), header.totalBytes <= bytes.count - position else {
                result?.append(contentsOf: bytes[start...])
                break
            }
            position += header.totalBytes
            guard header.isControl else {
                result?.append(contentsOf: bytes[start..<position])
                continue
            }
            if result == nil { result = Array(bytes[..<start]) }
            result?.append(contentsOf: RecordBatchBuilder.emptyBatch(
                baseOffset: header.baseOffset, offsetCount: header.lastOffsetDelta + 1,
                leaderEpoch: header.partitionLeaderEpoch, timestamp: header.maxTimestamp).bytes)
        }
        return result ?? bytes
    }

    /// The batches, each validated again (cheap) and returned as values.
    public func batches(batchBytesMax: Int = StorageLimits.production.batchBytesMax) throws -> [RecordBatch] {
        var result: [RecordBatch] = []
        var position = 0
        while position < bytes.count {
            let start = position
            let decoded = bytes.withUnsafeBytes { raw in
                Result { () throws(BatchDefect) in
                    try RecordBatchHeader.decode(UnsafeRawBufferPointer(rebasing: raw[start...]), batchBytesMax: batchBytesMax)
                }
            }
            guard case .success(let header) = decoded else {
                throw StorageError(.invalidBatch, "bad batch header at byte \(position) of the read")
            }
            guard header.totalBytes <= bytes.count - position else { throw StorageError(.invalidBatch, "truncated batch") }
            result.append(try RecordBatch(validating: Array(bytes[position..<(position + header.totalBytes)]), batchBytesMax: batchBytesMax))
            position += header.totalBytes
        }
        return result
    }
}

/// Time- and size-based retention of whole old segments.
public struct RetentionPolicy: Sendable, Equatable {
    /// Delete segments whose newest record is older than this (Kafka `retention.ms`); nil keeps all.
    public var retentionMs: Int64?
    /// Delete oldest segments while the rest still hold at least this many bytes (Kafka `retention.bytes`); nil keeps all.
    public var retentionBytes: Int64?

    /// Creates a policy.
    public init(retentionMs: Int64?, retentionBytes: Int64?) {
        self.retentionMs = retentionMs
        self.retentionBytes = retentionBytes
    }
}
