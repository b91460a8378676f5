import DequeModule
import KafkaProtocol
import Storage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends records to topics: partitions them (murmur2 of the key, as the Java client does;
/// sticky for null keys), batches them per partition, and delivers each batch with retries
/// across leader changes.
///
/// Each partition has at most one batch in flight, so batches of a partition are written in the
/// order their records were sent, retries included. With ``ProducerOptions/idempotent`` the
/// producer gets an id from the broker (InitProducerId) and numbers each partition's records; a
/// retried batch is resent byte for byte with its original sequence, so a broker that already
/// has it answers with its original offset instead of writing it twice.
public actor Producer {
    /// The client whose connections and metadata this producer uses.
    public nonisolated let client: KafkaClient
    /// The settings in use.
    public nonisolated let options: ProducerOptions

    private var openBatches: [TopicPartition: ProducerBatch] = [:]
    private var sealedBatches: [TopicPartition: Deque<ProducerBatch>] = [:]
    private var partitionsInFlight: Set<TopicPartition> = []
    private var nextBatchId: UInt64 = 0
    private var bufferedRecordCount = 0
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    private var stickyPartitions: [String: Int32] = [:]
    private var stickyRotation: [String: Int32] = [:]
    private var identity: IdempotentIdentity?
    private var identityTask: Task<IdempotentIdentity, any Error>?

    /// The producer id and epoch from InitProducerId, and the next sequence per partition.
    private struct IdempotentIdentity {
        var producerId: Int64
        var producerEpoch: Int16
        var nextSequences: [TopicPartition: Int32] = [:]
    }

    /// Makes a producer on `client`.
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` for inconsistent options.
    public init(client: KafkaClient, options: ProducerOptions = ProducerOptions()) throws {
        try options.validate()
        self.client = client
        self.options = options
    }

    // MARK: Sending

    /// Sends one record and waits until it is acknowledged as `options.acks` says.
    /// - Parameters:
    ///   - topic: the topic; created by the broker if missing and `allowAutoTopicCreation`.
    ///   - key: the key; decides the partition unless `partition` is given. Nil keys stick to
    ///     one partition per batch and then move on.
    ///   - value: the value.
    ///   - headers: record headers.
    ///   - partition: an explicit partition, or nil to let the partitioner choose.
    /// - Returns: the record's partition and offset.
    /// - Throws: ``KafkaClientError``: the record is too large, the buffer is full, the topic or
    ///   partition does not exist, or delivery failed after the retries.
    @discardableResult
    public func send(
        topic: String, key: [UInt8]?, value: [UInt8]?, headers: [RecordHeader] = [], partition: Int32? = nil
    ) async throws -> RecordMetadata {
        let record = NewRecord(key: key, value: value, headers: headers, timestamp: Self.wallClockMs())
        guard ProducerBatch.headerBytes + ProducerBatch.estimatedBytes(of: record) <= options.batchBytesMax else {
            throw KafkaClientError(.invalidArgument, "record of about \(ProducerBatch.estimatedBytes(of: record)) bytes "
                + "exceeds batchBytesMax \(options.batchBytesMax)")
        }
        var info = try await client.topic(topic, allowAutoTopicCreation: options.allowAutoTopicCreation)
        if let partition, Int(partition) >= info.partitions.count {
            // Another client may have added partitions since the cache was filled.
            await client.invalidate(topic: topic)
            info = try await client.topic(topic, allowAutoTopicCreation: options.allowAutoTopicCreation)
        }
        let index = partition ?? choosePartition(topic, key: key, partitionCount: info.partitions.count)
        guard index >= 0, Int(index) < info.partitions.count else {
            throw KafkaClientError(.broker(.unknownTopicOrPartition),
                                   "\(topic) has \(info.partitions.count) partitions, no partition \(index)")
        }
        guard bufferedRecordCount < options.bufferedRecordCountMax else {
            throw KafkaClientError(.queueFull, "\(options.bufferedRecordCountMax) records already wait for acknowledgement")
        }
        bufferedRecordCount += 1
        return try await withCheckedThrowingContinuation { completion in
            append(record, to: TopicPartition(topic, index), completion: completion)
        }
    }

    /// Sends every buffered record now (ignoring the linger time) and waits until all records
    /// sent before the call are acknowledged or failed.
    public func flush() async {
        guard bufferedRecordCount > 0 else { return }
        await withCheckedContinuation { waiter in
            flushWaiters.append(waiter)
            for partition in Array(openBatches.keys) { pump(partition) }
        }
    }

    /// Records accepted and not yet acknowledged or failed.
    public var bufferedCount: Int { bufferedRecordCount }

    // MARK: Partitioning

    private func choosePartition(_ topic: String, key: [UInt8]?, partitionCount: Int) -> Int32 {
        if let key { return KeyPartitioner.partition(forKey: key, partitionCount: partitionCount) }
        if let sticky = stickyPartitions[topic], Int(sticky) < partitionCount { return sticky }
        let next = (stickyRotation[topic] ?? 0) % Int32(partitionCount)
        stickyPartitions[topic] = next
        stickyRotation[topic] = next + 1
        return next
    }

    // MARK: Batching

    private func append(_ record: NewRecord, to partition: TopicPartition, completion: ProducerBatch.Completion) {
        if let open = openBatches[partition],
           !open.fits(record, bytesMax: options.batchBytesMax) || open.recordCount >= options.batchRecordCountMax {
            seal(partition)
        }
        if openBatches[partition] == nil {
            nextBatchId += 1
            openBatches[partition] = ProducerBatch(
                topicPartition: partition, id: nextBatchId, readyAt: .now.advanced(by: options.lingerTime))
            scheduleLinger(partition, batchId: nextBatchId)
        }
        openBatches[partition]!.append(record, completion: completion)
        pump(partition)
    }

    private func scheduleLinger(_ partition: TopicPartition, batchId: UInt64) {
        guard options.lingerTime > .zero else { return }
        let linger = options.lingerTime
        Task { [weak self] in
            try? await Task.sleep(for: linger)
            await self?.lingerExpired(partition, batchId: batchId)
        }
    }

    private func lingerExpired(_ partition: TopicPartition, batchId: UInt64) {
        if openBatches[partition]?.id == batchId { pump(partition) }
    }

    /// Moves the open batch to the partition's send queue and lets the next null-keyed record
    /// stick to another partition.
    private func seal(_ partition: TopicPartition) {
        guard let batch = openBatches.removeValue(forKey: partition) else { return }
        sealedBatches[partition, default: []].append(batch)
        if stickyPartitions[partition.topic] == partition.partition { stickyPartitions[partition.topic] = nil }
    }

    /// Starts the partition's next delivery if none is in flight: a sealed batch, else the open
    /// batch when its linger is over or a flush waits.
    private func pump(_ partition: TopicPartition) {
        guard !partitionsInFlight.contains(partition) else { return }
        if sealedBatches[partition]?.isEmpty ?? true, let open = openBatches[partition],
           open.readyAt <= .now || !flushWaiters.isEmpty {
            seal(partition)
        }
        guard let batch = sealedBatches[partition]?.popFirst() else { return }
        partitionsInFlight.insert(partition)
        Task { await deliver(batch) }
    }

    // MARK: Delivery

    private func deliver(_ batch: ProducerBatch) async {
        var batch = batch
        var failures = 0
        while true {
            do {
                let baseOffset = try await produce(&batch)
                finish(batch, .success(baseOffset))
                return
            } catch let error as KafkaClientError where error.isRetriable && failures + 1 < client.options.attemptCountMax {
                failures += 1
                if error.errorCode?.invalidatesMetadata ?? true { await client.invalidate(topic: batch.topicPartition.topic) }
                try? await Task.sleep(for: client.options.backoff(afterFailures: failures))
            } catch {
                finish(batch, .failure(error))
                return
            }
        }
    }

    /// One attempt: encodes the batch on its first attempt, sends it to the current leader.
    private func produce(_ batch: inout ProducerBatch) async throws -> Int64 {
        if batch.encoded == nil { batch.encoded = try await encode(batch) }
        guard let encoded = batch.encoded else { preconditionFailure("batch not encoded") }
        let partition = batch.topicPartition
        let leader = try await client.leader(of: partition)
        let connection = try await client.connection(toNode: leader)
        let request = ProduceRequest(
            acks: options.acks.rawValue, timeoutMs: options.brokerTimeout.int32Milliseconds,
            topicData: [.init(name: partition.topic, partitionData: [.init(index: partition.partition, records: encoded.bytes)])])
        if options.acks == .none {
            try await connection.sendWithoutResponse(request)
            return -1
        }
        let response = try await connection.send(request)
        guard let result = response.responses.first(where: { $0.name == partition.topic })?
            .partitionResponses.first(where: { $0.index == partition.partition })
        else {
            throw KafkaClientError(.malformedResponse, "Produce response for \(partition) has no entry for it")
        }
        let code = ErrorCode(rawValue: result.errorCode)
        switch code {
        case .noError: return result.baseOffset
        // The broker has the batch already but no longer knows its offset (Java does the same).
        case .duplicateSequenceNumber: return -1
        default:
            throw KafkaClientError(.broker(code), "produce to \(partition) on broker \(leader): \(code)"
                + (result.errorMessage.map { " (\($0))" } ?? ""))
        }
    }

    private func encode(_ batch: ProducerBatch) async throws -> RecordBatch {
        guard options.idempotent else { return RecordBatchBuilder.batch(batch.records) }
        let partition = batch.topicPartition
        while identity == nil { try await establishIdentity() }
        // No suspension from here on: the sequence is read and advanced in one actor turn, so
        // concurrent encodes of other partitions cannot overwrite it with a stale copy.
        guard var current = identity else { preconditionFailure("identity established above") }
        let sequence = current.nextSequences[partition] ?? 0
        // Sequences wrap at Int32.max, as Kafka's do.
        current.nextSequences[partition] = Int32(truncatingIfNeeded: (Int64(sequence) + Int64(batch.recordCount)) % (Int64(Int32.max) + 1))
        identity = current
        return RecordBatchBuilder.batch(batch.records, producer: ProducerIdentity(
            producerId: current.producerId, producerEpoch: current.producerEpoch, baseSequence: sequence))
    }

    /// Gets a producer id from the broker unless one is known; concurrent callers share one
    /// request, and whichever of them resumes first records its answer.
    private func establishIdentity() async throws {
        if identity != nil { return }
        let task: Task<IdempotentIdentity, any Error>
        if let identityTask {
            task = identityTask
        } else {
            let client = self.client
            task = Task {
                let response = try await client.withRetries("InitProducerId") { client in
                    let response = try await client.anyConnection().send(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: Int32.max))
                    let code = ErrorCode(rawValue: response.errorCode)
                    guard code == .noError else { throw KafkaClientError(.broker(code), "InitProducerId: \(code)") }
                    return response
                }
                return IdempotentIdentity(producerId: response.producerId, producerEpoch: response.producerEpoch)
            }
            identityTask = task
        }
        let outcome = await task.result
        if identityTask == task { identityTask = nil }
        let fresh = try outcome.get()
        if identity == nil { identity = fresh }
    }

    private func finish(_ batch: ProducerBatch, _ outcome: Result<Int64, any Error>) {
        switch outcome {
        case .success(let baseOffset):
            batch.succeed(baseOffset: baseOffset)
        case .failure(let error):
            batch.fail(error)
            // The broker may or may not have this batch, so this partition's sequence is no
            // longer known: start over with a new producer id (Kafka bumps the epoch instead).
            if batch.encoded?.header.producerId == identity?.producerId { identity = nil }
        }
        bufferedRecordCount -= batch.recordCount
        precondition(bufferedRecordCount >= 0, "more records acknowledged than buffered")
        partitionsInFlight.remove(batch.topicPartition)
        pump(batch.topicPartition)
        if bufferedRecordCount == 0 {
            let waiters = flushWaiters
            flushWaiters.removeAll()
            for waiter in waiters { waiter.resume() }
        }
    }

    private static func wallClockMs() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000 + Int64(now.tv_nsec) / 1_000_000
    }
}
