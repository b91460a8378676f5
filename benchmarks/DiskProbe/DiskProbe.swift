import Glibc

/// Measures what the raw disk under a directory can do with plain POSIX file writes, so that
/// benchmarks can compare the engine against the hardware it runs on (not against a guess).
///
/// Every measurement writes a fresh file in `directory`; files are deleted only by
/// ``removeScratchFiles()``, because deleting a large file between measurements (block frees,
/// discards at the next journal commit) would slow down the syncs of the one that follows.
public final class DiskProbe {
    /// Where the files are written (it must exist).
    public let directory: String
    private var scratchFiles: [String] = []

    /// Measures in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    deinit { removeScratchFiles() }

    /// Writes back every dirty page (`sync(2)`; `syncfs` is not exported to Swift), so that one
    /// measurement's writeback does not land inside the next one.
    public func settle() {
        sync()
    }

    /// Deletes the files the measurements wrote.
    public func removeScratchFiles() {
        for path in scratchFiles { unlink(path) }
        scratchFiles.removeAll()
    }

    /// Sequential `write(2)` throughput without any sync (what a page-cache append achieves).
    /// - Parameters:
    ///   - totalBytes: bytes written in all.
    ///   - writeBytes: bytes per `write` call.
    /// - Returns: bytes per second.
    public func sequentialWriteBytesPerSecond(totalBytes: Int, writeBytes: Int) throws -> Double {
        precondition(writeBytes > 0 && totalBytes >= writeBytes, "bad write sizes")
        let block = [UInt8](repeating: 0x5A, count: writeBytes)
        return try withScratchFile { descriptor in
            let count = totalBytes / writeBytes
            let seconds = try Stopwatch.seconds {
                for _ in 0..<count { try writeFully(descriptor, block) }
            }
            return Double(count * writeBytes) / seconds
        }
    }

    /// Appends of `writeBytes` each followed by `fdatasync`, as a log that syncs every write does.
    /// - Parameters:
    ///   - writeBytes: bytes appended before each sync.
    ///   - count: number of append+sync rounds.
    /// - Returns: rounds per second.
    public func appendSyncRoundsPerSecond(writeBytes: Int, count: Int) throws -> Double {
        precondition(writeBytes > 0 && count > 0, "bad append sizes")
        let block = [UInt8](repeating: 0xA5, count: writeBytes)
        return try withScratchFile { descriptor in
            let seconds = try Stopwatch.seconds {
                for _ in 0..<count {
                    try writeFully(descriptor, block)
                    guard fdatasync(descriptor) == 0 else { throw DiskProbeError(call: "fdatasync", errorNumber: errno) }
                }
            }
            return Double(count) / seconds
        }
    }

    private func withScratchFile<R>(_ body: (Int32) throws -> R) throws -> R {
        let path = directory + "/disk-probe-\(scratchFiles.count).tmp"
        unlink(path)
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw DiskProbeError(call: "open \(path)", errorNumber: errno) }
        scratchFiles.append(path)
        defer { close(descriptor) }
        return try body(descriptor)
    }

    private func writeFully(_ descriptor: Int32, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let written = write(descriptor, raw.baseAddress! + done, raw.count - done)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw DiskProbeError(call: "write", errorNumber: errno)
                }
                done += written
            }
        }
    }
}

/// A failed system call during a measurement.
public struct DiskProbeError: Error, CustomStringConvertible {
    /// The call and its argument.
    public let call: String
    /// `errno`.
    public let errorNumber: Int32

    /// Describes a failed call.
    public init(call: String, errorNumber: Int32) {
        self.call = call
        self.errorNumber = errorNumber
    }

    public var description: String { "\(call): \(String(cString: strerror(errorNumber)))" }
}

/// Elapsed time on the monotonic clock.
public enum Stopwatch {
    /// Seconds `body` took.
    public static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = now()
        try body()
        return max(now() - start, 1e-9)
    }

    /// The monotonic clock in seconds.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }

    /// The median of `samples` (at least one).
    public static func median(_ samples: [Double]) -> Double {
        precondition(!samples.isEmpty, "median of nothing")
        let sorted = samples.sorted()
        return sorted[sorted.count / 2]
    }
}
