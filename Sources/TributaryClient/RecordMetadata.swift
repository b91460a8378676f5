/// Where an acknowledged record was written.
public struct RecordMetadata: Hashable, Sendable {
    /// The record's partition.
    public var topicPartition: TopicPartition
    /// The record's offset, or -1 when the broker did not say (acks=0, or a duplicate the
    /// broker recognised without reporting its offset).
    public var offset: Int64
}
