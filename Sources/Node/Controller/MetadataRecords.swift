import ClusterMetadata
import Storage

/// How controller commands live in the controller group's log: one `MetadataCommand` per
/// record, its encoding as the record's value, in ordinary (non-control) record batches, so
/// the controller log is a partition log like any other (`tributary log dump` reads it).
enum MetadataRecords {
    /// A batch of one record holding `command`.
    /// - Parameter timestampMs: the proposer's wall clock; informational only (apply never reads it).
    static func batch(for command: MetadataCommand, timestampMs: Int64) throws(MetadataError) -> RecordBatch {
        RecordBatchBuilder.batch([NewRecord(value: try command.encoded(), timestamp: timestampMs)])
    }

    /// The commands in a committed batch of the controller log, in offset order; nothing for
    /// Raft's control batches (no-ops, membership changes).
    /// - Throws: ``MetadataLogError`` when a record is not a command: the controller log is
    ///   damaged or was written by something else, and applying past it would diverge.
    static func commands(in batch: RecordBatch) throws(MetadataLogError) -> [(Offset, MetadataCommand)] {
        guard !batch.isControl else { return [] }
        let records: [Record]
        do { records = try batch.records() } catch {
            throw MetadataLogError("controller batch at \(batch.baseOffset) does not decode: \(error)")
        }
        var commands: [(Offset, MetadataCommand)] = []
        for record in records {
            guard let value = record.value else { throw MetadataLogError("controller record at \(record.offset) has no value") }
            do { commands.append((record.offset, try MetadataCommand(decoding: value))) } catch {
                throw MetadataLogError("controller record at \(record.offset) is not a command: \(error)")
            }
        }
        return commands
    }
}

/// The controller log holds something that is not a valid command.
struct MetadataLogError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
