/// Bounds of one partition's idempotent-producer state.
public struct ProducerLimits: Sendable, Equatable {
    /// Producers remembered per partition; past it the least recently used is forgotten.
    public var producerCountMax: Int
    /// A producer that appended nothing for this long is forgotten by `expireIdle`
    /// (Kafka's producer.id.expiration.ms).
    public var producerIdleMsMax: Int64

    /// Batches remembered per producer for duplicate detection: Kafka clients keep at most 5
    /// requests in flight per partition with idempotence, so a retry is always among the last 5.
    public static let batchesPerProducerCount = 5

    /// Creates limits; check them with `validate()`.
    public init(producerCountMax: Int, producerIdleMsMax: Int64) {
        self.producerCountMax = producerCountMax
        self.producerIdleMsMax = producerIdleMsMax
    }

    /// 10,000 producers per partition, idle for at most a day (Kafka's default expiration).
    public static let production = ProducerLimits(producerCountMax: 10_000, producerIdleMsMax: 86_400_000)

    /// Small bounds so tests reach them.
    public static let testMin = ProducerLimits(producerCountMax: 3, producerIdleMsMax: 10_000)

    /// Checks the bounds.
    /// - Throws: `ProducerLimitsError` naming the first bound that is not positive.
    public func validate() throws(ProducerLimitsError) {
        if producerCountMax <= 0 { throw ProducerLimitsError(message: "producerCountMax must be positive, is \(producerCountMax)") }
        if producerIdleMsMax <= 0 { throw ProducerLimitsError(message: "producerIdleMsMax must be positive, is \(producerIdleMsMax)") }
    }
}

/// A `ProducerLimits` value that is not usable.
public struct ProducerLimitsError: Error, Equatable, CustomStringConvertible {
    /// Which bound is wrong.
    public let message: String
    /// The message.
    public var description: String { message }
}
