import Histogram

/// What a `perf` run measures: records and bytes over time, and a latency histogram, with a
/// progress line about once a second and a summary at the end (both on stderr).
struct PerfReport {
    /// The largest latency recorded exactly: one hour, in microseconds; longer ones count as this.
    static let latencyMicrosecondsMax: UInt64 = 3_600_000_000
    /// How often a progress line is printed.
    static let progressInterval = Duration.seconds(1)

    /// `perf produce` or `perf consume`, for the lines printed.
    let label: String
    /// What the latency is the latency of, for the summary (`send to acknowledgement`).
    let latencyMeaning: String
    private(set) var recordCount = 0
    private(set) var byteCount = 0
    private(set) var errorCount = 0
    private var latencies = Histogram<UInt64>(
        lowestDiscernibleValue: 1, highestTrackableValue: PerfReport.latencyMicrosecondsMax, numberOfSignificantValueDigits: .three)
    private let started: ContinuousClock.Instant
    /// The end of the measured window once closed; until then, now.
    private var ended: ContinuousClock.Instant?
    private var lastProgress = ContinuousClock.now
    private var recordCountAtLastProgress = 0
    private var byteCountAtLastProgress = 0

    /// - Parameter startedAt: the start of the measured window (after any warm-up).
    init(label: String, latencyMeaning: String, startedAt: ContinuousClock.Instant = .now) {
        self.label = label
        self.latencyMeaning = latencyMeaning
        self.started = startedAt
    }

    /// Ends the measured window at `instant`: rates are over the window, not until now.
    mutating func close(at instant: ContinuousClock.Instant) { ended = instant }

    /// The measured window so far, in seconds.
    private var windowSeconds: Double { max(((ended ?? .now) - started).seconds, 1e-9) }

    /// Counts one record of `bytes` bytes that took `latency`.
    mutating func record(bytes: Int, latency: Duration) {
        precondition(bytes >= 0, "negative record size")
        recordCount += 1
        byteCount += bytes
        _ = latencies.record(Self.histogramValue(latency))
    }

    /// Counts `count` records of `bytes` bytes in all that arrived together after `latency`.
    mutating func record(count: Int, bytes: Int, latency: Duration) {
        precondition(count >= 0 && bytes >= 0, "negative count or size")
        guard count > 0 else { return }
        recordCount += count
        byteCount += bytes
        _ = latencies.record(Self.histogramValue(latency), count: UInt64(count))
    }

    /// `latency` in microseconds, within what the histogram tracks (a negative one counts as 0).
    private static func histogramValue(_ latency: Duration) -> UInt64 {
        min(UInt64(max(0, latency.microseconds)), latencyMicrosecondsMax)
    }

    /// Counts a failed record.
    mutating func fail() { errorCount += 1 }

    /// Prints a progress line when a second has passed since the last.
    mutating func progressIfDue(detail: String = "") {
        let now = ContinuousClock.now
        let elapsed = now - lastProgress
        guard elapsed >= Self.progressInterval else { return }
        let seconds = elapsed.seconds
        let records = Double(recordCount - recordCountAtLastProgress) / seconds
        let megabytes = Double(byteCount - byteCountAtLastProgress) / 1e6 / seconds
        Stderr.line("\(label): \(recordCount) records, \(Format.fixed(records, 1)) records/s, \(Format.fixed(megabytes, 2)) MB/s, "
            + "\(errorCount) errors, latency max so far \(Self.milliseconds(latencies.max)) ms\(detail)")
        lastProgress = now
        recordCountAtLastProgress = recordCount
        byteCountAtLastProgress = byteCount
    }

    /// The summary line.
    func summary() -> String {
        let seconds = windowSeconds
        let percentiles = [("p50", 50.0), ("p95", 95.0), ("p99", 99.0), ("p99.9", 99.9)].map { name, percentile in
            "\(name) \(Self.milliseconds(latencies.valueAtPercentile(percentile)))"
        }.joined(separator: " ")
        return "\(label): \(recordCount) records in \(Format.fixed(seconds, 2)) s: "
            + "\(Format.fixed(Double(recordCount) / seconds, 1)) records/s, \(Format.fixed(Double(byteCount) / 1e6 / seconds, 2)) MB/s, "
            + "\(errorCount) errors; latency (\(latencyMeaning)) ms: \(percentiles) max \(Self.milliseconds(latencies.max))"
    }

    /// The figures as one JSON object in the benchmarks' raw result shape
    /// (`benchmarks/lib/results.py`): rates, latency percentiles in microseconds, a CDF for plots.
    /// - Parameters:
    ///   - valueBytes, concurrency: written as `null` when nil (a consume run).
    ///   - acknowledgements: with `--end-to-end`, the producer's figures of the same run, whose
    ///     latency percentiles are added as `ack_p50_us` and `ack_p99_us`.
    func json(valueBytes: Int?, concurrency: Int?, acknowledgements: PerfReport? = nil) -> String {
        let seconds = windowSeconds
        let cdf = [1.0, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 99.99, 100].map { percentile in
            "[\(percentile),\(latencies.valueAtPercentile(percentile))]"
        }.joined(separator: ",")
        let fields = [
            "\"records\":\(recordCount)", "\"errors\":\(errorCount)", "\"window_s\":\(Format.fixed(seconds, 3))",
            "\"value_bytes\":\(valueBytes.map(String.init) ?? "null")", "\"concurrency\":\(concurrency.map(String.init) ?? "null")",
            "\"records_per_s\":\(Format.fixed(Double(recordCount) / seconds, 1))",
            "\"mb_per_s\":\(Format.fixed(Double(byteCount) / 1e6 / seconds, 3))",
            "\"p50_us\":\(latencies.valueAtPercentile(50))", "\"p99_us\":\(latencies.valueAtPercentile(99))",
            "\"p999_us\":\(latencies.valueAtPercentile(99.9))", "\"max_us\":\(latencies.max)", "\"cdf_us\":[\(cdf)]",
        ] + (acknowledgements.map { acknowledged in
            ["\"ack_p50_us\":\(acknowledged.latencies.valueAtPercentile(50))", "\"ack_p99_us\":\(acknowledged.latencies.valueAtPercentile(99))"]
        } ?? [])
        return "{" + fields.joined(separator: ",") + "}"
    }

    private static func milliseconds(_ microseconds: UInt64) -> String {
        Format.fixed(Double(microseconds) / 1_000, 2)
    }
}
