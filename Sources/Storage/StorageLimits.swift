/// Every bound of the storage engine in one place, units last.
///
/// Relations between bounds are checked by ``validate()``, which ``PartitionLog/open(directory:options:)``
/// calls before touching the disk.
public struct StorageLimits: Sendable, Equatable {
    /// A segment rolls before an append would take it past this size.
    public var segmentBytesMax: Int
    /// A segment rolls when a new batch's max timestamp is this much later than the segment's first batch's.
    public var segmentAgeMsMax: Int64
    /// Bytes of batches between two sparse index entries.
    public var indexIntervalBytes: Int
    /// The largest record batch accepted on append or recognised on disk.
    public var batchBytesMax: Int
    /// The largest `maxBytes` one read may ask for.
    public var readBytesMax: Int
    /// The largest payload of a ``DurableStateFile``.
    public var stateFileBytesMax: Int
    /// Appended bytes held in memory before an aligned write to the file (``DurabilityMode/normal``).
    public var writeBufferBytes: Int

    /// Creates a set of limits; call ``validate()`` before using it.
    public init(
        segmentBytesMax: Int, segmentAgeMsMax: Int64, indexIntervalBytes: Int, batchBytesMax: Int,
        readBytesMax: Int, stateFileBytesMax: Int, writeBufferBytes: Int
    ) {
        self.segmentBytesMax = segmentBytesMax
        self.segmentAgeMsMax = segmentAgeMsMax
        self.indexIntervalBytes = indexIntervalBytes
        self.batchBytesMax = batchBytesMax
        self.readBytesMax = readBytesMax
        self.stateFileBytesMax = stateFileBytesMax
        self.writeBufferBytes = writeBufferBytes
    }

    /// Kafka-like defaults: 1 GiB segments, 7 days, an index entry per 4 KiB, 8 MiB batches,
    /// writes of 256 KiB.
    public static let production = StorageLimits(
        segmentBytesMax: 1 << 30, segmentAgeMsMax: 7 * 24 * 3_600_000, indexIntervalBytes: 4096,
        batchBytesMax: 8 << 20, readBytesMax: 64 << 20, stateFileBytesMax: 1 << 20, writeBufferBytes: 256 << 10)

    /// Tiny bounds so tests roll segments, write index entries and flush held bytes after a few batches.
    public static let testMin = StorageLimits(
        segmentBytesMax: 4096, segmentAgeMsMax: 60_000, indexIntervalBytes: 256,
        batchBytesMax: 2048, readBytesMax: 1 << 20, stateFileBytesMax: 64 << 10, writeBufferBytes: 512)

    /// The largest segment: index positions are 32-bit, like Kafka's.
    public static let segmentBytesCeiling = Int(Int32.max)

    /// Checks every bound and how bounds relate.
    /// - Throws: ``StorageError`` with code ``StorageError/Code/invalidLimits`` naming the bad bound.
    public func validate() throws {
        func require(_ condition: Bool, _ message: String) throws {
            if !condition { throw StorageError(.invalidLimits, message) }
        }
        try require(
            batchBytesMax >= RecordBatchLayout.headerBytes,
            "batchBytesMax \(batchBytesMax) is below a batch header (\(RecordBatchLayout.headerBytes))")
        try require(
            segmentBytesMax >= batchBytesMax && segmentBytesMax <= Self.segmentBytesCeiling,
            "segmentBytesMax \(segmentBytesMax) must be in batchBytesMax...\(Self.segmentBytesCeiling)")
        try require(segmentAgeMsMax > 0, "segmentAgeMsMax \(segmentAgeMsMax) must be positive")
        try require(
            indexIntervalBytes > 0 && indexIntervalBytes <= segmentBytesMax,
            "indexIntervalBytes \(indexIntervalBytes) must be in 1...segmentBytesMax")
        try require(
            readBytesMax >= batchBytesMax,
            "readBytesMax \(readBytesMax) must be at least batchBytesMax \(batchBytesMax)")
        try require(
            writeBufferBytes > 0 && writeBufferBytes <= 64 << 20,
            "writeBufferBytes \(writeBufferBytes) must be in 1...64 MiB")
        try require(
            stateFileBytesMax > 0 && stateFileBytesMax <= 64 << 20,
            "stateFileBytesMax \(stateFileBytesMax) must be in 1...64 MiB")
    }
}
