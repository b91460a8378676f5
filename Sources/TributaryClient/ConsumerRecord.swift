import Storage

/// A record read from a partition.
public struct ConsumerRecord: Equatable, Sendable {
    /// Where the record was read from.
    public var topicPartition: TopicPartition
    /// The record's offset.
    public var offset: Int64
    /// The record's timestamp (milliseconds since the epoch, as the producer or broker set it).
    public var timestamp: Int64
    /// The key, if any.
    public var key: [UInt8]?
    /// The value, if any.
    public var value: [UInt8]?
    /// The record's headers.
    public var headers: [RecordHeader]
}
