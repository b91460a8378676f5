import ClusterMetadata
import KafkaProtocol
import Raft
import Storage

/// DeleteRecords: moves a partition's log start forward on every replica. The leader checks the
/// offset and proposes a log-start entry through Raft (``RaftHost/proposeLogStart(_:to:completion:)``);
/// each replica applies it once committed, and the answer's `low_watermark` is the leader's log
/// start once it applied it. The request's `timeout_ms` is not used: the proposal's own timeout
/// bounds the wait.
extension KafkaBroker {
    func deleteRecords(_ request: DeleteRecordsRequest, respond: Responder) {
        typealias PartitionResult = DeleteRecordsResponse.DeleteRecordsPartitionResult
        var results = request.topics.map { [PartitionResult?](repeating: nil, count: $0.partitions.count) }
        var remaining = results.reduce(0) { $0 + $1.count }
        let finish = {
            respond(DeleteRecordsResponse(topics: zip(request.topics, results).map { topic, partitions in
                .init(name: topic.name, partitions: partitions.map { $0! })
            }))
        }
        guard remaining > 0 else { return finish() }
        for (t, topic) in request.topics.enumerated() {
            for (p, asked) in topic.partitions.enumerated() {
                moveLogStart(topic: topic.name, asked) { code, lowWatermark in
                    results[t][p] = PartitionResult(partitionIndex: asked.partitionIndex, lowWatermark: lowWatermark, errorCode: code.rawValue)
                    remaining -= 1
                    if remaining == 0 { finish() }
                }
            }
        }
    }

    /// Validates one partition's offset on its leader and moves its log start there; completes
    /// with an error code (`.noError` on success) and the log start then (-1 on failure).
    private func moveLogStart(
        topic: String, _ asked: DeleteRecordsRequest.DeleteRecordsPartition, completion: @escaping (ErrorCode, Int64) -> Void
    ) {
        guard let host = node.host, let ref = partition(topic: topic, index: asked.partitionIndex) else {
            return completion(.unknownTopicOrPartition, -1)
        }
        guard !Self.isInternal(topic) else { return completion(.invalidTopicException, -1) }
        let status: GroupStatus
        switch ledStatus(ref.group) {
        case .success(let led): status = led
        case .failure(let code): return completion(code, -1)
        }
        // -1: everything committed (Kafka's "high watermark"); other negative offsets mean nothing.
        let offset = asked.offset == -1 ? status.highWatermark : Offset(asked.offset)
        guard offset.rawValue >= 0, offset <= status.highWatermark else { return completion(.offsetOutOfRange, -1) }
        host.proposeLogStart(offset, to: ref.group) { [logger] result in
            switch result {
            case .success(let start):
                logger.info("DeleteRecords: \(topic)-\(asked.partitionIndex) starts at \(start) (asked \(asked.offset))")
                completion(.noError, start.rawValue)
            case .failure(let failure):
                logger.info("DeleteRecords on \(topic)-\(asked.partitionIndex) failed: \(failure)")
                completion(Self.deleteRecordsError(failure), -1)
            }
        }
    }

    private static func deleteRecordsError(_ failure: ProposalFailure) -> ErrorCode {
        switch failure {
        case .notLeader, .unknownGroup, .superseded, .groupStopped, .hostUnavailable: .notLeaderOrFollower
        // The leader checked the offset against its high-water mark just before proposing.
        case .invalidBatch: .offsetOutOfRange
        case .tooManyPending, .refused, .timedOut: .requestTimedOut
        case .storageFailed: .kafkaStorageError
        }
    }
}
