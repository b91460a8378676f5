import ClusterMetadata
import KafkaProtocol
import Raft
import Storage

/// Fetch and ListOffsets: served by the partition's Raft leader from the stored batches, up to
/// the high-water mark (the Raft commit), so a consumer never sees a record that could vanish.
extension KafkaBroker {
    func fetch(_ request: FetchRequest, respond: Responder) {
        // Fetch sessions (KIP-227) are not kept: session id 0 in every answer tells the client to
        // send full fetches. An incremental fetch names a session this node never gave out.
        if request.sessionId != 0 && request.sessionEpoch > 0 {
            return respond(FetchResponse(errorCode: ErrorCode.fetchSessionIdNotFound.rawValue, sessionId: 0))
        }
        let version = respond.version
        let first = fetchResponse(request, version: version)
        let minBytes = Int(request.minBytes)
        guard request.maxWaitMs > 0, first.bytes < minBytes, !first.hasError, !first.groups.isEmpty else {
            return respond(first.response)
        }
        let parked = parkedFetches.park(on: node.loop, groups: first.groups, maxWait: .milliseconds(Int64(request.maxWaitMs))) {
            [weak self] deadlinePassed in
            guard let self else { return true }
            let outcome = fetchResponse(request, version: version)
            guard deadlinePassed || outcome.bytes >= minBytes || outcome.hasError else { return false }
            respond(outcome.response)
            return true
        }
        if !parked { respond(first.response) }
    }

    /// A fetch answered now: the response, its record bytes, whether any partition failed, and
    /// the groups whose high-water marks it waits on.
    struct FetchOutcome {
        var response: FetchResponse
        var bytes: Int
        var hasError: Bool
        var groups: Set<RaftGroupID>
    }

    private func fetchResponse(_ request: FetchRequest, version: Int16) -> FetchOutcome {
        let readBytesMax = node.host?.options.logOptions.limits.readBytesMax ?? 1
        var remaining = max(Int(request.maxBytes), 1)
        var outcome = FetchOutcome(response: FetchResponse(sessionId: 0), bytes: 0, hasError: false, groups: [])
        let byID = version >= 13
        for wanted in request.topics {
            let topic = byID
                ? node.applier.state.topics.first { $0.id.kafkaUUID == wanted.topicId }
                : node.applier.state.topic(named: wanted.topic)
            var answered = FetchResponse.FetchableTopicResponse(topic: byID ? "" : wanted.topic, topicId: wanted.topicId)
            for asked in wanted.partitions {
                var data: FetchResponse.PartitionData
                if let topic, asked.partition >= 0, asked.partition < topic.partitionCount {
                    let group = topic.partitions[Int(asked.partition)].groupID
                    // At least one batch of the first partition with data, even past the limits.
                    let limit = outcome.bytes == 0 ? min(readBytesMax, max(1, Int(asked.partitionMaxBytes))) : min(readBytesMax, Int(asked.partitionMaxBytes), remaining)
                    data = limit > 0
                        ? read(group, partition: asked, maxBytes: limit)
                        : emptyPartition(asked.partition, group: group)
                    outcome.groups.insert(group)
                } else {
                    let code: ErrorCode = byID && topic == nil ? .unknownTopicId : .unknownTopicOrPartition
                    data = .init(partitionIndex: asked.partition, errorCode: code.rawValue, highWatermark: -1, records: [])
                }
                let count = data.records?.count ?? 0
                outcome.bytes += count
                remaining -= count
                outcome.hasError = outcome.hasError || data.errorCode != 0
                answered.partitions.append(data)
            }
            outcome.response.responses.append(answered)
        }
        return outcome
    }

    /// One partition's answer, read when this node leads it and the epoch and offset fit.
    /// Whether a Fetch at `offset` is answered (with records, or with none yet) rather than
    /// refused with OFFSET_OUT_OF_RANGE: from the log start up to the log's end, as Kafka does.
    /// An offset past the high-water mark but within the log is only not committed *here yet*:
    /// a new leader learns the commit index only once it commits an entry of its term, and a
    /// consumer told "out of range" there would reset to the earliest or latest offset (a
    /// 25-minute chaos run saw a consumer at 108,421 start again at 1 after a leader change).
    static func fetchOffsetIsInRange(_ offset: Offset, logStart: Offset, logEnd: Offset, highWatermark: Offset) -> Bool {
        offset >= logStart && offset <= max(logEnd, highWatermark)
    }

    private func read(_ group: RaftGroupID, partition asked: FetchRequest.FetchPartition, maxBytes: Int) -> FetchResponse.PartitionData {
        let status: GroupStatus
        switch ledStatus(group, currentLeaderEpoch: asked.currentLeaderEpoch) {
        case .success(let led): status = led
        case .failure(let code): return failedPartition(asked.partition, group: group, code: code)
        }
        let highWatermark = status.highWatermark
        var data = FetchResponse.PartitionData(
            partitionIndex: asked.partition, highWatermark: highWatermark.rawValue, lastStableOffset: highWatermark.rawValue,
            logStartOffset: status.logStartOffset.rawValue, records: [])
        let offset = Offset(asked.fetchOffset)
        guard Self.fetchOffsetIsInRange(offset, logStart: status.logStartOffset, logEnd: status.logEndOffset, highWatermark: highWatermark) else {
            data.errorCode = ErrorCode.offsetOutOfRange.rawValue
            return data
        }
        guard offset < highWatermark, let host = node.host else { return data }
        do {
            data.records = try host.read(group, from: offset, maxBytes: maxBytes, before: highWatermark).bytesWithControlBatchesEmptied
        } catch let error as StorageError where error.code == .offsetOutOfRange {
            data.errorCode = ErrorCode.offsetOutOfRange.rawValue
        } catch {
            logger.error("Kafka: reading \(group) at \(offset) failed: \(error)")
            data.errorCode = ErrorCode.kafkaStorageError.rawValue
        }
        return data
    }

    /// A partition left out because the request's byte budget is spent; it still reports where
    /// the log stands.
    private func emptyPartition(_ index: Int32, group: RaftGroupID) -> FetchResponse.PartitionData {
        let status: GroupStatus
        switch ledStatus(group) {
        case .success(let led): status = led
        case .failure(let code): return failedPartition(index, group: group, code: code)
        }
        return .init(
            partitionIndex: index, highWatermark: status.highWatermark.rawValue, lastStableOffset: status.highWatermark.rawValue,
            logStartOffset: status.logStartOffset.rawValue, records: [])
    }

    private func failedPartition(_ index: Int32, group: RaftGroupID, code: ErrorCode) -> FetchResponse.PartitionData {
        .init(
            partitionIndex: index, errorCode: code.rawValue, highWatermark: -1,
            currentLeader: .init(leaderId: leaderID(of: group), leaderEpoch: leaderEpoch(of: group)), records: [])
    }

    func listOffsets(_ request: ListOffsetsRequest, version: Int16) -> ListOffsetsResponse {
        ListOffsetsResponse(topics: request.topics.map { topic in
            .init(name: topic.name, partitions: topic.partitions.map { asked in
                var answer = listOffset(topic: topic.name, asked)
                if version == 0 { answer.oldStyleOffsets = answer.errorCode == 0 && answer.offset >= 0 ? [answer.offset] : [] }
                return answer
            })
        })
    }

    /// Kafka's special timestamps: latest (-1), earliest (-2), earliest local (-4, the same here:
    /// all data is local).
    private func listOffset(topic name: String, _ asked: ListOffsetsRequest.ListOffsetsPartition) -> ListOffsetsResponse.ListOffsetsPartitionResponse {
        var answer = ListOffsetsResponse.ListOffsetsPartitionResponse(partitionIndex: asked.partitionIndex)
        guard let ref = partition(topic: name, index: asked.partitionIndex) else {
            answer.errorCode = ErrorCode.unknownTopicOrPartition.rawValue
            return answer
        }
        let status: GroupStatus
        switch ledStatus(ref.group, currentLeaderEpoch: asked.currentLeaderEpoch) {
        case .success(let led): status = led
        case .failure(let code):
            answer.errorCode = code.rawValue
            return answer
        }
        answer.leaderEpoch = Int32(clamping: status.term.rawValue)
        switch asked.timestamp {
        case -1: answer.offset = status.highWatermark.rawValue
        case -2, -4: answer.offset = status.logStartOffset.rawValue
        case ..<0:
            answer.errorCode = ErrorCode.invalidRequest.rawValue
        default:
            do {
                // Only committed data answers: an offset past the high-water mark is not one yet.
                if let found = try node.host?.offset(of: ref.group, forTimestamp: asked.timestamp), found < status.highWatermark {
                    // The record's own timestamp is not read back; -1 says "not given".
                    answer.offset = found.rawValue
                }
            } catch {
                logger.error("Kafka: ListOffsets on \(ref.group) failed: \(error)")
                answer.errorCode = ErrorCode.kafkaStorageError.rawValue
            }
        }
        return answer
    }
}
