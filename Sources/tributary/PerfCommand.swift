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
        abstract: "Send unkeyed records of B bytes as fast as allowed; latency is send to acknowledgement (or to consumption).",
        discussion: """
            Sends --records N records, or for --duration-s S seconds after --warmup-s W seconds \
            that are not counted. Up to --in-flight records wait for acknowledgement at once, \
            spread over --producers producers (the producer batches them per partition, one \
            batch in flight per partition and producer; --batch-records 1 sends each record in \
            a request of its own); --throughput R paces sending to R records/s. A missing topic \
            is created with the broker's defaults. --end-to-end also reads the topic while \
            sending, one consumer per partition from its end, and measures each record from its \
            send to its arrival at a consumer (its value starts with its send instant, so \
            --record-size is at least 8); the rates are then those of records that arrived, and \
            the topic should have no other writer. --json prints the figures as one JSON object \
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

    @Flag(name: .customLong("end-to-end"), help: "Also consume the topic; latency is then send to consumption.")
    var endToEnd = false

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
        guard !endToEnd || recordSize >= EndToEndReceiver.stampBytes else {
            throw ValidationError("--end-to-end needs --record-size of at least \(EndToEndReceiver.stampBytes) (the send stamp)")
        }
        guard recordSize + 64 <= producer.batchBytes else {
            throw ValidationError("--record-size \(recordSize) does not fit --batch-bytes \(producer.batchBytes) (with 64 bytes of record overhead)")
        }
    }

    func run() async throws {
        try await cluster.withClient("perf produce") { client in
            let info = try await client.topic(topic, allowAutoTopicCreation: true)
            let options = producer.producerOptions(bufferedRecordCountMax: inFlight)
            let senders = try (0..<producers).map { _ in try Producer(client: client, options: options) }
            let payload = Self.payload(bytes: recordSize)
            let receiver = endToEnd
                ? try await EndToEndReceiver(client: client, partitions: info.partitions.map { TopicPartition(topic, $0.partition) })
                : nil
            let value: @Sendable (ContinuousClock.Instant) -> [UInt8]
            if let origin = receiver?.origin {
                value = { EndToEndReceiver.stamped(payload, sentAt: $0, origin: origin) }
            } else {
                value = { _ in payload }
            }
            // With --end-to-end the consumers are in place by now: the warm-up counts from here.
            let measureFrom = ContinuousClock.now.advanced(by: .seconds(warmupSeconds))
            let stopAt = durationSeconds.map { measureFrom.advanced(by: .seconds($0)) }
            var report = PerfReport(label: "perf produce", latencyMeaning: "send to acknowledgement", startedAt: measureFrom)
            async let received = receiver?.receive(measuringFrom: measureFrom, until: stopAt)
            let acknowledged = await send(value, with: senders, measuringFrom: measureFrom, until: stopAt, into: &report)
            for sender in senders { await sender.flush() }
            if let stopAt { report.close(at: stopAt) }
            Stderr.line(report.summary())
            await receiver?.sendingEnded(expecting: acknowledged)
            let endToEndReport = try await received
            if let endToEndReport { Stderr.line(endToEndReport.summary()) }
            if json {
                print(endToEndReport.map { $0.json(valueBytes: recordSize, concurrency: inFlight, acknowledgements: report) }
                    ?? report.json(valueBytes: recordSize, concurrency: inFlight))
            }
            if report.errorCount > 0 { throw ExitCode.failure }
        }
    }

    /// What becomes of one record, or the end of a wait for the pace.
    private enum Outcome {
        case record(sentAt: ContinuousClock.Instant, latency: Duration, error: (any Error)?)
        case due
    }

    /// Sends records round-robin over `senders` (`value` makes each one's value from its send
    /// instant), keeping at most `inFlight` unacknowledged and pacing to `throughput`, until
    /// `records` were sent or `stopAt` passed. `report` counts the records sent at or after
    /// `measureFrom` and acknowledged by `stopAt`.
    /// - Returns: the records sent at or after `measureFrom` (and before `stopAt`) that were
    ///   acknowledged, whenever that was.
    private func send(
        _ value: @escaping @Sendable (ContinuousClock.Instant) -> [UInt8], with senders: [Producer],
        measuringFrom measureFrom: ContinuousClock.Instant, until stopAt: ContinuousClock.Instant?,
        into report: inout PerfReport
    ) async -> Int {
        let topic = self.topic
        let started = ContinuousClock.now
        var firstError: String?
        var acknowledgedInWindow = 0
        await withTaskGroup(of: Outcome.self) { group in
            var pending = 0
            func settle(_ outcome: Outcome) {
                guard case .record(let sentAt, let latency, let error) = outcome else { return }
                pending -= 1
                let counted = sentAt >= measureFrom && stopAt.map { sentAt + latency <= $0 } ?? true
                if let error {
                    if counted { report.fail() }
                    if firstError == nil {
                        firstError = CommandFailure.describe(error, bootstrap: cluster.bootstrap)
                        Stderr.line("perf produce: first failure: \(firstError ?? "")")
                    }
                } else {
                    if sentAt >= measureFrom, stopAt.map({ sentAt < $0 }) ?? true { acknowledgedInWindow += 1 }
                    if counted { report.record(bytes: recordSize, latency: latency) }
                }
                report.progressIfDue(detail: ", \(pending) in flight")
            }
            var sent = 0
            while records.map({ sent < $0 }) ?? true {
                if let stopAt, ContinuousClock.now >= stopAt { break }
                if let throughput {
                    // Waits for the pace while settling acknowledgements as they come.
                    let due = started.advanced(by: .seconds(Double(sent) / throughput))
                    if due > .now {
                        group.addTask {
                            try? await Task.sleep(until: due, clock: .continuous)
                            return .due
                        }
                        while let outcome = await group.next() {
                            if case .due = outcome { break }
                            settle(outcome)
                        }
                    }
                }
                while pending >= inFlight, let outcome = await group.next() { settle(outcome) }
                let sender = senders[sent % senders.count]
                sent += 1
                pending += 1
                group.addTask {
                    let sentAt = ContinuousClock.now
                    do {
                        try await sender.send(topic: topic, key: nil, value: value(sentAt))
                        return .record(sentAt: sentAt, latency: ContinuousClock.now - sentAt, error: nil)
                    } catch {
                        return .record(sentAt: sentAt, latency: ContinuousClock.now - sentAt, error: error)
                    }
                }
                report.progressIfDue(detail: ", \(pending) in flight")
            }
            while let outcome = await group.next() { settle(outcome) }
        }
        return acknowledgedInWindow
    }

    /// A value of `bytes` printable bytes (a repeating alphabet: readable with `consume`).
    static func payload(bytes: Int) -> [UInt8] {
        let alphabet = Array("abcdefghijklmnopqrstuvwxyz0123456789".utf8)
        return (0..<bytes).map { alphabet[$0 % alphabet.count] }
    }
}
