import Broker
import ClusterMetadata
import KafkaProtocol
import Raft
import Storage

/// Produce: each partition's batches are proposed to its Raft group on the leader and
/// acknowledged once committed by a majority and durable there (fsync before every replica's
/// acknowledgement). acks=1 waits for the same commit: a Raft leader's own durable append is no
/// promise that the record survives its crash, so the stronger answer is the only honest one.
/// Idempotent batches pass the partition's sequence check first (KafkaBroker+Idempotence.swift).
///
/// TEST ONLY: with `[unsafe_testing] ack_before_commit` on, a batch is acknowledged as soon as
/// the leader's Raft core has appended it (``RaftHost/propose(_:to:completion:)`` returned its
/// offsets), before any replica, the leader included, has written or synced it; its commit is
/// then not waited for. This loses acknowledged records on purpose: the chaos harness's checker
/// must catch it.
extension KafkaBroker {
    func produce(_ request: ProduceRequest, respond: Responder) {
        guard [-1, 0, 1].contains(request.acks) else {
            return respond(ProduceResponse(responses: request.topicData.map { topic in
                .init(name: topic.name, partitionResponses: topic.partitionData.map {
                    .init(index: $0.index, errorCode: ErrorCode.invalidRequiredAcks.rawValue, baseOffset: -1)
                })
            }))
        }
        var results = request.topicData.map { topic in
            [ProduceResponse.PartitionProduceResponse?](repeating: nil, count: topic.partitionData.count)
        }
        var remaining = results.reduce(0) { $0 + $1.count }
        let finish = { [request] in
            guard request.acks != 0 else { return respond.none() }
            respond(ProduceResponse(responses: zip(request.topicData, results).map { topic, partitions in
                .init(name: topic.name, partitionResponses: partitions.map { $0! })
            }))
        }
        guard remaining > 0 else { return finish() }
        for (t, topic) in request.topicData.enumerated() {
            for (p, data) in topic.partitionData.enumerated() {
                appendBatches(topic: topic.name, partition: data.index, records: data.records ?? []) { [self] outcome in
                    let group = partition(topic: topic.name, index: data.index)?.group
                    let logStart = group.flatMap { node.host?.logStartOffset(of: $0)?.rawValue } ?? -1
                    switch outcome {
                    case .success(let base):
                        results[t][p] = .init(index: data.index, errorCode: 0, baseOffset: base.rawValue, logAppendTimeMs: -1, logStartOffset: logStart)
                    case .failure(let failure):
                        if failure.code != .notLeaderOrFollower { logger.info("produce to \(topic.name)-\(data.index) failed: \(failure.message)") }
                        results[t][p] = .init(
                            index: data.index, errorCode: failure.code.rawValue, baseOffset: -1, logAppendTimeMs: -1,
                            logStartOffset: logStart, errorMessage: failure.message)
                    }
                    remaining -= 1
                    if remaining == 0 { finish() }
                }
            }
        }
    }

    /// Why a partition's produce failed.
    struct ProduceFailure: Error {
        var code: ErrorCode
        var message: String
    }

    /// Validates the batches in `records` and proposes them in order; completes with the first
    /// batch's offset once all have committed.
    private func appendBatches(
        topic: String, partition index: Int32, records: [UInt8],
        completion: @escaping (Result<Offset, ProduceFailure>) -> Void
    ) {
        guard let host = node.host, let ref = partition(topic: topic, index: index) else {
            return completion(.failure(ProduceFailure(code: .unknownTopicOrPartition, message: "\(topic)-\(index) does not exist")))
        }
        let status: GroupStatus
        switch ledStatus(ref.group) {
        case .success(let led): status = led
        case .failure(let code):
            return completion(.failure(ProduceFailure(code: code, message: "node \(node.config.nodeID) does not lead \(topic)-\(index)")))
        }
        let batches: [RecordBatch]
        switch Self.splitBatches(records, batchBytesMax: host.options.logOptions.limits.batchBytesMax) {
        case .success(let split): batches = split
        case .failure(let failure): return completion(.failure(failure))
        }
        let outcome = PartitionAppend(batchCount: batches.count, completion: completion)
        let ackBeforeCommit = node.config.unsafeTesting.ackBeforeCommit
        for (position, batch) in batches.enumerated() {
            let settle = { outcome.settle(position, $0) }
            let onCommit: (Result<ClosedRange<Offset>, ProposalFailure>) -> Void = { outcome.settle(position, $0.mapError(Self.produceFailure)) }
            // The unsafe early answer: the offsets the append took, before the commit.
            let proposed: (ClosedRange<Offset>) -> Void = { offsets in if ackBeforeCommit { outcome.settle(position, .success(offsets)) } }
            guard batch.header.producerId >= 0 else {
                if let offsets = host.propose(batch, to: ref.group, completion: onCommit) { proposed(offsets) }
                continue
            }
            guard !batch.header.attributes.contains(.transactional) else {
                settle(.failure(ProduceFailure(code: .invalidRecord, message: "transactions are not supported")))
                break
            }
            let verdict: SequenceCheck
            do { verdict = try checkSequence(of: batch, in: ref.group, status: status) } catch {
                settle(.failure(ProduceFailure(code: .kafkaStorageError, message: "cannot read the producer state of \(topic)-\(index): \(error)")))
                break
            }
            switch verdict {
            case .accept:
                if let offsets = host.propose(batch, to: ref.group, completion: onCommit) {
                    recordAppend(of: batch, at: offsets, in: ref.group)
                    proposed(offsets)
                }
            case .duplicate(let firstOffset, let lastOffset) where lastOffset < status.highWatermark.rawValue || ackBeforeCommit:
                settle(.success(Offset(firstOffset)...Offset(lastOffset)))
            case .duplicate:
                // The original is in the log but not committed yet: the producer retries the
                // same sequence and gets the original offsets once it is.
                settle(.failure(ProduceFailure(code: .notEnoughReplicasAfterAppend, message: "the first copy of this batch is not committed yet")))
            case .outOfOrderSequence, .invalidProducerEpoch, .unknownProducerId:
                settle(.failure(ProduceFailure(code: ErrorCode(rawValue: verdict.kafkaErrorCode), message: "sequence check: \(verdict)")))
            }
            if outcome.failed { break }
        }
    }

    /// One partition's batches of a produce request: completes once, with the first batch's
    /// offset when every batch committed or with the first failure. One object per request
    /// instead of a box per captured variable: every produced batch goes through here.
    private final class PartitionAppend {
        private var remaining: Int
        private var first: Offset?
        private(set) var failed = false
        /// Batches already answered for: one acknowledged early (ack_before_commit) does not
        /// report its commit or failure again.
        private var settled: [Bool]
        private let completion: (Result<Offset, ProduceFailure>) -> Void

        init(batchCount: Int, completion: @escaping (Result<Offset, ProduceFailure>) -> Void) {
            remaining = batchCount
            settled = Array(repeating: false, count: batchCount)
            self.completion = completion
        }

        func settle(_ position: Int, _ result: Result<ClosedRange<Offset>, ProduceFailure>) {
            guard !failed, !settled[position] else { return }
            settled[position] = true
            switch result {
            case .success(let offsets):
                if position == 0 { first = offsets.lowerBound }
                remaining -= 1
                if remaining == 0, let first { completion(.success(first)) }
            case .failure(let failure):
                failed = true
                completion(.failure(failure))
            }
        }
    }

    /// The record batches of a produce request's `records`, each checked (framing, CRC32C,
    /// size); a request without any is invalid.
    static func splitBatches(_ records: [UInt8], batchBytesMax: Int) -> Result<[RecordBatch], ProduceFailure> {
        var batches: [RecordBatch] = []
        var position = 0
        while position < records.count {
            guard records.count - position >= 12 else {
                return .failure(ProduceFailure(code: .corruptMessage, message: "\(records.count - position) trailing bytes are no batch"))
            }
            let length = records[(position + 8)..<(position + 12)].reduce(0) { $0 << 8 | Int($1) }
            let total = 12 + length
            guard total <= batchBytesMax else {
                return .failure(ProduceFailure(code: .messageTooLarge, message: "a batch of \(total) bytes exceeds the limit of \(batchBytesMax)"))
            }
            guard total <= records.count - position else {
                return .failure(ProduceFailure(code: .corruptMessage, message: "batch length \(total) runs past the request's records"))
            }
            let batch: RecordBatch
            // A request's only batch (the usual case) is kept as it came, without a copy.
            let bytes = total == records.count ? records : Array(records[position..<(position + total)])
            do { batch = try RecordBatch(validating: bytes, batchBytesMax: batchBytesMax) } catch {
                return .failure(ProduceFailure(code: .corruptMessage, message: "\(error)"))
            }
            guard !batch.isControl else {
                return .failure(ProduceFailure(code: .invalidRecord, message: "clients may not write control batches"))
            }
            batches.append(batch)
            position += total
        }
        guard !batches.isEmpty else { return .failure(ProduceFailure(code: .corruptMessage, message: "no record batch in the request")) }
        return .success(batches)
    }

    private static func produceFailure(_ failure: ProposalFailure) -> ProduceFailure {
        let code: ErrorCode = switch failure {
        case .notLeader, .unknownGroup, .superseded, .groupStopped, .hostUnavailable: .notLeaderOrFollower
        case .invalidBatch: .corruptMessage
        case .tooManyPending, .refused: .notEnoughReplicas
        case .timedOut: .requestTimedOut
        case .storageFailed: .kafkaStorageError
        }
        return ProduceFailure(code: code, message: "\(failure)")
    }
}
