import ArgumentParser
import Glibc
import Storage

/// `tributary log ...`: tools for a partition's log files.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Inspect a partition's log files.",
        subcommands: [LogDumpCommand.self, LogDemoCommand.self])
}

/// `tributary log dump DIR`: segments, batches and damage of one partition directory, read-only.
struct LogDumpCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dump",
        abstract: "Print a partition's segments, batches, offsets, epochs, timestamps and CRC status.",
        discussion: """
            Reads the directory without changing it (no tail is cut, no index rewritten) and checks \
            every batch's CRC32C. Damage is printed with its file, byte position and offset; the \
            exit status is 2 when there is any.
            """)

    @Argument(help: "The partition directory (holds partition.state and *.log segments).")
    var directory: String

    @Flag(name: .long, help: "Print only one line per segment.")
    var summary = false

    func run() throws {
        let inspection: PartitionInspection
        do { inspection = try PartitionInspection.inspect(directory: directory) } catch let error as StorageError {
            var message = "tributary log dump: \(error)\n"
            _ = message.withUTF8 { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            throw ExitCode.failure
        }
        print(header(of: inspection))
        var damaged = inspection.stateProblem != nil
        for segment in inspection.segments {
            print(describe(segment))
            if !summary { for batch in segment.batches { print(describe(batch)) } }
            if let damage = segment.damage {
                damaged = true
                print("  DAMAGE \(damage.kind) at byte \(damage.location.position) (offset \(damage.location.offset)): \(damage.detail)")
            }
        }
        let batches = inspection.segments.reduce(0) { $0 + $1.batches.count }
        let damageCount = inspection.segments.filter { $0.damage != nil }.count + (inspection.stateProblem == nil ? 0 : 1)
        print("\(inspection.segments.count) segment(s), \(batches) valid batch(es), damage: \(damageCount == 0 ? "none" : String(damageCount))")
        if damaged { throw ExitCode(2) }
    }

    private func header(of inspection: PartitionInspection) -> String {
        var lines = ["partition \(inspection.directory)"]
        if let problem = inspection.stateProblem {
            lines.append("  partition.state: DAMAGED: \(problem)")
        } else if let start = inspection.logStartOffset, let epoch = inspection.epochBeforeStart {
            lines.append("  log start \(start), epoch before start \(epoch)")
        }
        let durable = inspection.checkpointedDurableEnd.map { String($0.rawValue) } ?? "unreadable"
        lines.append("  durable end (checkpoint) \(durable)")
        return lines.joined(separator: "\n")
    }

    private func describe(_ segment: SegmentInspection) -> String {
        let name = segment.path.split(separator: "/").last.map(String.init) ?? segment.path
        let range = segment.batches.first.map { first in "offsets \(first.header.baseOffset)...\(segment.batches.last!.header.lastOffset)" } ?? "empty"
        return "segment \(name)  base \(segment.baseOffset)  \(segment.fileBytes) bytes  \(segment.batches.count) batch(es)  \(range)  "
            + "index \(segment.offsetIndexEntries) / timeindex \(segment.timeIndexEntries) entries"
    }

    private func describe(_ batch: BatchSummary) -> String {
        let header = batch.header
        var text = "  offset \(header.baseOffset)...\(header.lastOffset)  pos \(batch.position)  size \(header.totalBytes)"
        text += "  epoch \(header.partitionLeaderEpoch)  records \(header.recordCount)"
        text += "  ts \(header.baseTimestamp)...\(header.maxTimestamp)"
        if header.producerId >= 0 { text += "  producer \(header.producerId)/\(header.producerEpoch) seq \(header.baseSequence)" }
        if header.attributes.compressionCodec != 0 { text += "  codec \(header.attributes.compressionCodec)" }
        if header.attributes.contains(.transactional) { text += "  transactional" }
        if header.isControl { text += "  control" }
        return text + "  crc ok"
    }
}

/// `tributary log demo DIR`: writes a small sample partition to try `log dump` on.
struct LogDemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Write a small sample partition (two Raft terms, control and data batches, several segments).")

    @Argument(help: "A directory that does not exist yet, or an empty one.")
    var directory: String

    func run() throws {
        var limits = StorageLimits.testMin
        limits.segmentBytesMax = 1_024
        limits.batchBytesMax = 1_024
        limits.segmentAgeMsMax = 86_400_000
        let log = try PartitionLog.open(directory: directory, options: PartitionLogOptions(limits: limits, create: true))
        guard log.nextOffset == 0 else { throw ValidationError("\(directory) already holds a partition") }
        let start: Int64 = 1_767_225_600_000  // 2026-01-01T00:00:00Z
        for term: Int32 in [1, 2] {
            let noOp = RecordBatchBuilder.controlBatch(type: .leaderChange, value: [], timestamp: start + Int64(term) * 60_000)
            try log.append(noOp, leaderEpoch: LeaderEpoch(term))
            for index in 0..<6 {
                let timestamp = start + Int64(term) * 60_000 + Int64(index) * 1_000
                let records = (0..<3).map { record in
                    NewRecord(key: Array("sensor-\(record)".utf8), value: Array("term \(term) reading \(index).\(record)".utf8), timestamp: timestamp + Int64(record))
                }
                try log.append(RecordBatchBuilder.batch(records), leaderEpoch: LeaderEpoch(term))
            }
        }
        let durable = try log.sync()
        print("wrote offsets \(log.logStartOffset)..<\(durable) in \(log.segmentBaseOffsets.count) segments to \(directory)")
        print("try: tributary log dump \(directory)")
    }
}
