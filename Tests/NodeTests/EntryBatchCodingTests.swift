import Raft
import Storage
import Testing
@testable import Node

/// Log-start entries: data entries to Raft, control batches in the partition.
@Suite struct EntryBatchCodingTests {
    static let batchBytesMax = StorageLimits.testMin.batchBytesMax

    @Test func aLogStartEntryIsStoredAsAControlBatchAndReadBackAsTheSameDataEntry() throws {
        let proposed = EntryBatchCoding.logStartBatch(startingAt: Offset(41))
        let entry = Entry(term: Term(3), index: LogIndex(offset: Offset(57)), payload: proposed.bytes)
        let stored = try EntryBatchCoding.batch(for: entry, batchBytesMax: Self.batchBytesMax)
        #expect(stored.isControl && stored.baseOffset == Offset(57) && stored.leaderEpoch == Term(3).epoch)
        let readBack = try EntryBatchCoding.entry(for: stored)
        #expect(readBack.kind == .data && readBack.index == entry.index && readBack.term == entry.term)
        #expect(try EntryBatchCoding.logStart(in: readBack, batchBytesMax: Self.batchBytesMax) == Offset(41))
    }

    @Test func aLogStartNeverPassesItsOwnEntryAndOrdinaryEntriesAskForNone() throws {
        let ahead = Entry(term: Term(1), index: LogIndex(offset: Offset(5)), payload: EntryBatchCoding.logStartBatch(startingAt: Offset(900)).bytes)
        #expect(try EntryBatchCoding.logStart(in: ahead, batchBytesMax: Self.batchBytesMax) == Offset(5))
        let data = RecordBatchBuilder.batch([NewRecord(value: Array("v".utf8), timestamp: 1)])
        #expect(try EntryBatchCoding.logStart(in: Entry(term: Term(1), index: LogIndex(1), payload: data.bytes), batchBytesMax: Self.batchBytesMax) == nil)
        #expect(try EntryBatchCoding.logStart(in: Entry(term: Term(1), index: LogIndex(1), kind: .noop), batchBytesMax: Self.batchBytesMax) == nil)
    }

    @Test func aDataEntryCarryingAnyOtherControlBatchIsRefused() {
        let marker = RecordBatchBuilder.controlBatch(type: .commit, value: [], timestamp: -1)
        let entry = Entry(term: Term(1), index: LogIndex(1), payload: marker.bytes)
        #expect(throws: EntryCodingError.self) { try EntryBatchCoding.batch(for: entry, batchBytesMax: Self.batchBytesMax) }
        #expect(throws: EntryCodingError.self) { try EntryBatchCoding.logStart(in: entry, batchBytesMax: Self.batchBytesMax) }
    }
}
