import DequeModule
import KafkaProtocol

/// The batches of one producer waiting for a Produce request to one broker. Kafka's producer
/// drains every ready partition of a broker into one request, and so does this: with many
/// partitions a request per batch would spend the connection's few in-flight slots
/// (``ConnectionOptions/inFlightRequestCountMax``) on one record each.
struct BrokerSendQueue {
    /// One batch waiting, and the delivery waiting for its partition's answer.
    struct Entry: Sendable {
        let partition: TopicPartition
        /// The producer's id of the batch (its order among the partition's batches).
        let batchId: UInt64
        let records: [UInt8]
        let reply: CheckedContinuation<ProduceResponse.PartitionProduceResponse, any Error>
    }

    /// Batches not yet in a request, oldest first.
    private(set) var waiting = Deque<Entry>()

    mutating func append(_ entry: Entry) { waiting.append(entry) }

    /// Takes the next request's batches, oldest first: each that `mayGo` lets go and whose
    /// partition is not in the request yet (a request carries one batch per partition), while
    /// their bytes stay within `bytesMax`. The first taken goes whatever its size.
    mutating func takeRequest(bytesMax: Int, mayGo: (Entry) -> Bool) -> [Entry] {
        var taken: [Entry] = []
        var partitions: Set<TopicPartition> = []
        var bytes = 0
        var kept = Deque<Entry>()
        while let entry = waiting.popFirst() {
            if !partitions.contains(entry.partition) && (taken.isEmpty || bytes + entry.records.count <= bytesMax) && mayGo(entry) {
                taken.append(entry)
                partitions.insert(entry.partition)
                bytes += entry.records.count
            } else {
                kept.append(entry)
            }
        }
        waiting = kept
        return taken
    }

    /// Takes every waiting batch (their broker cannot be reached).
    mutating func takeAll() -> [Entry] {
        defer { waiting.removeAll() }
        return Array(waiting)
    }

    /// The Produce request carrying `entries`, grouped by topic in first-seen order.
    static func request(_ entries: [Entry], acks: Acks, timeoutMs: Int32) -> ProduceRequest {
        var topics: [String] = []
        var partitions: [String: [ProduceRequest.PartitionProduceData]] = [:]
        for entry in entries {
            if partitions[entry.partition.topic] == nil { topics.append(entry.partition.topic) }
            partitions[entry.partition.topic, default: []].append(.init(index: entry.partition.partition, records: entry.records))
        }
        return ProduceRequest(acks: acks.rawValue, timeoutMs: timeoutMs, topicData: topics.map {
            .init(name: $0, partitionData: partitions[$0]!)
        })
    }
}

/// Per broker, a producer's requests not yet answered and batches waiting for one. Shared with
/// the client's loop, so that an answer frees its slot there; a trip through the producer's
/// actor for every answer cost a fifth of the one-record-per-request rate.
struct RequestSlots {
    var inFlight = 0
    var waiting = 0
}
