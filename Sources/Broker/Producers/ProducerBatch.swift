/// The idempotence fields of an appended record batch's header, and where it landed.
///
/// Sequences count records per producer and partition, wrapping from `Int32.max` to 0.
public struct ProducerBatch: Sendable, Hashable {
    /// The producer id (>= 0 for idempotent batches).
    public var producerId: Int64
    /// The producer's epoch.
    public var producerEpoch: Int16
    /// Sequence of the batch's first record.
    public var baseSequence: Int32
    /// Sequence of the batch's last record (`baseSequence + lastOffsetDelta`, wrapped).
    public var lastSequence: Int32
    /// Offset of the batch's first record in the partition.
    public var firstOffset: Int64
    /// Offset of the batch's last record in the partition.
    public var lastOffset: Int64

    /// Creates a batch header.
    public init(
        producerId: Int64, producerEpoch: Int16, baseSequence: Int32, lastSequence: Int32, firstOffset: Int64,
        lastOffset: Int64
    ) {
        self.producerId = producerId
        self.producerEpoch = producerEpoch
        self.baseSequence = baseSequence
        self.lastSequence = lastSequence
        self.firstOffset = firstOffset
        self.lastOffset = lastOffset
    }

    /// Whether the header describes an idempotent batch the table can remember: a producer id,
    /// epoch and sequences that are not negative (-1 marks a non-idempotent batch) and offsets
    /// in order.
    public var isIdempotent: Bool {
        producerId >= 0 && producerEpoch >= 0 && baseSequence >= 0 && lastSequence >= 0 && firstOffset <= lastOffset
    }

    /// The sequence that follows `sequence`.
    static func sequence(after sequence: Int32) -> Int32 {
        sequence == Int32.max ? 0 : sequence + 1
    }
}

/// What one partition remembers of one producer.
public struct ProducerEntry: Sendable, Equatable {
    /// The producer's current epoch; batches from older epochs are fenced.
    public internal(set) var epoch: Int16
    /// The last appended batches of this epoch, oldest first, at most
    /// `ProducerLimits.batchesPerProducerCount`.
    public internal(set) var batches: [ProducerBatch]
    /// Last append (or rebuild) time, for idle expiry and least-recently-used eviction.
    public internal(set) var lastAppendMs: Int64

    /// The sequence the next batch must start with.
    public var nextSequence: Int32? {
        batches.last.map { ProducerBatch.sequence(after: $0.lastSequence) }
    }
}

/// The verdict on an incoming idempotent batch.
public enum SequenceCheck: Sendable, Hashable {
    /// Append it.
    case accept
    /// Already appended: acknowledge with the original offsets, append nothing.
    case duplicate(firstOffset: Int64, lastOffset: Int64)
    /// A gap or a reordering (Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER).
    case outOfOrderSequence
    /// An older epoch than the producer's current one: a fenced zombie (INVALID_PRODUCER_EPOCH).
    case invalidProducerEpoch
    /// The partition has no state for the producer and the batch does not start a sequence
    /// (UNKNOWN_PRODUCER_ID): its state expired or was evicted.
    case unknownProducerId

    /// The Kafka protocol's error code for the verdict (0 for accept and duplicate).
    public var kafkaErrorCode: Int16 {
        switch self {
        case .accept, .duplicate: 0
        case .outOfOrderSequence: 45
        case .invalidProducerEpoch: 47
        case .unknownProducerId: 59
        }
    }
}
