import KafkaProtocol
import Storage

/// What a stub broker does with one request, chosen by the test's script.
enum StubAction: Sendable, Equatable {
    /// Handle the request against the model and answer.
    case answer
    /// Close the connection without handling the request.
    case close
    /// Handle the request, then close the connection without answering (the response is lost).
    case applyThenClose
    /// Answer with bytes that are not a valid response (the right correlation id, then junk).
    case garbage
    /// Answer a valid response under another correlation id.
    case wrongCorrelationId
    /// Handle nothing and answer nothing (a hung broker).
    case silent
    /// Handle the request but keep the response until ``StubCluster/releaseHeldResponses()``.
    case hold
    /// Answer with this frame (size prefix included) instead of handling the request.
    case respond([UInt8])
}

/// One partition of the stub cluster: a leader and an in-memory log shared by all stub brokers
/// (so a leader move keeps the data, as a replicated log would).
struct StubPartition: Sendable {
    var leaderId: Int32
    var leaderEpoch: Int32 = 0
    var batches: [RecordBatch] = []
    var nextOffset: Int64 = 0
    /// Per producer id: the last sequence appended and the base offset of each sequence's batch.
    var producers: [Int64: (lastSequence: Int32, baseOffsets: [Int32: Int64])] = [:]

    /// Every record in the log, in offset order.
    func records() throws -> [Record] { try batches.flatMap { try $0.records() } }
}

/// The stub cluster's state: topics, leaders, producer ids; plus the test's script.
struct StubModel: Sendable {
    var nodeIds: [Int32]
    var ports: [Int32: UInt16] = [:]
    var controllerId: Int32
    var topics: [String: [StubPartition]] = [:]
    var autoCreatePartitionCount: Int32 = 3
    var nextProducerId: Int64 = 1_000
    /// Batches recognised as duplicates by their producer id and sequence (not appended again).
    var duplicateBatchCount = 0
    /// Consumer groups by id.
    var groups: [String: StubGroup] = [:]
    /// Requests received, in order: (node, api, version).
    var requestLog: [(nodeId: Int32, apiKey: ApiKey, apiVersion: Int16)] = []
    /// Partitions per Produce request, for scripts that count them.
    var producedPartitionCounts: [Int] = []
    /// Decides what to do with each request before it is handled; may change the model.
    var script: (@Sendable (inout StubModel, Int32, DecodedRequest) -> StubAction)?

    init(nodeIds: [Int32]) {
        precondition(!nodeIds.isEmpty, "a stub cluster has at least one node")
        self.nodeIds = nodeIds
        self.controllerId = nodeIds[0]
    }

    /// Creates a topic whose partition `i` is led by node `nodeIds[i % count]`.
    mutating func createTopic(_ name: String, partitionCount: Int32) {
        topics[name] = (0..<partitionCount).map { StubPartition(leaderId: nodeIds[Int($0) % nodeIds.count]) }
    }

    /// Appends a batch as the leader would, without any checks (control batches, say).
    mutating func appendDirectly(_ batch: RecordBatch, to topic: String, _ partition: Int) {
        var batch = batch
        batch.stamp(baseOffset: Offset(topics[topic]![partition].nextOffset), leaderEpoch: 0)
        topics[topic]![partition].batches.append(batch)
        topics[topic]![partition].nextOffset = batch.lastOffset.rawValue + 1
    }

    /// Moves a partition's leadership to `nodeId` and bumps its epoch.
    mutating func moveLeader(_ topic: String, _ partition: Int, to nodeId: Int32) {
        topics[topic]![partition].leaderId = nodeId
        topics[topic]![partition].leaderEpoch += 1
    }
}
