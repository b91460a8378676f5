import Raft
import Storage

/// Turns Raft entries into the record batches a partition stores, and back.
///
/// A data entry's payload is a whole Kafka record batch; Raft's own entries become control
/// batches (see docs/ARCHITECTURE.md, "One log, two roles"). Every replica derives the same bytes
/// from the same entry, so committed logs are byte-identical: control batches carry no wall-clock
/// time (timestamp -1, Kafka's "no timestamp"), and data batches keep the producer's bytes.
enum EntryBatchCoding {
    /// The control record type of a no-op (KRaft's LEADER_CHANGE).
    static let noopType = ControlRecordType.leaderChange
    /// The control record type of a membership entry (KRaft's KRAFT_VOTERS).
    static let membershipType = ControlRecordType.voters
    /// Control batches carry no time, so every replica writes the same bytes.
    static let controlTimestamp: Int64 = -1

    /// The batch to store for `entry`, stamped with its offsets and term.
    /// - Throws: ``EntryCodingError`` when a data payload is not one valid batch spanning exactly
    ///   the entry's indexes.
    static func batch(for entry: Entry, batchBytesMax: Int) throws(EntryCodingError) -> RecordBatch {
        let baseOffset = entry.index.offset
        switch entry.kind {
        case .noop:
            return RecordBatchBuilder.controlBatch(
                type: noopType, value: [], timestamp: controlTimestamp, baseOffset: baseOffset,
                leaderEpoch: entry.term.epoch)
        case .membership:
            return RecordBatchBuilder.controlBatch(
                type: membershipType, value: entry.payload, timestamp: controlTimestamp, baseOffset: baseOffset,
                leaderEpoch: entry.term.epoch)
        case .data:
            var batch: RecordBatch
            do {
                batch = try RecordBatch(validating: entry.payload, batchBytesMax: batchBytesMax)
            } catch {
                throw EntryCodingError("entry \(entry) is not a valid record batch: \(error)")
            }
            guard !batch.isControl else {
                throw EntryCodingError("entry \(entry) carries a control batch; only Raft writes those")
            }
            batch.stamp(baseOffset: baseOffset, leaderEpoch: entry.term.epoch)
            guard LogIndex(offset: batch.lastOffset) == entry.lastIndex else {
                throw EntryCodingError(
                    "entry \(entry) spans through \(entry.lastIndex) but its batch has \(batch.header.lastOffsetDelta + 1) offsets")
            }
            return batch
        }
    }

    /// The entry a stored batch holds.
    /// - Throws: ``EntryCodingError`` for a control batch that is not one of Raft's.
    static func entry(for batch: RecordBatch) throws(EntryCodingError) -> Entry {
        let index = LogIndex(offset: batch.baseOffset)
        let term = Term(epoch: batch.leaderEpoch)
        guard batch.isControl else {
            return Entry(term: term, index: index, lastIndex: LogIndex(offset: batch.lastOffset), payload: batch.bytes)
        }
        let record: Record
        do {
            guard let only = try batch.records().first, batch.header.recordCount == 1 else {
                throw EntryCodingError("control batch at \(batch.baseOffset) does not hold exactly one record")
            }
            record = only
        } catch let error as EntryCodingError {
            throw error
        } catch {
            throw EntryCodingError("control batch at \(batch.baseOffset) is malformed: \(error)")
        }
        switch controlType(of: record) {
        case noopType: return Entry(term: term, index: index, kind: .noop)
        case membershipType: return Entry(term: term, index: index, kind: .membership, payload: record.value ?? [])
        default: throw EntryCodingError("control batch at \(batch.baseOffset) is not a Raft entry")
        }
    }

    /// The type in a control record's 4-byte key (int16 version 0, int16 type).
    private static func controlType(of record: Record) -> ControlRecordType? {
        guard let key = record.key, key.count == 4, key[0] == 0, key[1] == 0 else { return nil }
        return ControlRecordType(rawValue: Int16(bitPattern: UInt16(key[2]) << 8 | UInt16(key[3])))
    }
}

/// An entry and a stored batch that do not correspond.
struct EntryCodingError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
