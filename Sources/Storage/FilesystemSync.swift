import Glibc

/// Makes many logs' appends durable at once. Each partition is a file of its own, and one
/// `fdatasync` per file is a journal commit and a cache flush per file: with hundreds of
/// partitions written in one host cycle those flushes, not the bytes, bound the rate. One
/// `syncfs(2)` of their filesystem writes them all back and commits them together
/// (benchmarks/README.md, "Many partitions", has the figures that chose this).
public enum FilesystemSync {
    /// Whether `syncfs(2)` reports writeback errors, as `fdatasync` does: Linux 5.8 and later.
    /// Before, it returned 0 even when a page never reached the disk, so it cannot stand in
    /// for `fdatasync` there and every file is synced on its own.
    public static let reportsWritebackErrors: Bool = {
        var names = utsname()
        guard uname(&names) == 0 else { return false }
        let release = withUnsafeBytes(of: &names.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return kernelRelease(release, isAtLeast: (5, 8))
    }()

    /// Whether a kernel release string ("6.1.0-18-amd64") is `minimum` or later.
    static func kernelRelease(_ release: String, isAtLeast minimum: (Int, Int)) -> Bool {
        let numbers = release.split(whereSeparator: { !$0.isNumber }).prefix(2).compactMap { Int($0) }
        guard numbers.count == 2 else { return false }
        return (numbers[0], numbers[1]) >= minimum
    }
}

extension PendingSync {
    /// Performs `syncs`, the blocking step of many logs' syncs. Blocking; any thread.
    ///
    /// - Parameter wholeFilesystem: one `syncfs` per filesystem the files are on, instead of one
    ///   `fdatasync` per file (ignored where ``FilesystemSync/reportsWritebackErrors`` is false).
    ///   A failed `syncfs` fails every sync on that filesystem: which file lost a page is unknown.
    /// - Returns: for each sync, in order, what it threw; nil when it is durable.
    public static func performAll(_ syncs: [PendingSync], wholeFilesystem: Bool) -> [(any Error)?] {
        guard wholeFilesystem && FilesystemSync.reportsWritebackErrors else {
            return syncs.map { sync in
                do { try sync.perform() } catch { return error }
                return nil
            }
        }
        var outcomes = [(any Error)?](repeating: nil, count: syncs.count)
        var byDevice: [UInt64: [Int]] = [:]
        for (index, sync) in syncs.enumerated() {
            do { byDevice[try sync.file.deviceID(), default: []].append(index) } catch { outcomes[index] = error }
        }
        for indexes in byDevice.values {
            do { try syncs[indexes[0]].file.syncFilesystem() } catch {
                for index in indexes { outcomes[index] = error }
                continue
            }
            // syncfs wrote the directories back too; their own fsync (rare: after a segment is
            // created) keeps the guarantee from resting on that alone.
            for index in indexes {
                guard let directory = syncs[index].directory else { continue }
                do { try FileSystem.syncDirectory(directory) } catch { outcomes[index] = error }
            }
        }
        return outcomes
    }
}
