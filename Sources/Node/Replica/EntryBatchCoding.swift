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
    /// The control record type of a log-start entry (DeleteRecords): Tributary's own. Kafka's
    /// types run from 0 upwards (6 in Kafka 4.0); 1021 (1000 + DeleteRecords' API key 21) stays
    /// clear of them, and clients skip it (librdkafka ignores unknown types; Fetch hands every
    /// control batch out emptied anyway).
    static let logStartType = ControlRecordType(rawValue: 1021)
    /// The version of a log-start entry's value: `int16 version, int64 new log start offset`.
    static let logStartVersion: Int16 = 0
    /// Control batches carry no time, so every replica writes the same bytes.
    static let controlTimestamp: Int64 = -1

    /// The batch of a log-start entry: once committed, every replica moves its log start to
    /// `offset` (or leaves it where it is, if that is further already).
    ///
    /// To Raft it is a data entry (application state, opaque to the core); in the partition it
    /// is a control batch, so consumers and the producer and group rebuilds skip it.
    static func logStartBatch(startingAt offset: Offset) -> RecordBatch {
        precondition(offset.rawValue >= 0, "log start \(offset) is negative")
        let version = UInt16(bitPattern: logStartVersion), start = UInt64(bitPattern: offset.rawValue)
        let value = [UInt8(version >> 8), UInt8(version & 0xFF)] + (0..<8).map { UInt8(truncatingIfNeeded: start >> (56 - 8 * $0)) }
        return RecordBatchBuilder.controlBatch(type: logStartType, value: value, timestamp: controlTimestamp)
    }

    /// The log start a committed entry asks for, if it is a log-start entry.
    ///
    /// Only the attributes field of a data entry's batch is read unless it is a control batch,
    /// so the common case costs no checksum. The start is clamped to the entry's own offset: an
    /// entry can only remove what came before it, on every replica alike.
    /// - Throws: ``EntryCodingError`` for a control batch in a data entry that is not a
    ///   well-formed log-start entry (its CRC included).
    static func logStart(in entry: Entry, batchBytesMax: Int) throws(EntryCodingError) -> Offset? {
        guard entry.kind == .data, RecordBatch.hasControlAttribute(entry.payload) else { return nil }
        let batch: RecordBatch
        do { batch = try RecordBatch(validating: entry.payload, batchBytesMax: batchBytesMax) } catch {
            throw EntryCodingError("entry \(entry) is not a valid record batch: \(error)")
        }
        guard let start = try logStart(in: batch) else {
            throw EntryCodingError("entry \(entry) carries a control batch; only Raft writes those")
        }
        return min(start, entry.index.offset)
    }

    /// The start a log-start batch asks for; nil when `batch` is not one.
    private static func logStart(in batch: RecordBatch) throws(EntryCodingError) -> Offset? {
        let record = try onlyRecord(of: batch)
        guard controlType(of: record) == logStartType else { return nil }
        guard let value = record.value, value.count == 10, value[0] == 0, value[1] == 0 else {
            throw EntryCodingError("log-start batch at \(batch.baseOffset) has a value of an unknown version or size")
        }
        let raw = value[2...].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let start = Offset(Int64(bitPattern: raw))
        guard start.rawValue >= 0 else { throw EntryCodingError("log-start batch at \(batch.baseOffset) names offset \(start)") }
        return start
    }

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
            if batch.isControl, try logStart(in: batch) == nil {
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
        let record = try onlyRecord(of: batch)
        switch controlType(of: record) {
        case noopType: return Entry(term: term, index: index, kind: .noop)
        case membershipType: return Entry(term: term, index: index, kind: .membership, payload: record.value ?? [])
        case logStartType: return Entry(term: term, index: index, payload: batch.bytes)
        default: throw EntryCodingError("control batch at \(batch.baseOffset) is not a Raft entry")
        }
    }

    /// The one record of a control batch.
    private static func onlyRecord(of batch: RecordBatch) throws(EntryCodingError) -> Record {
        do {
            guard let only = try batch.records().first, batch.header.recordCount == 1 else {
                throw EntryCodingError("control batch at \(batch.baseOffset) does not hold exactly one record")
            }
            return only
        } catch let error as EntryCodingError {
            throw error
        } catch {
            throw EntryCodingError("control batch at \(batch.baseOffset) is malformed: \(error)")
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
