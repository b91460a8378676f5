/// The sparse indexes of one segment, kept in memory and mirrored in its `.index` and `.timeindex` files.
///
/// An offset entry is added for the first batch that starts at least `indexIntervalBytes` after
/// the previous entry. At the same batch a time entry records the largest timestamp of all batches
/// *before* it, when that grew: every batch before the entry's offset has timestamps `<=` it.
/// Both are fully determined by the batches, so a rebuilt index equals the one written on append.
///
/// `.index` entry: relative offset (u32), position (u32). `.timeindex` entry: timestamp (i64),
/// relative offset (u32). Big-endian.
struct SegmentIndex: Equatable {
    struct OffsetEntry: Equatable {
        var relativeOffset: UInt32
        var position: UInt32
    }

    struct TimeEntry: Equatable {
        var timestamp: Int64
        var relativeOffset: UInt32
    }

    static let offsetEntryBytes = 8
    static let timeEntryBytes = 12

    private(set) var offsetEntries: [OffsetEntry] = []
    private(set) var timeEntries: [TimeEntry] = []

    init() {}

    /// Decodes index files; nil unless both are whole entries in increasing order inside `sizeBytes`.
    init?(offsetFile: [UInt8], timeFile: [UInt8], sizeBytes: Int64) {
        guard offsetFile.count % Self.offsetEntryBytes == 0, timeFile.count % Self.timeEntryBytes == 0 else { return nil }
        let decoded: ([OffsetEntry], [TimeEntry])? = offsetFile.withUnsafeBytes { offsets in
            timeFile.withUnsafeBytes { times in
                var offsetReader = ByteReader(offsets)
                var timeReader = ByteReader(times)
                var offsetEntries: [OffsetEntry] = []
                var timeEntries: [TimeEntry] = []
                while let relative = offsetReader.read(bigEndian: UInt32.self), let position = offsetReader.read(bigEndian: UInt32.self) {
                    guard Int64(position) < sizeBytes, relative > (offsetEntries.last?.relativeOffset ?? 0) || offsetEntries.isEmpty,
                        position > (offsetEntries.last?.position ?? 0)
                    else { return nil }
                    offsetEntries.append(OffsetEntry(relativeOffset: relative, position: position))
                }
                while let timestamp = timeReader.read(bigEndian: Int64.self), let relative = timeReader.read(bigEndian: UInt32.self) {
                    guard timestamp > (timeEntries.last?.timestamp ?? Int64.min), offsetEntries.contains(where: { $0.relativeOffset == relative })
                    else { return nil }
                    timeEntries.append(TimeEntry(timestamp: timestamp, relativeOffset: relative))
                }
                return (offsetEntries, timeEntries)
            }
        }
        guard let decoded else { return nil }
        (offsetEntries, timeEntries) = decoded
    }

    /// Notes a batch about to be stored at `position`; returns the entries it adds.
    /// - Parameter maxTimestampBefore: largest timestamp of the batches before it in the segment.
    mutating func noteBatch(
        relativeOffset: UInt32, position: Int64, maxTimestampBefore: Int64?, indexIntervalBytes: Int
    ) -> (OffsetEntry, TimeEntry?)? {
        let lastPosition = Int64(offsetEntries.last?.position ?? 0)
        guard position - lastPosition >= Int64(indexIntervalBytes) else { return nil }
        precondition(position <= Int64(UInt32.max), "segment position \(position) beyond 32 bits")
        let entry = OffsetEntry(relativeOffset: relativeOffset, position: UInt32(position))
        offsetEntries.append(entry)
        guard let maxTimestampBefore, maxTimestampBefore > (timeEntries.last?.timestamp ?? Int64.min) else {
            return (entry, nil)
        }
        let timeEntry = TimeEntry(timestamp: maxTimestampBefore, relativeOffset: relativeOffset)
        timeEntries.append(timeEntry)
        return (entry, timeEntry)
    }

    /// The indexed batch start closest below `relativeOffset`: (relative offset, position), or the segment start.
    func floor(relativeOffset: UInt32) -> (relativeOffset: UInt32, position: Int64) {
        var low = 0
        var high = offsetEntries.count
        while low < high {
            let middle = (low + high) / 2
            if offsetEntries[middle].relativeOffset <= relativeOffset { low = middle + 1 } else { high = middle }
        }
        guard low > 0 else { return (0, 0) }
        return (offsetEntries[low - 1].relativeOffset, Int64(offsetEntries[low - 1].position))
    }

    /// The indexed batch start from which a scan finds the first timestamp `>= timestamp`.
    func floor(beforeTimestamp timestamp: Int64) -> (relativeOffset: UInt32, position: Int64) {
        guard let entry = timeEntries.last(where: { $0.timestamp < timestamp }) else { return (0, 0) }
        return floor(relativeOffset: entry.relativeOffset)
    }

    func encodedOffsetEntries() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: offsetEntries.count * Self.offsetEntryBytes)
        for entry in offsetEntries { Self.append(entry, to: &writer) }
        return writer.bytes
    }

    func encodedTimeEntries() -> [UInt8] {
        var writer = ByteWriter(reservingCapacity: timeEntries.count * Self.timeEntryBytes)
        for entry in timeEntries { Self.append(entry, to: &writer) }
        return writer.bytes
    }

    static func append(_ entry: OffsetEntry, to writer: inout ByteWriter) {
        writer.append(bigEndian: entry.relativeOffset)
        writer.append(bigEndian: entry.position)
    }

    static func append(_ entry: TimeEntry, to writer: inout ByteWriter) {
        writer.append(bigEndian: entry.timestamp)
        writer.append(bigEndian: entry.relativeOffset)
    }
}
