import ArgumentParser
import TributaryClient

/// `tributary perf consume TOPIC --records N`.
struct PerfConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Read N records from every partition of a topic; latency is per fetch round.",
        discussion: """
            Reads all partitions from --from (earliest by default) until N records arrived. The \
            latency of each record is the duration of the poll (one Fetch per leader) that \
            brought it. Exit status 1 when fewer than N records arrive and nothing new came for \
            --idle-timeout-ms. --json prints the figures as one JSON object on stdout.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The topic.")
    var topic: String

    @Option(name: .long, help: "Records to read.")
    var records: Int

    @Option(name: .long, help: ArgumentHelp("Where to start: earliest, latest or an offset.", valueName: "earliest|latest|OFFSET"))
    var from: StartArgument = .earliest

    @Option(name: .customLong("idle-timeout-ms"), help: ArgumentHelp("Give up after this long without a new record.", valueName: "ms"))
    var idleTimeoutMs: Int64 = 10_000

    @Flag(name: .long, help: "Print the figures as one JSON object on stdout.")
    var json = false

    func validate() throws {
        guard (1...1_000_000_000).contains(records) else { throw ValidationError("--records must be in 1...1000000000") }
        guard (1...3_600_000).contains(idleTimeoutMs) else { throw ValidationError("--idle-timeout-ms must be in 1...3600000") }
    }

    func run() async throws {
        try await cluster.withClient("perf consume") { client in
            let consumer = try Consumer(client: client)
            let info = try await client.topic(topic)
            await consumer.assign(info.partitions.map { TopicPartition(topic, $0.partition) })
            for partition in await consumer.assignment { try await consumer.seek(partition, to: from.spec) }
            var report = PerfReport(label: "perf consume", latencyMeaning: "fetch round")
            var lastRecordAt = ContinuousClock.now
            let idleTimeout = Duration.milliseconds(idleTimeoutMs)
            while report.recordCount < records {
                let polledAt = ContinuousClock.now
                let batch = try await consumer.poll().prefix(records - report.recordCount)
                let latency = ContinuousClock.now - polledAt
                if !batch.isEmpty { lastRecordAt = .now }
                let bytes = batch.reduce(0) { $0 + ($1.key?.count ?? 0) + ($1.value?.count ?? 0) }
                report.record(count: batch.count, bytes: bytes, latency: latency)
                report.progressIfDue()
                if ContinuousClock.now - lastRecordAt > idleTimeout {
                    Stderr.line(report.summary())
                    throw CommandFailure("only \(report.recordCount) of \(records) records arrived; none for \(idleTimeoutMs) ms")
                }
            }
            report.close(at: .now)
            Stderr.line(report.summary())
            if json { print(report.json(valueBytes: nil, concurrency: nil)) }
        }
    }
}
