/// Where a consumer starts reading a partition.
public enum OffsetSpec: Hashable, Sendable {
    /// The log start offset (the oldest record kept).
    case earliest
    /// The high-water mark: only records written from now on.
    case latest
    /// An explicit offset.
    case offset(Int64)
}

/// A consumer's fetch sizes and where it starts without a position.
public struct ConsumerOptions: Sendable, Equatable {
    /// How long a broker may hold a Fetch waiting for `fetchMinBytes` (Kafka's `fetch.max.wait.ms`).
    public var fetchMaxWait: Duration
    /// Bytes a broker waits for before answering a Fetch early (Kafka's `fetch.min.bytes`).
    public var fetchMinBytes: Int32
    /// Bytes one Fetch response may carry across partitions (Kafka's `fetch.max.bytes`); it must
    /// stay below the client loop's frame bound.
    public var fetchBytesMax: Int32
    /// Bytes one partition may contribute to a Fetch response (Kafka's `max.partition.fetch.bytes`);
    /// the broker still returns a first batch larger than this whole.
    public var partitionFetchBytesMax: Int32
    /// Where to start a partition without a position, or whose position is out of range
    /// (Kafka's `auto.offset.reset`); `.offset` is not allowed here.
    public var autoOffsetReset: OffsetSpec

    /// Makes options; see each property.
    public init(
        fetchMaxWait: Duration = .milliseconds(500),
        fetchMinBytes: Int32 = 1,
        fetchBytesMax: Int32 = 8 << 20,
        partitionFetchBytesMax: Int32 = 1 << 20,
        autoOffsetReset: OffsetSpec = .latest
    ) {
        self.fetchMaxWait = fetchMaxWait
        self.fetchMinBytes = fetchMinBytes
        self.fetchBytesMax = fetchBytesMax
        self.partitionFetchBytesMax = partitionFetchBytesMax
        self.autoOffsetReset = autoOffsetReset
    }

    /// Checks the settings against each other and the loop's frame bound.
    /// - Parameter frameBytesMax: the largest response frame the client's loop accepts.
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` naming the relation.
    public func validate(frameBytesMax: Int) throws(KafkaClientError) {
        func require(_ ok: Bool, _ relation: String) throws(KafkaClientError) {
            if !ok { throw KafkaClientError(.invalidArgument, "consumer options: \(relation)") }
        }
        try require(fetchMaxWait >= .zero, "fetchMaxWait >= 0")
        try require(fetchMinBytes >= 0, "fetchMinBytes >= 0")
        try require(partitionFetchBytesMax > 0 && partitionFetchBytesMax <= fetchBytesMax,
                    "0 < partitionFetchBytesMax <= fetchBytesMax")
        try require(Int(fetchBytesMax) + 64 << 10 <= frameBytesMax,
                    "fetchBytesMax plus 64 KiB of framing fits the loop's frameBytesMax \(frameBytesMax)")
        if case .offset = autoOffsetReset { try require(false, "autoOffsetReset is .earliest or .latest") }
    }
}
