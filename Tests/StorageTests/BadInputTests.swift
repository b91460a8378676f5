import Foundation
import Testing

@testable import Storage

@Suite struct BadInputTests {
    @Test func readingOutsideTheLogOrWithBadSizesIsAClearError() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        try log.append(makeBatch(count: 3), leaderEpoch: 0)
        expectStorageError(.offsetOutOfRange) { _ = try log.read(from: 4, maxBytes: 100) }
        expectStorageError(.offsetOutOfRange) { _ = try log.read(from: -1, maxBytes: 100) }
        expectStorageError(.invalidArgument) { _ = try log.read(from: 0, maxBytes: 0) }
        expectStorageError(.invalidArgument) { _ = try log.read(from: 0, maxBytes: -5) }
        expectStorageError(.invalidArgument) { _ = try log.read(from: 0, maxBytes: Int.max) }
        expectStorageError(.offsetOutOfRange) { try log.truncate(after: 3) }
        expectStorageError(.offsetOutOfRange) { try log.truncate(after: -2) }
        #expect(log.epoch(at: 3) == nil && log.epoch(at: -2) == nil)
    }

    @Test func oversizedBatchesAreRefusedAndNothingIsAppended() throws {
        let directory = TemporaryDirectory()
        let log = try openLog(directory.path)
        expectStorageError(.invalidBatch) { try log.append(makeBatch(valueBytes: 3_000), leaderEpoch: 0) }
        #expect(log.nextOffset == 0 && log.sizeBytes == 0)
    }

    @Test func directoriesThatAreNotPartitionsAreRefused() throws {
        let directory = TemporaryDirectory()
        expectStorageError(.notAPartition) { _ = try openLog(directory.child("missing"), create: false) }
        expectStorageError(.notAPartition) { _ = try openLog(directory.path, create: false) }
        _ = FileManager.default.createFile(atPath: directory.child("plain-file"), contents: Data([1, 2, 3]))
        expectStorageError(.notAPartition) { _ = try openLog(directory.child("plain-file")) }
        let strange = directory.child("strange")
        try FileManager.default.createDirectory(atPath: strange, withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: strange + "/12.log", contents: Data())
        expectStorageError(.notAPartition) { _ = try openLog(strange) }
        let orphan = directory.child("orphan")
        try FileManager.default.createDirectory(atPath: orphan, withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: orphan + "/00000000000000000000.log", contents: Data([0]))
        expectStorageError(.notAPartition) { _ = try openLog(orphan) }
        expectStorageError(.invalidArgument) { _ = try openLog("") }
    }

    @Test func inconsistentLimitsAreRefusedBeforeTouchingTheDisk() throws {
        let directory = TemporaryDirectory()
        var limits = StorageLimits.testMin
        limits.segmentBytesMax = limits.batchBytesMax - 1
        expectStorageError(.invalidLimits) { _ = try openLog(directory.child("a"), limits: limits) }
        limits = .testMin
        limits.indexIntervalBytes = 0
        expectStorageError(.invalidLimits) { _ = try openLog(directory.child("a"), limits: limits) }
        limits = .testMin
        limits.readBytesMax = 10
        expectStorageError(.invalidLimits) { _ = try openLog(directory.child("a"), limits: limits) }
        limits = .testMin
        limits.segmentBytesMax = Int(Int32.max) + 1
        expectStorageError(.invalidLimits) { _ = try openLog(directory.child("a"), limits: limits) }
        #expect(!FileManager.default.fileExists(atPath: directory.child("a")))
        try StorageLimits.production.validate()
    }

    @Test func durableStateFileRoundTripsAndReportsCorruptionNeverAsMissing() throws {
        let directory = TemporaryDirectory()
        let path = directory.child("raft.state")
        #expect(try DurableStateFile.read(from: path, payloadBytesMax: 100) == nil)
        try DurableStateFile.write([1, 2, 3, 4], to: path, payloadBytesMax: 100)
        #expect(try DurableStateFile.read(from: path, payloadBytesMax: 100) == [1, 2, 3, 4])
        try DurableStateFile.write([9], to: path, payloadBytesMax: 100)
        #expect(try DurableStateFile.read(from: path, payloadBytesMax: 100) == [9])
        expectStorageError(.invalidArgument) { try DurableStateFile.write([UInt8](repeating: 0, count: 101), to: path, payloadBytesMax: 100) }
        for position in 0..<Int64(17) {
            try DurableStateFile.write([9], to: path, payloadBytesMax: 100)
            flipBit(path, at: position, bit: Int(position % 8))
            expectStorageError(.corruptState) { _ = try DurableStateFile.read(from: path, payloadBytesMax: 100) }
        }
        truncateFile(path, to: 3)
        expectStorageError(.corruptState) { _ = try DurableStateFile.read(from: path, payloadBytesMax: 100) }
    }

    @Test func aCorruptPartitionStateIsAnErrorNotAReset() throws {
        let directory = TemporaryDirectory()
        do { try openLog(directory.path).append(makeBatch(), leaderEpoch: 0) }
        flipBit(directory.child("partition.state"), at: 14, bit: 0)
        expectStorageError(.corruptState) { _ = try openLog(directory.path) }
    }

    @Test func aFullDiskIsAClearErrorTheLogStaysReadableAndRecoversWhenSpaceReturns() throws {
        guard getuid() == 0 else {
            print("skipped aFullDiskIsAClearError...: needs root to mount a tmpfs")
            return
        }
        let directory = TemporaryDirectory("tmpfs")
        let mounted = directory.child("mnt")
        try FileManager.default.createDirectory(atPath: mounted, withIntermediateDirectories: false)
        guard mount("tmpfs", mounted, "tmpfs", 0, "size=64k") == 0 else {
            print("skipped aFullDiskIsAClearError...: mount tmpfs failed (errno \(errno))")
            return
        }
        defer { umount(mounted) }
        let filler = mounted + "/filler"
        #expect(FileManager.default.createFile(atPath: filler, contents: Data(count: 8_192)))
        var limits = StorageLimits.testMin
        limits.segmentBytesMax = 1 << 20
        let log = try openLog(mounted + "/p", limits: limits)
        var appended = 0
        var failure: StorageError?
        while failure == nil && appended < 10_000 {
            do {
                try log.append(makeBatch(valueBytes: 1_000), leaderEpoch: 0)
                appended += 1
            } catch let error as StorageError {
                failure = error
            }
        }
        #expect(failure?.code == .noSpace, "\(String(describing: failure))")
        #expect(log.nextOffset == Offset(Int64(appended)) && appended > 0)
        #expect(try readAll(log).count == appended)
        try FileManager.default.removeItem(atPath: filler)
        #expect(try log.sync() == Offset(Int64(appended)))
        #expect(try openLog(mounted + "/p", limits: limits).nextOffset == Offset(Int64(appended)))
    }
}
