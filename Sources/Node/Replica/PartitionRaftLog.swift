import Raft
import Storage

/// The Raft core's read-only view of a partition's segmented log: the same files serve as the
/// Kafka partition and as the Raft log, nothing is stored twice.
///
/// `RaftLogReader` cannot throw: the core treats the log as memory. A read that fails (an I/O
/// error, or damage found while reading) is answered as "not stored" and remembered in
/// ``readFailure``; the replica checks it after every call into the core and stops serving.
final class PartitionRaftLog: RaftLogReader {
    /// The partition log; the replica writes it, the core reads it through this adapter.
    let log: PartitionLog
    /// The largest batch this log accepts, for decoding what it reads back.
    let batchBytesMax: Int
    /// The first read that failed, if any.
    private(set) var readFailure: Error?

    init(log: PartitionLog) {
        self.log = log
        self.batchBytesMax = log.limits.batchBytesMax
    }

    var firstIndex: LogIndex { LogIndex(offset: log.logStartOffset) }

    var lastIndex: LogIndex { LogIndex(offset: log.nextOffset).previous }

    func term(at index: LogIndex) -> Term? {
        log.epoch(at: index.offset).map(Term.init(epoch:))
    }

    func entryRange(containing index: LogIndex) -> ClosedRange<LogIndex>? {
        guard let batch = readBatches(from: index, bytesMax: 1).first else { return nil }
        return LogIndex(offset: batch.baseOffset)...LogIndex(offset: batch.lastOffset)
    }

    func entries(from index: LogIndex, bytesMax: Int) -> [Entry] {
        var entries: [Entry] = []
        var sizeBytes = 0
        for batch in readBatches(from: index, bytesMax: bytesMax) {
            let entry: Entry
            do { entry = try EntryBatchCoding.entry(for: batch) } catch {
                fail(error)
                return []
            }
            if !entries.isEmpty && sizeBytes + entry.sizeBytes > bytesMax { break }
            sizeBytes += entry.sizeBytes
            entries.append(entry)
        }
        return entries
    }

    private func readBatches(from index: LogIndex, bytesMax: Int) -> [RecordBatch] {
        guard index >= firstIndex, index <= lastIndex else { return [] }
        do {
            // The core's byte bounds may exceed one read's: a short answer is fine, it asks again.
            let readBytes = min(max(bytesMax, 1), log.limits.readBytesMax)
            return try log.read(from: index.offset, maxBytes: readBytes).batches(batchBytesMax: batchBytesMax)
        } catch {
            fail(error)
            return []
        }
    }

    private func fail(_ error: Error) {
        if readFailure == nil { readFailure = error }
    }
}
