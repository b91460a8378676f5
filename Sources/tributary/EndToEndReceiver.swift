import TributaryClient

/// The consuming half of `perf produce --end-to-end`: reads the topic while records are sent and
/// measures, for each record sent inside the measured window, the time from its send to its
/// arrival at a consumer (the record carries its send instant, in microseconds since the run
/// began, in its first 8 bytes).
///
/// One consumer per partition (up to ``consumerCountMax``, the partitions dealt round-robin
/// beyond that): a consumer's poll waits for every leader it fetches from, so sharing one
/// consumer across leaders would add the idle leaders' fetch wait to the busy ones' records.
actor EndToEndReceiver {
    /// Consumers at most, each with its own fetch loop.
    static let consumerCountMax = 64
    /// Bytes of the send stamp at the start of every value.
    static let stampBytes = 8
    /// How long the receiver waits, once sending ended, for a record that has not arrived.
    static let arrivalTimeout = Duration.seconds(10)

    /// The instant send stamps count from.
    nonisolated let origin = ContinuousClock.now
    private var report = PerfReport(label: "perf produce --end-to-end", latencyMeaning: "send to consumption")
    private var measureFrom: ContinuousClock.Instant
    private var stopAt: ContinuousClock.Instant?
    private let consumers: [Consumer]
    /// Records sent in the window and acknowledged (whenever), once sending ended: how many must arrive.
    private var expected: Int?
    private var lastArrival = ContinuousClock.now

    /// Makes consumers for every partition of `partitions`, positioned at each one's current end
    /// (so that only records sent from now on are read).
    init(client: KafkaClient, partitions: [TopicPartition]) async throws {
        precondition(!partitions.isEmpty, "a topic has at least one partition")
        let count = min(partitions.count, Self.consumerCountMax)
        var consumers: [Consumer] = []
        for index in 0..<count {
            // A short fetch wait: a consumer sees the run's end within it. Records wake a parked
            // Fetch at once, so the wait adds nothing to their latency.
            let consumer = try Consumer(client: client, options: ConsumerOptions(fetchMaxWait: .milliseconds(100)))
            let mine = stride(from: index, to: partitions.count, by: count).map { partitions[$0] }
            await consumer.assign(mine)
            for partition in mine { try await consumer.seek(partition, to: .latest) }
            consumers.append(consumer)
        }
        self.consumers = consumers
        self.measureFrom = origin
    }

    /// `filler` with the stamp of a record sent at `sentAt` over its first ``stampBytes`` bytes.
    static func stamped(_ filler: [UInt8], sentAt: ContinuousClock.Instant, origin: ContinuousClock.Instant) -> [UInt8] {
        precondition(filler.count >= stampBytes, "a stamped value holds the stamp")
        let microseconds = UInt64(clamping: (sentAt - origin).microseconds)
        var value = filler
        for index in 0..<stampBytes {
            value[index] = UInt8(truncatingIfNeeded: microseconds >> (8 * (stampBytes - 1 - index)))
        }
        return value
    }

    /// Polls every consumer until all records ``sendingEnded(expecting:)`` announces arrived, or
    /// none came for ``arrivalTimeout`` after it; counts the records sent from `measureFrom` until
    /// `stopAt` (nil: no end).
    /// - Returns: the figures, the window closed at `stopAt` (or at the last arrival without one).
    /// - Throws: ``CommandFailure`` when records are missing; a consumer's fatal error.
    func receive(measuringFrom measureFrom: ContinuousClock.Instant, until stopAt: ContinuousClock.Instant?) async throws -> PerfReport {
        self.measureFrom = measureFrom
        self.stopAt = stopAt
        report = PerfReport(label: report.label, latencyMeaning: report.latencyMeaning, startedAt: measureFrom)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for consumer in consumers {
                group.addTask {
                    while await !self.isFinished, !Task.isCancelled {
                        let records = try await consumer.poll()
                        await self.arrived(records, at: .now)
                    }
                }
            }
            try await group.waitForAll()
        }
        guard let expected, report.recordCount >= expected else {
            throw CommandFailure(
                "only \(report.recordCount) of \(expected ?? 0) acknowledged records sent in the window arrived at the consumers; "
                    + "none for \(Self.arrivalTimeout.seconds) s")
        }
        report.close(at: stopAt ?? lastArrival)
        return report
    }

    /// Sending ended: `count` records were sent in the window and acknowledged.
    /// Records sent in the window but acknowledged after it count here and not in the
    /// producer's figures, so the end-to-end count may be a little higher.
    func sendingEnded(expecting count: Int) {
        expected = count
        lastArrival = .now
    }

    private var isFinished: Bool {
        guard let expected else { return false }
        return report.recordCount >= expected || ContinuousClock.now - lastArrival > Self.arrivalTimeout
    }

    private func arrived(_ records: [ConsumerRecord], at instant: ContinuousClock.Instant) {
        for record in records {
            guard let value = record.value, value.count >= Self.stampBytes else { continue }
            let microseconds = value.prefix(Self.stampBytes).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            let sentAt = origin.advanced(by: .microseconds(Int64(clamping: microseconds)))
            guard sentAt >= measureFrom, stopAt.map({ sentAt < $0 }) ?? true else { continue }
            report.record(bytes: value.count + (record.key?.count ?? 0), latency: instant - sentAt)
            lastArrival = instant
        }
    }
}
