import DiskProbe
import Glibc
import Storage

/// Raw disk versus the storage engine on the same disk; prints figures and ratios (targets >= 0.8).
///
///     StorageBench [--dir PATH] [--mib N] [--repeats N]
@main
struct StorageBench {
    static let batchBytes = 16 << 10
    static let syncGroupBytes = 64 << 10
    /// The raw baseline writes what the engine's write buffer writes at a time
    /// (`StorageLimits.production.writeBufferBytes`), so the ratio shows the engine's own cost.
    static let rawWriteBytes = StorageLimits.production.writeBufferBytes
    /// A batch size that is not a multiple of the page size, as real producers' batches are not.
    static let unalignedBatchBytes = 16_390

    let directory: String
    let totalBytes: Int
    let repeats: Int
    let syncRounds: Int

    init(directory: String, totalBytes: Int, repeats: Int, syncRounds: Int) {
        self.directory = directory
        self.totalBytes = totalBytes
        self.repeats = repeats
        self.syncRounds = syncRounds
        self.probe = DiskProbe(directory: directory)
    }

    /// Partition directories written so far (deleted at the end, like the probe's files).
    private final class Scratch {
        var partitions: [String] = []
    }

    private let scratch = Scratch()
    private let probe: DiskProbe

    static func main() throws {
        var arguments = Array(CommandLine.arguments.dropFirst())
        func value(_ flag: String) -> String? {
            guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
            defer { arguments.removeSubrange(index...(index + 1)) }
            return arguments[index + 1]
        }
        let directory = value("--dir") ?? "benchmarks/.runs/storage"
        let mebibytes = Int(value("--mib") ?? "128") ?? 128
        let repeats = Int(value("--repeats") ?? "5") ?? 5
        guard arguments.isEmpty, mebibytes > 0, repeats > 0 else {
            print("usage: StorageBench [--dir PATH] [--mib N] [--repeats N]")
            exit(64)
        }
        try makeDirectories(directory)
        let bench = StorageBench(directory: directory, totalBytes: mebibytes << 20, repeats: repeats, syncRounds: 1_000)
        try bench.run()
        for path in bench.scratch.partitions { try removeTree(path) }
    }

    func run() throws {
        print("storage benchmark in \(directory): \(totalBytes >> 20) MiB per run, \(repeats) runs, batches of \(Self.batchBytes >> 10) KiB")
        // Raw and engine runs alternate so that drifting background writeback hits both alike.
        var rawSequential: [Double] = []
        var engineUnsynced: [Double] = []
        var engineUnaligned: [Double] = []
        var raw64KiB: [Double] = []
        var engineSynced: [Double] = []
        var engineOpen: [Double] = []
        for _ in 0..<repeats {
            rawSequential.append(try settled { try probe.sequentialWriteBytesPerSecond(totalBytes: totalBytes, writeBytes: Self.rawWriteBytes) })
            engineUnsynced.append(try settled { try engineUnsyncedBytesPerSecond(batch: Self.sampleBatch(bytes: Self.batchBytes)) })
            engineUnaligned.append(try settled { try engineUnsyncedBytesPerSecond(batch: Self.sampleBatch(bytes: Self.unalignedBatchBytes)) })
            engineOpen.append(try settled { try engineOpenBytesPerSecond() })
            raw64KiB.append(try settled { try probe.appendSyncRoundsPerSecond(writeBytes: Self.syncGroupBytes, count: syncRounds) })
            engineSynced.append(try settled { try engineSyncedGroupsPerSecond() })
        }
        let raw4KiB = try (0..<repeats).map { _ in try settled { try probe.appendSyncRoundsPerSecond(writeBytes: 4 << 10, count: syncRounds) } }
        probe.removeScratchFiles()
        print(row("raw sequential write (\(Self.rawWriteBytes >> 10) KiB writes), no sync", rawSequential, unit: "MiB/s", scale: 1.0 / Double(1 << 20)))
        print(row("raw 4 KiB append + fdatasync", raw4KiB, unit: "/s"))
        print(row("raw 64 KiB append + fdatasync", raw64KiB, unit: "/s"))
        print(row("engine append, no sync", engineUnsynced, unit: "MiB/s", scale: 1.0 / Double(1 << 20)))
        print(row("engine append, no sync, \(Self.unalignedBatchBytes)-byte batches", engineUnaligned, unit: "MiB/s", scale: 1.0 / Double(1 << 20)))
        print(row("engine append, sync per 64 KiB (4 batches)", engineSynced, unit: "/s"))
        print(row("engine open (recovery walk, page cache warm)", engineOpen, unit: "MiB/s", scale: 1.0 / Double(1 << 20)))
        print(ratio("ratio unsynced (target >= 0.8)", engineUnsynced, rawSequential))
        print(ratio("ratio unsynced, unaligned batches", engineUnaligned, rawSequential))
        print(ratio("ratio synced per 64 KiB (target >= 0.8)", engineSynced, raw64KiB))
    }

    /// Appends pre-validated 16 KiB batches (validation happens once, when a request is decoded).
    private func engineUnsyncedBytesPerSecond(batch: RecordBatch) throws -> Double {
        try withFreshLog { log, _ in
            let count = totalBytes / batch.bytes.count
            let seconds = try Stopwatch.seconds {
                for _ in 0..<count { try log.append(batch, leaderEpoch: 1) }
            }
            return Double(count * batch.bytes.count) / seconds
        }
    }

    /// Reopens the partition the last unsynced run wrote: open walks every batch header.
    private func engineOpenBytesPerSecond() throws -> Double {
        let path = try scratch.partitions.last ?? { throw DiskProbeError(call: "no partition to reopen", errorNumber: 0) }()
        var bytes: Int64 = 0
        let seconds = try Stopwatch.seconds { bytes = try PartitionLog.open(directory: path).sizeBytes }
        return Double(bytes) / seconds
    }

    /// Appends four 16 KiB batches, then one sync (group commit of 64 KiB).
    private func engineSyncedGroupsPerSecond() throws -> Double {
        try withFreshLog { log, batch in
            let perGroup = Self.syncGroupBytes / batch.bytes.count
            let seconds = try Stopwatch.seconds {
                for _ in 0..<syncRounds {
                    for _ in 0..<perGroup { try log.append(batch, leaderEpoch: 1) }
                    try log.sync()
                }
            }
            return Double(syncRounds) / seconds
        }
    }

    private func withFreshLog(_ body: (PartitionLog, RecordBatch) throws -> Double) throws -> Double {
        let path = directory + "/partition-\(scratch.partitions.count)"
        try removeTree(path)
        scratch.partitions.append(path)
        let log = try PartitionLog.open(directory: path, options: PartitionLogOptions(create: true))
        return try body(log, Self.sampleBatch())
    }

    /// One batch of exactly `batchBytes` bytes (16 records of about 1 KiB).
    static func sampleBatch(bytes batchBytes: Int = batchBytes) -> RecordBatch {
        func build(lastValueBytes: Int) -> RecordBatch {
            let records = (0..<16).map { index in
                NewRecord(
                    key: Array("key-\(index)".utf8), value: [UInt8](repeating: UInt8(index), count: index == 15 ? lastValueBytes : 1_000),
                    timestamp: 1_767_225_600_000)
            }
            return RecordBatchBuilder.batch(records)
        }
        var lastValueBytes = 1_000
        for _ in 0..<4 {
            let batch = build(lastValueBytes: lastValueBytes)
            if batch.bytes.count == batchBytes { return batch }
            lastValueBytes += batchBytes - batch.bytes.count
        }
        preconditionFailure("could not size the sample batch to \(batchBytes) bytes")
    }

    /// Runs one measurement after writing back the file system's dirty pages.
    private func settled(_ measure: () throws -> Double) throws -> Double {
        probe.settle()
        return try measure()
    }

    /// Best of the runs (what the disk and code can do when the machine leaves them alone) and
    /// the median (what a busy machine gave).
    private func row(_ label: String, _ samples: [Double], unit: String, scale: Double = 1) -> String {
        pad(label) + "best \(format2(samples.max()! * scale)) \(unit)  (median \(format2(Stopwatch.median(samples) * scale)))"
    }

    private func ratio(_ label: String, _ engine: [Double], _ raw: [Double]) -> String {
        pad(label) + "best/best \(format2(engine.max()! / raw.max()!))  (median/median \(format2(Stopwatch.median(engine) / Stopwatch.median(raw))))"
    }

    private func pad(_ label: String) -> String { label + String(repeating: " ", count: max(1, 48 - label.count)) }
}

func format2(_ value: Double) -> String {
    let scaled = Int((value * 100).rounded())
    let fraction = abs(scaled % 100)
    return "\(scaled / 100).\(fraction < 10 ? "0" : "")\(fraction)"
}

func makeDirectories(_ path: String) throws {
    var built = path.hasPrefix("/") ? "" : "."
    for component in path.split(separator: "/") {
        built += "/" + component
        if mkdir(built, 0o755) != 0 && errno != EEXIST { throw DiskProbeError(call: "mkdir \(built)", errorNumber: errno) }
    }
}

/// Deletes a partition directory the benchmark made (files, then the directory).
func removeTree(_ path: String) throws {
    guard let stream = opendir(path) else { return }
    var names: [String] = []
    while let entry = readdir(stream) {
        let name = withUnsafePointer(to: entry.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
        if name != "." && name != ".." { names.append(name) }
    }
    closedir(stream)
    for name in names { unlink(path + "/" + name) }
    rmdir(path)
}
