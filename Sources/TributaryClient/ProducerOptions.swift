/// How many replicas must have a batch before the broker answers (Kafka's `acks`).
public enum Acks: Int16, Sendable, Equatable {
    /// No answer at all: the producer learns nothing (no offsets, no retries).
    case none = 0
    /// The leader has appended the batch durably.
    case leader = 1
    /// The partition's Raft majority has committed the batch.
    case all = -1
}

/// A producer's batching, durability and retry settings.
public struct ProducerOptions: Sendable, Equatable {
    /// What the broker waits for before answering.
    public var acks: Acks
    /// Whether batches carry a producer id and sequence numbers so that retries never
    /// duplicate records (Kafka's `enable.idempotence`); requires `acks == .all`.
    public var idempotent: Bool
    /// How long a partition's first record waits for more before its batch is sent
    /// (Kafka's `linger.ms`); zero sends as soon as the partition has no batch in flight.
    public var lingerTime: Duration
    /// The largest batch, by the encoded size estimate (Kafka's `batch.size`); a record that
    /// alone exceeds it is refused.
    public var batchBytesMax: Int
    /// The most records in one batch (no Kafka equivalent); 1 sends every record in a request
    /// of its own, which benchmarks comparing with one-record-per-request systems need.
    public var batchRecordCountMax: Int
    /// Records accepted by ``Producer/send(topic:key:value:headers:partition:)`` and not yet
    /// acknowledged, at most; beyond it sends fail with ``KafkaClientError/Kind/queueFull``.
    public var bufferedRecordCountMax: Int
    /// How long the broker may take to replicate before answering (the Produce `timeoutMs`).
    public var brokerTimeout: Duration
    /// Whether sending to a missing topic asks the broker to create it.
    public var allowAutoTopicCreation: Bool
    /// Batches of one partition an idempotent producer keeps in flight at once (Kafka's
    /// `max.in.flight.requests.per.connection`, at most 5: the broker recognises only its last 5
    /// batches of a producer as duplicates). Order holds anyway: the broker refuses a batch whose
    /// sequence skips one it lacks, and that batch is sent again after the earlier one. A plain
    /// producer keeps one batch in flight, so that a retry can never overtake a later batch.
    public var inFlightBatchesPerPartitionMax: Int
    /// Bytes of batches one Produce request carries, at most (Kafka's `max.request.size`): each
    /// request to a broker gathers a batch of every partition ready there, up to this. A batch
    /// larger than it goes alone.
    public var requestBytesMax: Int

    /// Makes options; the defaults are Kafka 3's (idempotent, acks=all, 5 ms linger, 16 KiB batches).
    public init(
        acks: Acks = .all,
        idempotent: Bool = true,
        lingerTime: Duration = .milliseconds(5),
        batchBytesMax: Int = 16 << 10,
        batchRecordCountMax: Int = .max,
        bufferedRecordCountMax: Int = 100_000,
        brokerTimeout: Duration = .seconds(30),
        allowAutoTopicCreation: Bool = true,
        inFlightBatchesPerPartitionMax: Int = 5,
        requestBytesMax: Int = 1 << 20
    ) {
        self.acks = acks
        self.idempotent = idempotent
        self.lingerTime = lingerTime
        self.batchBytesMax = batchBytesMax
        self.batchRecordCountMax = batchRecordCountMax
        self.bufferedRecordCountMax = bufferedRecordCountMax
        self.brokerTimeout = brokerTimeout
        self.allowAutoTopicCreation = allowAutoTopicCreation
        self.inFlightBatchesPerPartitionMax = inFlightBatchesPerPartitionMax
        self.requestBytesMax = requestBytesMax
    }

    /// Batches of one partition in flight at once: ``inFlightBatchesPerPartitionMax`` when
    /// idempotent, else 1.
    var inFlightBatchesPerPartition: Int { idempotent ? inFlightBatchesPerPartitionMax : 1 }

    /// Checks the settings against each other.
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` naming the relation.
    public func validate() throws(KafkaClientError) {
        func require(_ ok: Bool, _ relation: String) throws(KafkaClientError) {
            if !ok { throw KafkaClientError(.invalidArgument, "producer options: \(relation)") }
        }
        try require(!idempotent || acks == .all, "an idempotent producer needs acks == .all")
        try require(lingerTime >= .zero, "lingerTime >= 0")
        try require(batchBytesMax >= ProducerBatch.headerBytes + ProducerBatch.recordOverheadBytes,
                    "batchBytesMax holds at least one empty record")
        try require(batchRecordCountMax > 0, "batchRecordCountMax > 0")
        try require(bufferedRecordCountMax > 0, "bufferedRecordCountMax > 0")
        try require(requestBytesMax > 0, "requestBytesMax > 0")
        try require((1...5).contains(inFlightBatchesPerPartitionMax), "1 <= inFlightBatchesPerPartitionMax <= 5")
        try require(brokerTimeout > .zero && brokerTimeout <= .milliseconds(Int64(Int32.max)),
                    "0 < brokerTimeout <= Int32.max ms")
    }
}
