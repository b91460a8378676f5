import DequeModule
import KafkaProtocol
import Storage
import Transport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Sends records to topics: partitions them (murmur2 of the key, as the Java client does;
/// sticky for null keys), batches them per partition, and delivers each batch with retries
/// across leader changes. The batches ready for one broker travel together, one Produce request
/// carrying a batch of each partition (``BrokerSendQueue``), with at most the connection's
/// in-flight bound of requests out per broker.
///
/// Batches of a partition are written in the order their records were sent, retries included.
/// With ``ProducerOptions/idempotent`` the producer gets an id from the broker (InitProducerId)
/// and numbers each partition's records as their batches leave, in order; up to
/// ``ProducerOptions/inFlightBatchesPerPartitionMax`` batches of a partition are in flight at
/// once. A retried batch is resent byte for byte with its original sequence, so a broker that
/// already has it answers with its original offset instead of writing it twice, and a broker
/// that lacks an earlier batch refuses a later one (OUT_OF_ORDER_SEQUENCE_NUMBER), which is
/// then sent again once the earlier one is through. A plain producer keeps one batch of a
/// partition in flight.
public actor Producer {
    /// The client whose connections and metadata this producer uses.
    public nonisolated let client: KafkaClient
    /// The settings in use.
    public nonisolated let options: ProducerOptions

    private var openBatches: [TopicPartition: ProducerBatch] = [:]
    private var sealedBatches: [TopicPartition: Deque<ProducerBatch>] = [:]
    /// The batches of each partition in flight, by id, in the order they left.
    private var inFlight: [TopicPartition: Deque<UInt64>] = [:]
    private var nextBatchId: UInt64 = 0
    private var bufferedRecordCount = 0
    private var flushWaiters: [CheckedContinuation<Void, Never>] = []
    private var stickyPartitions: [String: Int32] = [:]
    private var stickyRotation: [String: Int32] = [:]
    private var identity: IdempotentIdentity?
    /// Batches waiting for a request to each broker, by node id.
    private var sendQueues: [Int32: BrokerSendQueue] = [:]
    /// Requests out and batches waiting per broker (the counts the loop reads too).
    private nonisolated let slots = Locked<[Int32: RequestSlots]>([:])
    /// The connection requests to each broker go on (their order on it is their send order).
    private var connections: [Int32: BrokerConnection] = [:]
    private var connecting: Set<Int32> = []
    /// Per partition, the in-flight batches not in a request yet: only the oldest of them may
    /// join one, so that a partition's batches reach its leader in sequence order even though
    /// each delivery is a task of its own.
    private var unsent: [TopicPartition: Set<UInt64>] = [:]
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

    /// Batches sent and not yet acknowledged or failed, over all partitions (Kafka's
    /// requests-in-flight): at most ``ProducerOptions/inFlightBatchesPerPartitionMax`` per partition.
    public var batchesInFlight: Int { inFlight.values.reduce(0) { $0 + $1.count } }

    /// Batches waiting for a free request slot to their leader (they travel together).
    var batchesAwaitingRequest: Int { sendQueues.values.reduce(0) { $0 + $1.waiting.count } }

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

    /// Starts the partition's next deliveries while fewer than its bound are in flight: sealed
    /// batches, else the open batch when its linger is over or a flush waits. An idempotent
    /// batch is numbered here, as it leaves, so sequences follow the send order.
    private func pump(_ partition: TopicPartition) {
        while (inFlight[partition]?.count ?? 0) < options.inFlightBatchesPerPartition {
            if sealedBatches[partition]?.isEmpty ?? true, let open = openBatches[partition],
               open.readyAt <= .now || !flushWaiters.isEmpty {
                seal(partition)
            }
            guard sealedBatches[partition]?.isEmpty == false else { return }
            guard !options.idempotent || identity != nil else { return startIdentity() }
            var batch = sealedBatches[partition]!.removeFirst()
            batch.encoded = encode(batch)
            inFlight[partition, default: []].append(batch.id)
            unsent[partition, default: []].insert(batch.id)
            Task { await deliver(batch) }
        }
    }

    /// Gets a producer id (one request for every partition waiting), then starts what waits;
    /// when none can be had, the batches waiting fail with why.
    private func startIdentity() {
        guard identityTask == nil else { return }
        let client = self.client
        identityTask = Task {
            let response = try await client.withRetries("InitProducerId") { client in
                let response = try await client.anyConnection().send(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: Int32.max))
                let code = ErrorCode(rawValue: response.errorCode)
                guard code == .noError else { throw KafkaClientError(.broker(code), "InitProducerId: \(code)") }
                return response
            }
            return IdempotentIdentity(producerId: response.producerId, producerEpoch: response.producerEpoch)
        }
        Task { await identityArrived() }
    }

    private func identityArrived() async {
        guard let task = identityTask else { return }
        let outcome = await task.result
        identityTask = nil
        switch outcome {
        case .success(let fresh):
            if identity == nil { identity = fresh }
        case .failure(let error):
            for partition in Array(sealedBatches.keys) {
                while let batch = sealedBatches[partition]?.popFirst() { settle(batch, .failure(error)) }
            }
        }
        for partition in Array(Set(sealedBatches.keys).union(openBatches.keys)) { pump(partition) }
    }

    // MARK: Delivery

    private func deliver(_ batch: ProducerBatch) async {
        var batch = batch
        var failures = 0
        while true {
            // Attempts start in no fixed order (each delivery is a task of its own), so a batch
            // may reach the broker before an earlier one of its partition: the broker then
            // refuses it as out of order, and it is sent again, but only while that can be why.
            let behindAnother = waitsForEarlierBatch(batch)
            do {
                let baseOffset = try await produce(&batch)
                finish(batch, .success(baseOffset))
                return
            } catch let error as KafkaClientError where Self.refusesAnOvertakingBatch(error) && behindAnother {
                // Bounded: once no earlier batch is in flight, out of order is final.
                unsent[batch.topicPartition, default: []].insert(batch.id)
                try? await Task.sleep(for: Self.outOfOrderRetryDelay)
            } catch let error as KafkaClientError where error.isRetriable && failures + 1 < client.options.attemptCountMax {
                // Before the pause, so that later batches of the partition wait behind it.
                unsent[batch.topicPartition, default: []].insert(batch.id)
                failures += 1
                if error.errorCode?.invalidatesMetadata ?? true { await client.invalidate(topic: batch.topicPartition.topic) }
                try? await Task.sleep(for: client.options.backoff(afterFailures: failures))
            } catch {
                finish(batch, .failure(error))
                return
            }
        }
    }

    /// Whether the broker refused a batch as one that came before its turn: out of order, or,
    /// while the partition has nothing of this producer yet, an unknown producer (the broker
    /// knows a producer only from its first batch, sequence 0).
    static func refusesAnOvertakingBatch(_ error: KafkaClientError) -> Bool {
        error.errorCode == .outOfOrderSequenceNumber || error.errorCode == .unknownProducerId
    }

    /// The pause before resending a batch that overtook an earlier one: the earlier one is
    /// usually one response away.
    static let outOfOrderRetryDelay: Duration = .milliseconds(2)

    /// Whether a batch of `batch`'s partition that left before it is still in flight.
    private func waitsForEarlierBatch(_ batch: ProducerBatch) -> Bool {
        inFlight[batch.topicPartition]?.first.map { $0 != batch.id } ?? false
    }

    /// One attempt: sends the batch to the current leader, in the next request to it.
    private func produce(_ batch: inout ProducerBatch) async throws -> Int64 {
        guard let encoded = batch.encoded else { preconditionFailure("batch not encoded") }
        let partition = batch.topicPartition
        let leader = try await client.leader(of: partition)
        let result = try await withCheckedThrowingContinuation { reply in
            sendQueues[leader, default: BrokerSendQueue()].append(
                .init(partition: partition, batchId: batch.id, records: encoded.bytes, reply: reply))
            slots.withLock { $0[leader, default: RequestSlots()].waiting += 1 }
            startRequests(to: leader)
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

    /// Sends what waits for `broker` while fewer requests than the connection's in-flight
    /// bound are out (more would only wait in the connection's queue instead of this one,
    /// where later batches can still join them). Requests are queued on the connection here,
    /// in the actor's order, so a partition's batches reach the broker in sequence order.
    private func startRequests(to broker: Int32) {
        guard let connection = connections[broker] else { return connect(to: broker) }
        let requestsMax = client.options.connection.inFlightRequestCountMax
        while slots.withLock({ $0[broker, default: RequestSlots()].inFlight < requestsMax }) {
            let entries = sendQueues[broker, default: BrokerSendQueue()].takeRequest(bytesMax: options.requestBytesMax) { entry in
                unsent[entry.partition]?.min() == entry.batchId
            }
            guard !entries.isEmpty else { return }
            for entry in entries { unsent[entry.partition]?.remove(entry.batchId) }
            slots.withLock { counts in
                counts[broker]!.inFlight += 1
                counts[broker]!.waiting -= entries.count
            }
            let request = BrokerSendQueue.request(entries, acks: options.acks, timeoutMs: options.brokerTimeout.int32Milliseconds)
            connection.start(request, expectsResponse: options.acks != .none) { [weak self, slots] outcome in
                // On the client's loop: the deliveries go on from here, and the slot is freed
                // here. The actor hears of it only when batches wait for the slot (the actor
                // counted them before it last looked for a free slot, so one of the two sees the
                // other) or the connection failed.
                Self.hand(outcome, to: entries)
                let failed = if case .failure = outcome { true } else { false }
                let waiting = slots.withLock { counts in
                    counts[broker]!.inFlight -= 1
                    return counts[broker]!.waiting > 0
                }
                if waiting || failed { Task { await self?.requestEnded(to: broker, on: connection, failed: failed) } }
            }
            // After a leader move a partition's next batch may wait at another broker.
            let released = Set(entries.map(\.partition))
            for (other, queue) in sendQueues where other != broker && queue.waiting.contains(where: { released.contains($0.partition) }) {
                startRequests(to: other)
            }
        }
    }

    /// Opens (or reuses) the client's connection to `broker`, then sends what waits for it;
    /// when that fails, what waits fails with why (and each delivery retries as it may).
    private func connect(to broker: Int32) {
        guard connecting.insert(broker).inserted else { return }
        let client = self.client
        Task {
            let outcome: Result<BrokerConnection, any Error>
            do { outcome = .success(try await client.connection(toNode: broker)) } catch { outcome = .failure(error) }
            connected(to: broker, outcome)
        }
    }

    private func connected(to broker: Int32, _ outcome: Result<BrokerConnection, any Error>) {
        connecting.remove(broker)
        switch outcome {
        case .success(let connection):
            connections[broker] = connection
            startRequests(to: broker)
        case .failure(let error):
            let entries = sendQueues[broker]?.takeAll() ?? []
            slots.withLock { $0[broker, default: RequestSlots()].waiting -= entries.count }
            for entry in entries { entry.reply.resume(throwing: error) }
        }
    }

    /// Hands each batch of a request its partition's answer, or the request's failure.
    private static func hand(_ outcome: Result<ProduceResponse?, KafkaClientError>, to entries: [BrokerSendQueue.Entry]) {
        switch outcome {
        case .failure(let error):
            for entry in entries { entry.reply.resume(throwing: error) }
        case .success(nil):
            for entry in entries { entry.reply.resume(returning: .init(index: entry.partition.partition, baseOffset: -1)) }
        case .success(let response?):
            var answers: [TopicPartition: ProduceResponse.PartitionProduceResponse] = [:]
            for topic in response.responses {
                for answer in topic.partitionResponses where answer.index >= 0 { answers[TopicPartition(topic.name, answer.index)] = answer }
            }
            for entry in entries {
                guard let answer = answers[entry.partition] else {
                    entry.reply.resume(throwing: KafkaClientError(.malformedResponse, "Produce response has no entry for \(entry.partition)"))
                    continue
                }
                entry.reply.resume(returning: answer)
            }
        }
    }

    /// A request to `broker` was answered (or failed) while batches wait: its slot is free.
    private func requestEnded(to broker: Int32, on connection: BrokerConnection, failed: Bool) {
        // After a failure the next request opens a new connection (the client replaces closed ones).
        if failed && connections[broker] === connection { connections[broker] = nil }
        startRequests(to: broker)
    }

    /// The batch's bytes; an idempotent batch gets the partition's next sequence (the caller
    /// holds an identity), read and advanced in one actor turn.
    private func encode(_ batch: ProducerBatch) -> RecordBatch {
        guard options.idempotent else { return RecordBatchBuilder.batch(batch.records) }
        let partition = batch.topicPartition
        guard var current = identity else { preconditionFailure("an idempotent batch is encoded only with an identity") }
        let sequence = current.nextSequences[partition] ?? 0
        // Sequences wrap at Int32.max, as Kafka's do.
        current.nextSequences[partition] = Int32(truncatingIfNeeded: (Int64(sequence) + Int64(batch.recordCount)) % (Int64(Int32.max) + 1))
        identity = current
        return RecordBatchBuilder.batch(batch.records, producer: ProducerIdentity(
            producerId: current.producerId, producerEpoch: current.producerEpoch, baseSequence: sequence))
    }

    /// A delivery ended: the batch leaves the partition's in-flight list, its records learn the
    /// outcome, and the partition's next batches may go.
    private func finish(_ batch: ProducerBatch, _ outcome: Result<Int64, any Error>) {
        let partition = batch.topicPartition
        inFlight[partition]?.removeAll { $0 == batch.id }
        unsent[partition]?.remove(batch.id)
        if unsent[partition]?.isEmpty == true { unsent[partition] = nil }
        if inFlight[partition]?.isEmpty == true { inFlight[partition] = nil }
        settle(batch, outcome)
        pump(partition)
    }

    /// Tells the batch's records the outcome and releases their buffer space.
    private func settle(_ batch: ProducerBatch, _ outcome: Result<Int64, any Error>) {
        switch outcome {
        case .success(let baseOffset):
            batch.succeed(baseOffset: baseOffset)
        case .failure(let error):
            batch.fail(error)
            // The broker may or may not have this batch, so this partition's sequence is no
            // longer known: start over with a new producer id (Kafka bumps the epoch instead).
            if let sent = batch.encoded, sent.header.producerId == identity?.producerId { identity = nil }
        }
        bufferedRecordCount -= batch.recordCount
        precondition(bufferedRecordCount >= 0, "more records acknowledged than buffered")
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
