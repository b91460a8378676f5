import ArgumentParser
import TributaryClient

/// `tributary perf ...`: load generators.
struct PerfCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perf",
        abstract: "Measure the cluster: produce or consume many records and report rates and latency.",
        discussion: """
            Prints a progress line about once a second and a summary at the end, both on stderr: \
            records/s, MB/s (10^6 bytes of keys and values per second) and latency percentiles \
            p50, p95, p99, p99.9 and max (HdrHistogram, 3 significant digits).
            """,
        subcommands: [PerfProduceCommand.self, PerfConsumeCommand.self])
}

/// `tributary perf produce TOPIC (--records N | --duration-s S) --record-size B`.
struct PerfProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send unkeyed records of B bytes as fast as allowed; latency is send to acknowledgement.",
        discussion: """
            Sends --records N records, or for --duration-s S seconds after --warmup-s W seconds \
            that are not counted. Up to --in-flight records wait for acknowledgement at once, \
            spread over --producers producers (the producer batches them per partition, one \
            batch in flight per partition and producer; --batch-records 1 sends each record in \
            a request of its own); --throughput R paces sending to R records/s. A missing topic \
            is created with the broker's defaults. --json prints the figures as one JSON object \
            on stdout (the benchmarks' result shape). Exit status 1 when any record failed.
            """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var producer: ProducerFlags

    @Argument(help: "The topic.")
    var topic: String

    @Option(name: .long, help: "Records to send (or use --duration-s).")
    var records: Int?

    @Option(name: .customLong("duration-s"), help: ArgumentHelp("Seconds to measure for, after the warm-up (instead of --records).", valueName: "s"))
    var durationSeconds: Double?

    @Option(name: .customLong("warmup-s"), help: ArgumentHelp("Seconds of sending before measuring starts (with --duration-s).", valueName: "s"))
    var warmupSeconds: Double = 0

    @Option(name: .customLong("record-size"), help: ArgumentHelp("Bytes of each record's value.", valueName: "bytes"))
    var recordSize: Int

    @Option(name: .long, help: ArgumentHelp("Records per second at most (default: as fast as acknowledgements allow).", valueName: "records/s"))
    var throughput: Double?

    @Option(name: .customLong("in-flight"), help: ArgumentHelp("Records awaiting acknowledgement at once, at most.", valueName: "N"))
    var inFlight: Int = 10_000

    @Option(name: .long, help: ArgumentHelp("Producers sharing the load (one connection per broker for all).", valueName: "N"))
    var producers: Int = 1

    @Flag(name: .long, help: "Print the figures as one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard (records == nil) != (durationSeconds == nil) else { throw ValidationError("give one of --records and --duration-s") }
        if let records, !(1...1_000_000_000).contains(records) { throw ValidationError("--records must be in 1...1000000000") }
        if let durationSeconds, !(durationSeconds > 0 && durationSeconds <= 86_400) { throw ValidationError("--duration-s must be in (0, 86400]") }
        guard warmupSeconds >= 0 && warmupSeconds <= 3_600 else { throw ValidationError("--warmup-s must be in [0, 3600]") }
        guard warmupSeconds == 0 || durationSeconds != nil else { throw ValidationError("--warmup-s needs --duration-s") }
        guard (0...(1 << 20)).contains(recordSize) else { throw ValidationError("--record-size must be in 0...1048576") }
        if let throughput, !(throughput > 0) { throw ValidationError("--throughput must be > 0") }
        guard (1...100_000).contains(inFlight) else { throw ValidationError("--in-flight must be in 1...100000") }
        guard (1...1_000).contains(producers) else { throw ValidationError("--producers must be in 1...1000") }
        guard recordSize + 64 <= producer.batchBytes else {
            throw ValidationError("--record-size \(recordSize) does not fit --batch-bytes \(producer.batchBytes) (with 64 bytes of record overhead)")
        }
    }

    func run() async throws {
        try await cluster.withClient("perf produce") { client in
            _ = try await client.topic(topic, allowAutoTopicCreation: true)
            let options = producer.producerOptions(bufferedRecordCountMax: inFlight)
            let senders = try (0..<producers).map { _ in try Producer(client: client, options: options) }
            let value = Self.payload(bytes: recordSize)
            let started = ContinuousClock.now
            let measureFrom = started.advanced(by: .seconds(warmupSeconds))
            let stopAt = durationSeconds.map { measureFrom.advanced(by: .seconds($0)) }
            var report = PerfReport(label: "perf produce", latencyMeaning: "send to acknowledgement", startedAt: measureFrom)
            try await send(value, with: senders, measuringFrom: measureFrom, until: stopAt, into: &report)
            for sender in senders { await sender.flush() }
            if let stopAt { report.close(at: stopAt) }
            Stderr.line(report.summary())
            if json { print(report.json(valueBytes: recordSize, concurrency: inFlight)) }
            if report.errorCount > 0 { throw ExitCode.failure }
        }
    }

    /// Sends records round-robin over `senders`, keeping at most `inFlight` unacknowledged and
    /// pacing to `throughput`, until `records` were sent or `stopAt` passed. Only records sent
    /// at or after `measureFrom` and acknowledged by `stopAt` are counted.
    private func send(
        _ value: [UInt8], with senders: [Producer], measuringFrom measureFrom: ContinuousClock.Instant,
        until stopAt: ContinuousClock.Instant?, into report: inout PerfReport
    ) async throws {
        let topic = self.topic
        let started = ContinuousClock.now
        var firstError: String?
        await withTaskGroup(of: (sentAt: ContinuousClock.Instant, latency: Duration, error: (any Error)?).self) { group in
            var pending = 0
            func settle(_ outcome: (sentAt: ContinuousClock.Instant, latency: Duration, error: (any Error)?)) {
                pending -= 1
                let counted = outcome.sentAt >= measureFrom && stopAt.map { outcome.sentAt + outcome.latency <= $0 } ?? true
                if let error = outcome.error {
                    if counted { report.fail() }
                    if firstError == nil {
                        firstError = CommandFailure.describe(error, bootstrap: cluster.bootstrap)
                        Stderr.line("perf produce: first failure: \(firstError ?? "")")
                    }
                } else if counted {
                    report.record(bytes: value.count, latency: outcome.latency)
                }
                report.progressIfDue(detail: ", \(pending) in flight")
            }
            var sent = 0
            while records.map({ sent < $0 }) ?? true {
                if let stopAt, ContinuousClock.now >= stopAt { break }
                if let throughput {
                    let due = started.advanced(by: .seconds(Double(sent) / throughput))
                    if due > .now { try? await Task.sleep(until: due, clock: .continuous) }
                }
                while pending >= inFlight, let outcome = await group.next() { settle(outcome) }
                let sender = senders[sent % senders.count]
                sent += 1
                pending += 1
                group.addTask {
                    let sentAt = ContinuousClock.now
                    do {
                        try await sender.send(topic: topic, key: nil, value: value)
                        return (sentAt, ContinuousClock.now - sentAt, nil)
                    } catch {
                        return (sentAt, ContinuousClock.now - sentAt, error)
                    }
                }
                report.progressIfDue(detail: ", \(pending) in flight")
            }
            while let outcome = await group.next() { settle(outcome) }
        }
    }

    /// A value of `bytes` printable bytes (a repeating alphabet: readable with `consume`).
    static func payload(bytes: Int) -> [UInt8] {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return (0..<bytes).map { alphabet[$0 % alphabet.count] }
    }
}
