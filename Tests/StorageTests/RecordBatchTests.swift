import Testing

@testable import Storage

@Suite struct RecordBatchTests {
    @Test func builtBatchValidatesAndDecodesToTheSameRecords() throws {
        let records = [
            NewRecord(key: [1, 2], value: [3, 4, 5], headers: [RecordHeader(key: Array("h".utf8), value: nil)], timestamp: 10),
            NewRecord(key: nil, value: nil, timestamp: 7),
            NewRecord(key: [9], value: [UInt8](repeating: 0xAB, count: 300), timestamp: 1_000_000_000_000),
        ]
        let batch = RecordBatchBuilder.batch(records, baseOffset: 40, leaderEpoch: 3)
        let checked = try RecordBatch(validating: batch.bytes)
        #expect(checked.header == batch.header)
        #expect(checked.baseOffset == 40 && checked.lastOffset == 42 && checked.leaderEpoch == 3)
        #expect(checked.header.maxTimestamp == 1_000_000_000_000 && checked.header.baseTimestamp == 10)
        let decoded = try checked.records()
        #expect(decoded.map(\.offset) == [40, 41, 42])
        #expect(decoded.map(\.timestamp) == records.map(\.timestamp))
        #expect(decoded.map(\.key) == records.map(\.key))
        #expect(decoded.map(\.value) == records.map(\.value))
        #expect(decoded[0].headers == records[0].headers)
    }

    @Test func stampingSetsOffsetAndEpochAndKeepsTheChecksumValid() throws {
        var batch = makeBatch(count: 3)
        batch.stamp(baseOffset: 1_000, leaderEpoch: 9)
        let checked = try RecordBatch(validating: batch.bytes)
        #expect(checked.baseOffset == 1_000 && checked.lastOffset == 1_002 && checked.leaderEpoch == 9)
        #expect(batch.stampedPrefix(baseOffset: 1_000, leaderEpoch: 9) == Array(batch.bytes[0..<16]))
    }

    @Test func controlBatchCarriesTheControlBitAndTypeKey() throws {
        let batch = RecordBatchBuilder.controlBatch(type: .voters, value: [1, 2, 3], timestamp: 5, leaderEpoch: 2)
        #expect(batch.isControl && batch.header.recordCount == 1 && batch.lastOffset == batch.baseOffset)
        let record = try #require(try batch.records().first)
        #expect(record.key == [0, 0, 0, 6] && record.value == [1, 2, 3])
    }

    @Test func aReadShowsControlBatchesAsEmptyBatchesOverTheSameOffsets() throws {
        let first = RecordBatchBuilder.batch([NewRecord(key: nil, value: [1], timestamp: 3)], baseOffset: 0, leaderEpoch: 1)
        let control = RecordBatchBuilder.controlBatch(type: .leaderChange, value: [], timestamp: -1, baseOffset: 1, leaderEpoch: 2)
        var second = makeBatch(count: 2)
        second.stamp(baseOffset: 2, leaderEpoch: 2)
        let read = LogRead(bytes: first.bytes + control.bytes + second.bytes, firstOffset: 0, nextOffset: 4, batchCount: 3)
        let shown = try LogRead(bytes: read.bytesWithControlBatchesEmptied, firstOffset: 0, nextOffset: 4, batchCount: 3).batches()
        #expect(shown.count == 3)
        #expect(shown[0].bytes == first.bytes && shown[2].bytes == second.bytes, "data batches stay as stored")
        let emptied = shown[1]
        #expect(try !emptied.isControl && emptied.header.recordCount == 0 && emptied.records().isEmpty)
        #expect(emptied.baseOffset == 1 && emptied.lastOffset == 1 && emptied.leaderEpoch == 2 && emptied.header.maxTimestamp == -1)
        let plain = LogRead(bytes: first.bytes + second.bytes, firstOffset: 0, nextOffset: 4, batchCount: 2)
        #expect(plain.bytesWithControlBatchesEmptied == plain.bytes)
    }

    @Test func everyTruncationAndEveryCoveredBitFlipIsRejected() throws {
        let batch = makeBatch(count: 2, valueBytes: 5)
        for length in 0..<batch.bytes.count {
            #expect(throws: StorageError.self) { try RecordBatch(validating: Array(batch.bytes[..<length])) }
        }
        for position in RecordBatchLayout.magic..<batch.bytes.count {
            for bit in 0..<8 {
                var bytes = batch.bytes
                bytes[position] ^= UInt8(1 << bit)
                #expect(throws: StorageError.self) { try RecordBatch(validating: bytes) }
            }
        }
    }

    @Test func validationNeverTrapsOnRandomBytes() {
        let seed: UInt64 = 0x5EED_BA7C
        var random = SeededGenerator(seed: seed)
        let template = makeBatch(count: 3).bytes
        var accepted = 0
        for _ in 0..<20_000 {
            var bytes = template
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            if Bool.random(using: &random) { bytes = Array(bytes[..<Int.random(in: 0...bytes.count, using: &random)]) }
            if let batch = try? RecordBatch(validating: bytes) {
                accepted += 1
                _ = try? batch.records()
            }
        }
        // Changes outside the CRC (offset, epoch) are accepted; the test is that nothing traps.
        #expect(accepted < 20_000, "seed \(seed)")
    }

    @Test func recordDecodingNeverTrapsOnGarbageUnderAValidChecksum() {
        let seed: UInt64 = 0xDEC0DE
        var random = SeededGenerator(seed: seed)
        let template = makeBatch(count: 4, valueBytes: 12).bytes
        var decoded = 0
        for _ in 0..<20_000 {
            var bytes = template
            for _ in 0..<Int.random(in: 1...6, using: &random) {
                let position = Int.random(in: RecordBatchLayout.headerBytes..<bytes.count, using: &random)
                bytes[position] = UInt8.random(in: 0...255, using: &random)
            }
            let crc = bytes.withUnsafeBytes { RecordBatchLayout.checksum(of: $0) }
            withUnsafeBytes(of: crc.bigEndian) { bytes.replaceSubrange(RecordBatchLayout.crc..<RecordBatchLayout.attributes, with: $0) }
            guard let batch = try? RecordBatch(validating: bytes) else {
                Issue.record("seed \(seed): a fresh checksum should make the batch valid")
                return
            }
            if (try? batch.records()) != nil { decoded += 1 }
        }
        #expect(decoded < 20_000, "seed \(seed): garbage records were all accepted")
    }

    @Test func varintsRoundTripAtTheEdges() {
        let values: [Int64] = [0, 1, -1, 63, -64, 64, -65, 300, 8_191, 8_192, Int64(Int32.max), Int64(Int32.min), Int64.max, Int64.min]
        for value in values {
            var writer = ByteWriter()
            writer.append(varint: value)
            #expect(writer.bytes.count <= 10)
            #expect(ByteWriter.varintSize(value) == writer.bytes.count, "size of \(value)")
            let decoded = writer.bytes.withUnsafeBytes { raw in
                var reader = ByteReader(raw)
                return reader.readVarint(maxBytes: 10)
            }
            #expect(decoded == value)
        }
    }

    @Test func headerRejectsOversizeBatchesAndBadMagic() {
        let batch = makeBatch(count: 1, valueBytes: 100)
        #expect(throws: StorageError.self) { try RecordBatch(validating: batch.bytes, batchBytesMax: 64) }
        var bytes = batch.bytes
        bytes[RecordBatchLayout.magic] = 1
        #expect(throws: StorageError.self) { try RecordBatch(validating: bytes) }
    }
}
