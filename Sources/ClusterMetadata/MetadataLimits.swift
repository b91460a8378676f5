/// Bounds of the cluster metadata.
///
/// These are constants, not configuration: every controller replica must accept and reject
/// exactly the same commands, so the bounds cannot differ between nodes.
public enum MetadataLimits {
    /// Kafka's topic name limit (`Topic.MAX_NAME_LENGTH`).
    public static let topicNameBytesMax = 249
    /// Partitions of one topic.
    public static let partitionCountMax: Int32 = 10_000
    /// Replicas of one partition: a Raft group larger than this costs more than it protects.
    public static let replicationFactorMax: Int16 = 7
    /// Registered nodes, removed ones included (their ids stay taken).
    public static let nodeCountMax = 4_096
    /// Topics in the cluster.
    public static let topicCountMax = 100_000
    /// An advertised address (`host:port`) or a rack name.
    public static let labelBytesMax = 255
    /// Config changes in one `alterTopicConfigs` command.
    public static let configChangeCountMax = 16
    /// An encoded command; a snapshot is bounded only by the counts above.
    public static let commandBytesMax = 1 << 16
}
