import ChaosCheck
import Foundation
import KafkaProtocol
import TributaryClient

/// Settings of the workload.
struct WorkloadOptions: Sendable {
    var topic: String
    var partitionCount: Int
    var producerCount: Int       // sessions, alternately idempotent and plain
    var processesPerProducer: Int
    var consumerCount: Int
    var operationTimeoutSeconds: Double
    var bootstrap: String
}

/// Shared state of the workload: the stop flags, value numbering, and send outcome times (for
/// availability and recovery figures).
///
/// The run ends in two steps: producers stop first, consumers go on until they have read to
/// the end (``WorkloadState/emptyPollsToDrain`` empty polls in a row) or are stopped.
final class WorkloadState: @unchecked Sendable {
    /// Empty polls in a row after the producers stopped that mean a consumer has read everything.
    static let emptyPollsToDrain = 3
    private let lock = NSLock()
    private var stopped = false
    private var producersStoppedFlag = false
    private var nextValue: Int64 = 1
    /// Times (ns since start) of ok sends, bounded: one entry per 100 ms bucket.
    private var okBuckets: [Int64: Int] = [:]
    private static let bucketNanos: Int64 = 100_000_000

    var isStopped: Bool { lock.lock(); defer { lock.unlock() }; return stopped }
    var producersStopped: Bool { lock.lock(); defer { lock.unlock() }; return producersStoppedFlag || stopped }
    func stop() { lock.lock(); stopped = true; lock.unlock() }
    func stopProducers() { lock.lock(); producersStoppedFlag = true; lock.unlock() }
    func takeValue() -> Int64 { lock.lock(); defer { lock.unlock() }; nextValue += 1; return nextValue - 1 }
    func noteOk(at nanos: Int64) { lock.lock(); okBuckets[nanos / Self.bucketNanos, default: 0] += 1; lock.unlock() }

    /// Ok sends between two times.
    func okCount(from: Int64, to: Int64) -> Int {
        lock.lock(); defer { lock.unlock() }
        return okBuckets.filter { $0.key >= from / Self.bucketNanos && $0.key <= to / Self.bucketNanos }.values.reduce(0, +)
    }

    /// The first 100 ms bucket at or after `from` with an ok send, as ns since start.
    func firstOk(after from: Int64) -> Int64? {
        lock.lock(); defer { lock.unlock() }
        return okBuckets.keys.filter { $0 >= from / Self.bucketNanos }.min().map { $0 * Self.bucketNanos }
    }
}

/// Producers, consumers and a consumer group, each logical process logging every operation.
struct Workload: Sendable {
    let options: WorkloadOptions
    let history: HistoryRecorder
    let state: WorkloadState

    static func clientOptions() -> ClientOptions {
        ClientOptions(connection: ConnectionOptions(clientId: "chaos", requestTimeout: .seconds(3)),
                      attemptCountMax: 5, retryBackoff: .milliseconds(100), retryBackoffMax: .milliseconds(500))
    }

    /// Runs every process until `state.stop()` (or, for consumers, until they drained after
    /// `state.stopProducers()`); returns when all have finished.
    func run() async {
        await withTaskGroup(of: Void.self) { group in
            var process = 0
            for producer in 0..<options.producerCount {
                let kind: ProducerKind = producer % 2 == 0 ? .idempotent : .plain
                guard let client = try? KafkaClient(bootstrapServers: options.bootstrap, options: Self.clientOptions()),
                      let session = try? Producer(client: client, options: ProducerOptions(
                          acks: .all, idempotent: kind == .idempotent, lingerTime: .milliseconds(2),
                          bufferedRecordCountMax: 1_000, brokerTimeout: .seconds(5), allowAutoTopicCreation: false))
                else { continue }
                for thread in 0..<options.processesPerProducer {
                    let p = process; process += 1
                    let identity = ProducerIdentity(id: producer, kind: kind)
                    group.addTask { await produce(process: ProcessID(p), producer: session, identity: identity, first: thread) }
                }
            }
            for _ in 0..<options.consumerCount {
                let p = process; process += 1
                group.addTask { await consume(process: ProcessID(p)) }
            }
            let g = process; process += 1
            group.addTask { await groupMember(process: ProcessID(g)) }
        }
    }

    // MARK: Producers

    private func produce(process: ProcessID, producer: Producer, identity: ProducerIdentity, first: Int) async {
        var partition = first % options.partitionCount
        let topic = options.topic
        while !state.producersStopped {
            let value = RecordValue(state.takeValue())
            let key = "k\(value.rawValue)"
            var send = SendOperation(partition: PartitionID(partition), key: key, value: value, producer: identity)
            history.record(process: process, type: .invoke, .send(send))
            let target = Int32(partition)
            let outcome = await withDeadline(seconds: options.operationTimeoutSeconds) {
                try await producer.send(topic: topic, key: Array(key.utf8), value: Array(String(value.rawValue).utf8), partition: target)
            }
            switch outcome {
            case .value(let metadata):
                send.offset = LogOffset(metadata.offset)
                history.record(process: process, type: .ok, .send(send))
                state.noteOk(at: history.nowNanos())
            case .error(let error):
                history.record(process: process, type: Self.sendFailedDefinitely(error) ? .fail : .info, .send(send), error: "\(error)")
            case .timedOut:
                history.record(process: process, type: .info, .send(send), error: "timed out")
            }
            partition = (partition + 1) % options.partitionCount
        }
    }

    /// Only errors raised before the record was handed to the network are definite: after a
    /// send attempt, a retry's error says nothing of an earlier attempt that may have landed.
    static func sendFailedDefinitely(_ error: any Error) -> Bool {
        guard let error = error as? KafkaClientError else { return false }
        switch error.kind {
        case .queueFull, .invalidArgument: return true
        default: return false
        }
    }

    // MARK: Consumers

    private func consume(process: ProcessID) async {
        let partitions = (0..<options.partitionCount).map { TopicPartition(options.topic, Int32($0)) }
        var positions: [Int: Int64] = [:]
        var drained = false
        while !state.isStopped && !drained {
            guard let client = try? KafkaClient(bootstrapServers: options.bootstrap, options: Self.clientOptions()),
                  let consumer = try? Consumer(client: client, options: ConsumerOptions(
                      fetchMaxWait: .milliseconds(200), partitionFetchBytesMax: 256 << 10, autoOffsetReset: .earliest))
            else { try? await Task.sleep(nanoseconds: 500_000_000); continue }
            // A fresh consumer: log its assignment, then seek back to where the last one was.
            let assigned = partitions.map { PartitionID(Int($0.partition)) }
            history.record(process: process, type: .invoke, .assign(partitions: assigned))
            await consumer.assign(partitions)
            history.record(process: process, type: .ok, .assign(partitions: assigned))
            for (p, offset) in positions.sorted(by: { $0.key < $1.key }) {
                let op = ChaosCheck.Operation.seek(partition: PartitionID(p), offset: LogOffset(offset))
                history.record(process: process, type: .invoke, op)
                do { try await consumer.seek(partitions[p], to: .offset(offset)); history.record(process: process, type: .ok, op) }
                catch { history.record(process: process, type: .info, op, error: "\(error)") }
            }
            drained = await pollLoop(process: process, consumer: consumer, positions: &positions)
            await client.close()
        }
    }

    /// Polls until the workload stops, the consumer drained (true), or a poll fails or times
    /// out (false: the consumer is replaced).
    private func pollLoop(process: ProcessID, consumer: Consumer, positions: inout [Int: Int64]) async -> Bool {
        var emptyPolls = 0
        while !state.isStopped {
            history.record(process: process, type: .invoke, .poll(PollOperation()))
            let outcome = await withDeadline(seconds: options.operationTimeoutSeconds) { try await consumer.poll() }
            switch outcome {
            case .value(let records):
                let polled = Self.polled(records)
                history.record(process: process, type: .ok, .poll(PollOperation(records: polled)))
                for record in records { positions[Int(record.topicPartition.partition)] = record.offset + 1 }
                emptyPolls = records.isEmpty && state.producersStopped ? emptyPolls + 1 : 0
                if emptyPolls >= WorkloadState.emptyPollsToDrain { return true }
            case .error(let error):
                history.record(process: process, type: .info, .poll(PollOperation()), error: "\(error)")
                return false
            case .timedOut:
                history.record(process: process, type: .info, .poll(PollOperation()), error: "timed out")
                return false
            }
        }
        return false
    }

    /// Records as the history writes them; a value that is not a decimal integer is written as
    /// -1, which no producer sends, so the checker reports it as a phantom instead of it vanishing.
    static func polled(_ records: [ConsumerRecord]) -> [PolledRecord] {
        records.map { record in
            let value = record.value.flatMap { Int64(String(decoding: $0, as: UTF8.self)) } ?? -1
            return PolledRecord(partition: PartitionID(Int(record.topicPartition.partition)),
                                offset: LogOffset(record.offset), value: RecordValue(value))
        }
    }
}
