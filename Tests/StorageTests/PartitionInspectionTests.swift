import Testing

@testable import Storage

@Suite struct PartitionInspectionTests {
    @Test func inspectionListsEveryBatchAndChangesNothing() throws {
        let directory = TemporaryDirectory()
        do {
            let log = try openLog(directory.path)
            try log.append(RecordBatchBuilder.controlBatch(type: .leaderChange, value: [], timestamp: 1), leaderEpoch: 1)
            for _ in 0..<30 { try log.append(makeBatch(count: 2, valueBytes: 100), leaderEpoch: 2) }
            try log.sync()
        }
        let inspection = try PartitionInspection.inspect(directory: directory.path)
        let batches = inspection.segments.flatMap(\.batches)
        #expect(inspection.segments.count > 1 && inspection.segments.allSatisfy { $0.damage == nil })
        #expect(batches.count == 31 && batches[0].header.isControl && batches[0].header.partitionLeaderEpoch == 1)
        #expect(batches.last?.header.lastOffset == 60 && inspection.checkpointedDurableEnd == 61 && inspection.logStartOffset == 0)
    }

    @Test func inspectionShowsDamageWithoutCuttingIt() throws {
        let directory = TemporaryDirectory()
        do {
            let log = try openLog(directory.path)
            for _ in 0..<5 { try log.append(makeBatch(valueBytes: 100), leaderEpoch: 0) }
            try log.sync()
        }
        let path = segmentPath(directory.path, 0)
        let size = fileSize(path)
        truncateFile(path, to: size - 10)
        let inspection = try PartitionInspection.inspect(directory: directory.path)
        let damage = try #require(inspection.segments[0].damage)
        #expect(damage.location.offset == 4 && damage.location.position == size - size / 5 && damage.location.file == path)
        #expect(fileSize(path) == size - 10)
    }
}
