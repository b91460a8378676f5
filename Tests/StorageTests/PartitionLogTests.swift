import Foundation
import Testing

@testable import Storage

@Suite struct PartitionLogTests {
    @Test func appendAssignsDenseOffsetsAndReadReturnsTheStampedBatches() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        #expect(try log.append(makeBatch(count: 3), leaderEpoch: 1) == 0...2)
        #expect(try log.append(makeBatch(count: 1), leaderEpoch: 1) == 3...3)
        #expect(try log.append(makeBatch(count: 2), leaderEpoch: 2) == 4...5)
        #expect(log.nextOffset == 6 && log.lastOffset == 5 && log.logStartOffset == 0)
        let batches = try readAll(log)
        #expect(batches.map(\.baseOffset) == [0, 3, 4])
        #expect(batches.map(\.leaderEpoch) == [1, 1, 2])
        #expect(try batches[2].records().map(\.offset) == [4, 5])
    }

    @Test func readStartsAtTheBatchHoldingTheOffsetAndReturnsAtLeastOneWholeBatch() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for _ in 0..<4 { try log.append(makeBatch(count: 5, valueBytes: 40), leaderEpoch: 0) }
        let inside = try log.read(from: 7, maxBytes: 1)
        #expect(inside.firstOffset == 5 && inside.batchCount == 1 && inside.nextOffset == 10)
        let batchBytes = makeBatch(count: 5, valueBytes: 40).bytes.count
        let two = try log.read(from: 0, maxBytes: 2 * batchBytes + 1)
        #expect(two.batchCount == 2 && two.bytes.count == 2 * batchBytes)
        let atEnd = try log.read(from: 20, maxBytes: 100)
        #expect(atEnd.bytes.isEmpty && atEnd.nextOffset == 20)
        let belowMark = try log.read(from: 0, maxBytes: 1 << 16, before: 12)
        #expect(belowMark.batchCount == 2 && belowMark.nextOffset == 10)
        let notYet = try log.read(from: 10, maxBytes: 1 << 16, before: 12)
        #expect(notYet.bytes.isEmpty && notYet.nextOffset == 10)
    }

    @Test func segmentsRollBySizeAndReadsFindEveryOffsetAcrossSegmentsAfterReopen() throws {
        let directory = TemporaryDirectory()
        var expected: [Offset: LeaderEpoch] = [:]
        do {
            let log = try openLog(directory.path)
            for index in 0..<60 {
                let range = try log.append(makeBatch(count: 1 + index % 3, valueBytes: 90), leaderEpoch: LeaderEpoch(Int32(index / 20)))
                for offset in range { expected[offset] = LeaderEpoch(Int32(index / 20)) }
            }
            #expect(log.segmentBaseOffsets.count > 3)
            try log.sync()
        }
        let log = try openLog(directory.path)
        #expect(log.recovery.tornTail == nil && log.recovery.rebuiltIndexes.isEmpty)
        #expect(log.segmentBaseOffsets.count > 3)
        for (offset, epoch) in expected {
            let read = try log.read(from: offset, maxBytes: 1)
            let batch = try #require(try read.batches().first)
            #expect(batch.baseOffset <= offset && offset <= batch.lastOffset)
            #expect(log.epoch(at: offset) == epoch)
        }
        for base in log.segmentBaseOffsets.dropLast() {
            #expect(fileSize(segmentPath(directory.path, base)) <= Int64(StorageLimits.testMin.segmentBytesMax))
            #expect(fileSize(segmentPath(directory.path, base, ".index")) > 0)
        }
    }

    @Test func segmentsRollWhenANewBatchIsOlderThanTheAgeLimit() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        try log.append(makeBatch(timestamp: 0), leaderEpoch: 0)
        try log.append(makeBatch(timestamp: 60_000), leaderEpoch: 0)
        #expect(log.segmentBaseOffsets == [0])
        try log.append(makeBatch(timestamp: 60_001), leaderEpoch: 0)
        #expect(log.segmentBaseOffsets == [0, 2])
    }

    @Test func replicatedAppendMustStartAtTheNextOffsetAndEpochsMustNotGoBack() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        var batch = makeBatch(count: 2)
        batch.stamp(baseOffset: 0, leaderEpoch: 4)
        #expect(try log.appendReplicated(batch) == 0...1)
        expectStorageError(.unexpectedOffset) { try log.appendReplicated(batch) }
        batch.stamp(baseOffset: 2, leaderEpoch: 3)
        expectStorageError(.epochRegression) { try log.appendReplicated(batch) }
        expectStorageError(.epochRegression) { try log.append(makeBatch(), leaderEpoch: 1) }
        #expect(log.nextOffset == 2)
    }

    @Test func truncationAcrossSegmentsKeepsExactlyThePrefixAndSurvivesReopen() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for index in 0..<50 { try log.append(makeBatch(count: 2, valueBytes: 100), leaderEpoch: LeaderEpoch(Int32(index / 10))) }
        try log.sync()
        let segmentsBefore = log.segmentBaseOffsets.count
        expectStorageError(.notOnBatchBoundary) { try log.truncate(after: 10) }
        try log.truncate(after: 21)
        #expect(log.nextOffset == 22 && log.segmentBaseOffsets.count < segmentsBefore)
        #expect(log.durableEndOffset == 22)
        #expect(log.epoch(at: 21) == 1 && log.lastOffset(ofEpoch: 1) == 21 && log.lastOffset(ofEpoch: 2) == nil)
        try log.append(makeBatch(), leaderEpoch: 7)
        try log.sync()
        let reopened = try openLog(directory.path)
        #expect(reopened.nextOffset == 23 && reopened.epoch(at: 22) == 7)
        #expect(try readAll(reopened).map(\.baseOffset) == Array(stride(from: 0, to: 22, by: 2)).map { Offset(Int64($0)) } + [22])
    }

    @Test func truncatingAtTheFirstSegmentStartEmptiesTheLog() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for _ in 0..<30 { try log.append(makeBatch(valueBytes: 200), leaderEpoch: 1) }
        try log.truncate(after: -1)
        #expect(log.nextOffset == 0 && log.segmentBaseOffsets == [0] && log.lastOffset == nil)
        #expect(try openLog(directory.path).nextOffset == 0)
    }

    @Test func advancingTheStartInsideASegmentIsLogicalAndAcrossSegmentsDeletesFiles() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for index in 0..<40 { try log.append(makeBatch(count: 2, valueBytes: 100), leaderEpoch: LeaderEpoch(Int32(index / 8))) }
        let firstSegments = log.segmentBaseOffsets
        try log.advanceStart(to: 1)
        #expect(log.logStartOffset == 1 && log.segmentBaseOffsets == firstSegments)
        #expect(try log.read(from: 1, maxBytes: 1).firstOffset == 0)
        expectStorageError(.offsetOutOfRange) { _ = try log.read(from: 0, maxBytes: 100) }
        try log.advanceStart(to: 33)
        #expect(log.segmentBaseOffsets.first! <= 33 && log.segmentBaseOffsets.count < firstSegments.count)
        #expect(log.epoch(at: 32) == 2 && log.epochs.epochBeforeStart == 2 && log.epoch(at: 33) == 2)
        expectStorageError(.invalidArgument) { try log.advanceStart(to: 40, epochBeforeStart: 0) }
        try log.sync()
        let reopened = try openLog(directory.path)
        #expect(reopened.logStartOffset == 33 && reopened.epoch(at: 32) == 2 && reopened.nextOffset == 80)
    }

    @Test func advancingBeyondTheEndEmptiesTheLogAndContinuesThere() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for _ in 0..<20 { try log.append(makeBatch(valueBytes: 200), leaderEpoch: 2) }
        expectStorageError(.invalidArgument) { try log.advanceStart(to: 1_000) }
        try log.advanceStart(to: 1_000, epochBeforeStart: 5)
        #expect(log.logStartOffset == 1_000 && log.nextOffset == 1_000 && log.segmentBaseOffsets == [1_000])
        #expect(log.epoch(at: 999) == 5 && log.durableEndOffset == 1_000)
        expectStorageError(.epochRegression) { try log.append(makeBatch(), leaderEpoch: 4) }
        try log.append(makeBatch(), leaderEpoch: 6)
        try log.sync()
        let reopened = try openLog(directory.path)
        #expect(reopened.logStartOffset == 1_000 && reopened.nextOffset == 1_001)
        #expect(reopened.epoch(at: 999) == 5 && reopened.epoch(at: 1_000) == 6)
    }

    @Test func aCrashInTheMiddleOfAResetBeyondTheEndFinishesTheResetOnOpen() throws {
        let directory = TemporaryDirectory()
        let segments: [Offset]
        do {
            let log = try openLog(directory.path)
            for _ in 0..<40 { try log.append(makeBatch(valueBytes: 200), leaderEpoch: 2) }
            try log.sync()
            segments = log.segmentBaseOffsets
        }
        // As advanceStart(to: 1_000, epochBeforeStart: 4) leaves it if it stops after writing the
        // state and deleting the newest old segment: old data below the new start, checkpoint at 40.
        try PartitionState(logStartOffset: 1_000, epochBeforeStart: 4).store(directory: directory.path, limits: .testMin)
        for suffix in [".log", ".index", ".timeindex"] { try FileManager.default.removeItem(atPath: segmentPath(directory.path, segments.last!, suffix)) }
        let log = try openLog(directory.path)
        #expect(log.logStartOffset == 1_000 && log.nextOffset == 1_000 && log.segmentBaseOffsets == [1_000])
        #expect(log.epoch(at: 999) == 4 && log.recovery.acceptedDamage.isEmpty)
    }

    @Test func retentionByTimeDeletesOnlyExpiredSealedSegmentsBelowTheBound() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for index in 0..<60 { try log.append(makeBatch(valueBytes: 200, timestamp: Int64(index) * 1_000), leaderEpoch: 1) }
        let segments = log.segmentBaseOffsets
        #expect(segments.count >= 4)
        let policy = RetentionPolicy(retentionMs: 10_000, retentionBytes: nil)
        #expect(try log.applyRetention(policy, nowMs: 0, deletableBelow: log.nextOffset).isEmpty)
        #expect(try log.applyRetention(policy, nowMs: 1_000_000, deletableBelow: segments[2]) == Array(segments[..<2]))
        #expect(log.logStartOffset == segments[2])
        let deleted = try log.applyRetention(policy, nowMs: 1_000_000, deletableBelow: log.nextOffset)
        #expect(deleted == Array(segments[2..<(segments.count - 1)]))
        #expect(log.segmentBaseOffsets == [segments.last!] && log.logStartOffset == segments.last!)
        #expect(try openLog(directory.path).logStartOffset == segments.last!)
    }

    @Test func retentionBySizeKeepsAtLeastTheConfiguredBytes() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for _ in 0..<60 { try log.append(makeBatch(valueBytes: 200), leaderEpoch: 1) }
        let limit: Int64 = 5_000
        try log.applyRetention(RetentionPolicy(retentionMs: nil, retentionBytes: limit), nowMs: 0, deletableBelow: log.nextOffset)
        #expect(log.sizeBytes >= limit)
        #expect(log.sizeBytes - 4_096 < limit)
        expectStorageError(.invalidArgument) {
            try log.applyRetention(RetentionPolicy(retentionMs: -1, retentionBytes: nil), nowMs: 0, deletableBelow: 0)
        }
    }

    @Test func timestampLookupFindsTheFirstRecordAtOrAfterTheTime() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for index in 0..<50 { try log.append(makeBatch(count: 4, valueBytes: 50, timestamp: Int64(index) * 10), leaderEpoch: 0) }
        // Batch i holds offsets 4i..4i+3 with timestamps 10i..10i+3.
        #expect(try log.offset(forTimestamp: 0) == 0)
        #expect(try log.offset(forTimestamp: 252) == 102)
        #expect(try log.offset(forTimestamp: 255) == 104)
        #expect(try log.offset(forTimestamp: 493) == 199)
        #expect(try log.offset(forTimestamp: 494) == nil)
        try log.advanceStart(to: 150)
        #expect(try log.offset(forTimestamp: 0) == 150)
    }

    @Test func epochCacheAnswersTermQueriesAfterAppendTruncateAndReopen() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        for epoch: LeaderEpoch in [1, 1, 3, 3, 3, 6] { try log.append(makeBatch(count: 2), leaderEpoch: epoch) }
        #expect(log.epochs.entries.map(\.epoch) == [1, 3, 6])
        #expect(log.epoch(at: 3) == 1 && log.epoch(at: 4) == 3 && log.epoch(at: 11) == 6 && log.epoch(at: 12) == nil)
        #expect(log.lastOffset(ofEpoch: 3) == 9 && log.lastOffset(ofEpoch: 2) == nil)
        #expect(log.endOffset(forEpoch: 2)! == (epoch: 1, endOffset: 4))
        #expect(log.endOffset(forEpoch: 6)! == (epoch: 6, endOffset: 12))
        #expect(log.endOffset(forEpoch: 0) == nil)
        #expect(log.epoch(at: -1) == LeaderEpoch.none)
        try log.truncate(after: 7)
        #expect(log.epochs.entries.map(\.epoch) == [1, 3] && log.lastOffset(ofEpoch: 3) == 7)
        let reopened = try openLog(directory.path)
        #expect(reopened.epochs == log.epochs)
    }

    @Test func syncReportsTheDurableEndAndSimulatedPowerLossLosesExactlyTheUnsyncedTail() throws {
        let directory = TemporaryDirectory()
        do {
            let log = try openLog(directory.path, durability: .unsafeSimulatedPowerLoss)
            for _ in 0..<30 { try log.append(makeBatch(valueBytes: 100), leaderEpoch: 1) }
            #expect(try log.sync() == 30 && log.durableEndOffset == 30)
            for _ in 0..<5 { try log.append(makeBatch(valueBytes: 100), leaderEpoch: 1) }
            #expect(try log.read(from: 34, maxBytes: 100).firstOffset == 34)
            #expect(log.durableEndOffset == 30)
        }
        let reopened = try openLog(directory.path)
        #expect(reopened.nextOffset == 30 && reopened.recovery.tornTail == nil)
        #expect(try readAll(reopened).count == 30)
    }

    @Test func aSyncSplitAcrossThreadsMakesExactlyTheBegunPrefixDurable() async throws {
        let directory = TemporaryDirectory()
        var limits = StorageLimits.testMin
        limits.segmentBytesMax = 1 << 20  // no roll (which syncs by itself) between the steps
        let log = try openLog(directory.path, limits: limits, durability: .unsafeSimulatedPowerLoss)
        for _ in 0..<20 { try log.append(makeBatch(valueBytes: 300), leaderEpoch: 1) }
        let pending = try #require(try log.beginSync())
        #expect(pending.endOffset == 20)
        for _ in 0..<5 { try log.append(makeBatch(valueBytes: 300), leaderEpoch: 1) }
        try await Task.detached { try pending.perform() }.value
        #expect(try log.completeSync(pending) == 20 && log.durableEndOffset == 20)
        #expect(log.nextOffset == 25)
        #expect(try openLog(directory.path, limits: limits).nextOffset == 20, "the 5 appended after beginSync were never synced")
    }

    @Test func anIdleLogGivesBackTheWriteBufferABurstGrew() throws {
        let directory = TemporaryDirectory()
        var limits = StorageLimits.production
        limits.segmentBytesMax = 64 << 20
        let log = try openLog(directory.path, limits: limits)
        for _ in 0..<40 { try log.append(makeBatch(count: 4, valueBytes: 1_000), leaderEpoch: 1) }
        #expect(log.activeSegment.heldCapacityBytes > 100 << 10, "the burst is held before the sync")
        try log.sync()
        #expect(log.activeSegment.heldCapacityBytes <= Segment.idleHeldCapacityMax)
        #expect(try openLog(directory.path, limits: limits).nextOffset == 160)
    }

    @Test func aSyncBegunBeforeATruncationDoesNotClaimTheNewData() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path, durability: .unsafeSimulatedPowerLoss)
        for _ in 0..<10 { try log.append(makeBatch(), leaderEpoch: 1) }
        let pending = try #require(try log.beginSync())
        try log.truncate(after: 3)
        for _ in 0..<10 { try log.append(makeBatch(), leaderEpoch: 2) }
        try pending.perform()
        #expect(try log.completeSync(pending) <= 4)
        #expect(try log.beginSync() == nil || log.durableEndOffset <= 4)
    }

    @Test func appendedBytesReachTheFileInPageAlignedWritesAndAllOfThemAtSync() throws {
        let directory = TemporaryDirectory()
        var limits = StorageLimits.testMin
        limits.segmentBytesMax = 1 << 20
        let log = try openLog(directory.path, limits: limits)
        for _ in 0..<40 { try log.append(makeBatch(valueBytes: 137), leaderEpoch: 0) }
        let path = segmentPath(directory.path, 0)
        #expect(fileSize(path) % 4_096 == 0 && fileSize(path) > 0 && fileSize(path) < log.sizeBytes)
        #expect(try readAll(log).count == 40)
        try log.sync()
        #expect(fileSize(path) == log.sizeBytes)
    }

    @Test func sealedSegmentsOpenFromTheirSummariesAndReadsStillCatchDamageInThem() throws {
        let directory = TemporaryDirectory()
        let segments: [Offset]
        do {
            let log = try openLog(directory.path)
            for _ in 0..<40 { try log.append(makeBatch(count: 2, valueBytes: 100), leaderEpoch: 1) }
            try log.sync()
            segments = log.segmentBaseOffsets
        }
        #expect(segments.count > 2)
        for base in segments.dropLast() { #expect(FileManager.default.fileExists(atPath: segmentPath(directory.path, base, ".summary"))) }
        #expect(!FileManager.default.fileExists(atPath: segmentPath(directory.path, segments.last!, ".summary")))
        // A flipped value byte in the first batch of segment 0: covered by the CRC only.
        flipBit(segmentPath(directory.path, 0), at: 100, bit: 3)
        let log = try openLog(directory.path)
        #expect(log.nextOffset == 80, "open trusted the summary instead of walking the sealed segment")
        let error = expectStorageError(.corruptData) { _ = try log.read(from: 0, maxBytes: 100) }
        #expect(error?.location == DataLocation(file: segmentPath(directory.path, 0), position: 0, offset: 0))
        // Truncating into a sealed segment makes it writable: its summary goes.
        try log.truncate(after: segments[1].advanced(by: -1))
        #expect(!FileManager.default.fileExists(atPath: segmentPath(directory.path, 0, ".summary")))
        #expect(try openLog(directory.path).nextOffset == segments[1])
    }

    @Test func aMissingOrCorruptIndexIsRebuiltFromTheData() throws {
        let directory = TemporaryDirectory()
        do {
            let log = try openLog(directory.path)
            for _ in 0..<40 { try log.append(makeBatch(count: 2, valueBytes: 100), leaderEpoch: 1) }
            try log.sync()
        }
        try FileManager.default.removeItem(atPath: segmentPath(directory.path, 0, ".index"))
        flipBit(segmentPath(directory.path, 0, ".timeindex"), at: 3, bit: 1)
        let log = try openLog(directory.path)
        #expect(log.recovery.rebuiltIndexes == [0])
        #expect(try readAll(log).count == 40)
        #expect(try openLog(directory.path).recovery.rebuiltIndexes.isEmpty)
    }
}
