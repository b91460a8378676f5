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

/// `tributary perf produce TOPIC --records N --record-size B`.
struct PerfProduceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send N unkeyed records of B bytes as fast as allowed; latency is send to acknowledgement.",
        discussion: """
            Up to --in-flight records wait for acknowledgement at once (the producer batches \
            them per partition); --throughput R paces sending to R records/s. A missing topic \
            is created with the broker's defaults. Exit status 1 when any record failed.
            """)

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var producer: ProducerFlags

    @Argument(help: "The topic.")
    var topic: String

    @Option(name: .long, help: "Records to send.")
    var records: Int

    @Option(name: .customLong("record-size"), help: ArgumentHelp("Bytes of each record's value.", valueName: "bytes"))
    var recordSize: Int

    @Option(name: .long, help: ArgumentHelp("Records per second at most (default: as fast as acknowledgements allow).", valueName: "records/s"))
    var throughput: Double?

    @Option(name: .customLong("in-flight"), help: ArgumentHelp("Records awaiting acknowledgement at once, at most.", valueName: "N"))
    var inFlight: Int = 10_000

    func validate() throws {
        guard (1...1_000_000_000).contains(records) else { throw ValidationError("--records must be in 1...1000000000") }
        guard (0...(1 << 20)).contains(recordSize) else { throw ValidationError("--record-size must be in 0...1048576") }
        if let throughput, !(throughput > 0) { throw ValidationError("--throughput must be > 0") }
        guard (1...100_000).contains(inFlight) else { throw ValidationError("--in-flight must be in 1...100000") }
        guard recordSize + 64 <= producer.batchBytes else {
            throw ValidationError("--record-size \(recordSize) does not fit --batch-bytes \(producer.batchBytes) (with 64 bytes of record overhead)")
        }
    }

    func run() async throws {
        try await cluster.withClient("perf produce") { client in
            _ = try await client.topic(topic, allowAutoTopicCreation: true)
            let sender = try Producer(client: client, options: producer.producerOptions(bufferedRecordCountMax: inFlight))
            let value = Self.payload(bytes: recordSize)
            var report = PerfReport(label: "perf produce", latencyMeaning: "send to acknowledgement")
            try await send(value, with: sender, into: &report)
            await sender.flush()
            Stderr.line(report.summary())
            if report.errorCount > 0 { throw ExitCode.failure }
        }
    }

    /// Sends every record, keeping at most `inFlight` unacknowledged and pacing to `throughput`.
    private func send(_ value: [UInt8], with sender: Producer, into report: inout PerfReport) async throws {
        let topic = self.topic
        let started = ContinuousClock.now
        var firstError: String?
        await withTaskGroup(of: (latency: Duration, error: (any Error)?).self) { group in
            var pending = 0
            func settle(_ outcome: (latency: Duration, error: (any Error)?)) {
                pending -= 1
                if let error = outcome.error {
                    report.fail()
                    if firstError == nil {
                        firstError = CommandFailure.describe(error, bootstrap: cluster.bootstrap)
                        Stderr.line("perf produce: first failure: \(firstError ?? "")")
                    }
                } else {
                    report.record(bytes: value.count, latency: outcome.latency)
                }
                report.progressIfDue(detail: ", \(pending) in flight")
            }
            for sent in 0..<records {
                if let throughput {
                    let due = started.advanced(by: .seconds(Double(sent) / throughput))
                    if due > .now { try? await Task.sleep(until: due, clock: .continuous) }
                }
                while pending >= inFlight, let outcome = await group.next() { settle(outcome) }
                pending += 1
                group.addTask {
                    let sentAt = ContinuousClock.now
                    do {
                        try await sender.send(topic: topic, key: nil, value: value)
                        return (ContinuousClock.now - sentAt, nil)
                    } catch {
                        return (ContinuousClock.now - sentAt, error)
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
