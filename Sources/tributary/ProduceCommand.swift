import ArgumentParser
import Foundation
import TributaryClient

/// `tributary produce TOPIC`: every line of stdin becomes a record.
struct ProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Write each line of stdin as a record to a topic.",
        discussion: """
            Each line is a value; with --key-separator SEP the text before the first SEP is the \
            key and the rest the value (a line without SEP is counted as failed and skipped). \
            Keyed records go to the partition of their key's hash (murmur2, as Java clients do), \
            unkeyed ones round-robin. With the default --in-flight-per-partition 1, each \
            partition's records (so each key's) are written in input order. A missing topic is \
            created with the broker's defaults. At the end a summary goes to stderr: records \
            acknowledged and failed; the exit status is 1 when any failed.
            """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var producer: ProducerFlags

    @Argument(help: "The topic.")
    var topic: String

    @Option(name: .customLong("key-separator"), help: ArgumentHelp("Split each line into key and value at the first SEP.", valueName: "SEP"))
    var keySeparator: String?

    @Option(name: .customLong("in-flight-per-partition"), help: ArgumentHelp(
        "Records of one partition awaiting acknowledgement at once. 1 keeps input order; more is faster, but this client may then reorder a partition's records.",
        valueName: "N"))
    var inFlightPerPartition: Int = 1

    /// Failures printed one by one before the rest are only counted.
    private static let printedFailureCountMax = 10

    func validate() throws {
        if let keySeparator, keySeparator.isEmpty { throw ValidationError("--key-separator is empty") }
        guard (1...10_000).contains(inFlightPerPartition) else { throw ValidationError("--in-flight-per-partition must be in 1...10000") }
    }

    func run() async throws {
        try await cluster.withClient("produce") { client in
            let info = try await client.topic(topic, allowAutoTopicCreation: true)
            let partitionCount = info.partitions.count
            let options = producer.producerOptions(bufferedRecordCountMax: max(1, partitionCount * inFlightPerPartition))
            let sender = try Producer(client: client, options: options)
            let started = ContinuousClock.now
            let tally = try await send(to: sender, partitionCount: partitionCount)
            await sender.flush()
            let seconds = (ContinuousClock.now - started).seconds
            Stderr.line("produce: \(tally.acknowledged) records acknowledged, \(tally.failed) failed, of \(tally.lines) lines "
                + "in \(Format.fixed(seconds, 2)) s (\(Format.fixed(Double(tally.acknowledged) / max(seconds, 1e-9), 0)) records/s)")
            if tally.failed > 0 { throw ExitCode.failure }
        }
    }

    /// What happened to the lines.
    private struct Tally {
        var lines = 0
        var acknowledged = 0
        var failed = 0

        mutating func fail(line: Int, _ reason: String) {
            failed += 1
            if failed <= ProduceCommand.printedFailureCountMax {
                Stderr.line("produce: line \(line): \(reason)")
            } else if failed == ProduceCommand.printedFailureCountMax + 1 {
                Stderr.line("produce: more failures; only counting them from now on")
            }
        }
    }

    /// Reads stdin to its end, keeping at most `inFlightPerPartition` records of a partition
    /// unacknowledged: the next one of that partition is sent only after one is answered.
    private func send(to sender: Producer, partitionCount: Int) async throws -> Tally {
        precondition(partitionCount >= 1, "a topic without partitions")
        let topic = self.topic
        var tally = Tally()
        await withTaskGroup(of: (partition: Int32, line: Int, error: (any Error)?).self) { group in
            var inFlight: [Int32: Int] = [:]
            var nextUnkeyed: Int32 = 0
            func settle(_ outcome: (partition: Int32, line: Int, error: (any Error)?)) {
                inFlight[outcome.partition, default: 0] -= 1
                precondition(inFlight[outcome.partition, default: 0] >= 0, "more answers than records sent")
                if let error = outcome.error {
                    tally.fail(line: outcome.line, CommandFailure.describe(error, bootstrap: cluster.bootstrap))
                } else {
                    tally.acknowledged += 1
                }
            }
            for await line in StdinLines() {
                tally.lines += 1
                guard let (key, value) = split(line) else {
                    tally.fail(line: tally.lines, "no key separator '\(keySeparator ?? "")'")
                    continue
                }
                let partition: Int32
                if let key {
                    partition = KeyPartitioner.partition(forKey: key, partitionCount: partitionCount)
                } else {
                    partition = nextUnkeyed
                    nextUnkeyed = (nextUnkeyed + 1) % Int32(partitionCount)
                }
                while inFlight[partition, default: 0] >= inFlightPerPartition, let outcome = await group.next() {
                    settle(outcome)
                }
                inFlight[partition, default: 0] += 1
                let lineNumber = tally.lines
                group.addTask {
                    do {
                        try await sender.send(topic: topic, key: key, value: value, partition: partition)
                        return (partition, lineNumber, nil)
                    } catch {
                        return (partition, lineNumber, error)
                    }
                }
            }
            while let outcome = await group.next() { settle(outcome) }
        }
        return tally
    }

    /// The key (nil without a separator) and value of a line; nil when the separator is missing.
    private func split(_ line: String) -> (key: [UInt8]?, value: [UInt8])? {
        guard let keySeparator else { return (nil, Array(line.utf8)) }
        guard let range = line.range(of: keySeparator) else { return nil }
        return (Array(line[..<range.lowerBound].utf8), Array(line[range.upperBound...].utf8))
    }
}

/// Number formatting for summaries.
enum Format {
    /// `value` with `digits` digits after the point.
    static func fixed(_ value: Double, _ digits: Int) -> String {
        String(format: "%.\(digits)f", value)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// The duration in whole microseconds, clamped to `Int64`.
    var microseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds.multipliedReportingOverflow(by: 1_000_000).overflow
            ? (seconds < 0 ? .min : .max) : seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
