/// One partition of one topic.
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition's index within the topic.
    public var partition: Int32

    /// Names a partition.
    public init(_ topic: String, _ partition: Int32) {
        precondition(partition >= 0, "negative partition index \(partition)")
        self.topic = topic
        self.partition = partition
    }

    /// `topic-partition`, as Kafka tools print it.
    public var description: String { "\(topic)-\(partition)" }
}
