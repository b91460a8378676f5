import Testing
@testable import Storage

@Suite struct FilesystemSyncTests {
    @Test func syncfsIsTrustedFromLinux5Point8WhereItReportsWritebackErrors() {
        #expect(FilesystemSync.kernelRelease("5.8.0", isAtLeast: (5, 8)))
        #expect(FilesystemSync.kernelRelease("6.1.0-18-amd64", isAtLeast: (5, 8)))
        #expect(FilesystemSync.kernelRelease("10.0.1", isAtLeast: (5, 8)))
        #expect(!FilesystemSync.kernelRelease("5.7.19", isAtLeast: (5, 8)))
        #expect(!FilesystemSync.kernelRelease("4.19.0-27-amd64", isAtLeast: (5, 8)))
        #expect(!FilesystemSync.kernelRelease("", isAtLeast: (5, 8)))
        #expect(!FilesystemSync.kernelRelease("linux", isAtLeast: (5, 8)))
    }

    /// Many logs' syncs made by one `syncfs` each end where their `beginSync` did, as one
    /// `fdatasync` each would: what was appended after it stays undurable.
    @Test(arguments: [true, false])
    func manyLogsSyncedTogetherAreEachDurableUpToTheirBegunSync(wholeFilesystem: Bool) throws {
        let directories = (0..<12).map { _ in TemporaryDirectory() }
        let logs = try directories.map { try openLog($0.path) }
        for (index, log) in logs.enumerated() {
            for _ in 0...index { try log.append(makeBatch(valueBytes: 200), leaderEpoch: 1) }
        }
        let pending = try logs.map { try #require(try $0.beginSync()) }
        for log in logs { try log.append(makeBatch(), leaderEpoch: 1) }

        let errors = PendingSync.performAll(pending, wholeFilesystem: wholeFilesystem)
        #expect(errors.count == logs.count && errors.allSatisfy { $0 == nil }, "\(errors)")
        for (index, (log, sync)) in zip(logs, pending).enumerated() {
            #expect(try log.completeSync(sync) == Offset(Int64(index + 1)))
            #expect(log.durableEndOffset == Offset(Int64(index + 1)) && log.nextOffset == Offset(Int64(index + 2)))
        }
    }
}
