/// Which versions of each API Tributary implements: the generator's input, and through the
/// generated `ApiKey.supportedVersions` exactly what ApiVersions advertises.
///
/// Clients use min(their max, our max) per API. The caps cover what the clients we test with
/// negotiate, clipped to the definitions in ../shared/kafka-messages (Kafka, October 2024):
/// librdkafka 2.x (kcat 1.7.1 = 2.0.2, confluent-kafka 2.16.1 = 2.16.0; its INTRODUCTION.md
/// "Supported protocol versions") and kafka-python 3.0.12 (its bundled JSON schemas).
/// Lowering a cap is a one-line change here followed by `swift run kafka-codegen`.
struct ApiCap {
    /// Message name without "Request"/"Response", e.g. "Fetch".
    let api: String
    let apiKey: Int
    let versions: ClosedRange<Int>
    /// Why this range: the clients' maxima it covers.
    let reason: String
}

/// A versioned payload that travels as bytes inside API messages (no api key of its own).
struct DataCap {
    /// The definition's name, e.g. "ConsumerProtocolSubscription".
    let name: String
    let versions: ClosedRange<Int>
    let reason: String
}

enum VersionCaps {
    /// The consumer protocol's payloads: clients put them in JoinGroup metadata and SyncGroup
    /// assignments; the broker passes them through, the Swift client writes and reads them.
    static let data: [DataCap] = [
        DataCap(name: "ConsumerProtocolSubscription", versions: 0...3, reason: "all versions"),
        DataCap(name: "ConsumerProtocolAssignment", versions: 0...3, reason: "all versions"),
    ]

    static let all: [ApiCap] = [
        ApiCap(api: "Produce", apiKey: 0, versions: 0...11,
               reason: "librdkafka max 10, kafka-python max 13; v0-v2 kept for librdkafka's compressed produce (KAFKA-18659)"),
        ApiCap(api: "Fetch", apiKey: 1, versions: 0...17, reason: "librdkafka max 16, kafka-python max 18; v13+ address topics by id"),
        ApiCap(api: "ListOffsets", apiKey: 2, versions: 0...10, reason: "librdkafka max 7, kafka-python max 11"),
        ApiCap(api: "Metadata", apiKey: 3, versions: 0...12, reason: "librdkafka max 13, kafka-python max 13"),
        ApiCap(api: "OffsetCommit", apiKey: 8, versions: 0...9, reason: "librdkafka max 9, kafka-python max 10"),
        ApiCap(api: "OffsetFetch", apiKey: 9, versions: 0...9, reason: "librdkafka max 9, kafka-python max 10"),
        ApiCap(api: "FindCoordinator", apiKey: 10, versions: 0...6, reason: "librdkafka max 2, kafka-python max 6"),
        ApiCap(api: "JoinGroup", apiKey: 11, versions: 0...9, reason: "librdkafka max 5, kafka-python max 9"),
        ApiCap(api: "Heartbeat", apiKey: 12, versions: 0...4, reason: "librdkafka max 3, kafka-python max 4"),
        ApiCap(api: "LeaveGroup", apiKey: 13, versions: 0...5, reason: "librdkafka max 1, kafka-python max 5"),
        ApiCap(api: "SyncGroup", apiKey: 14, versions: 0...5, reason: "librdkafka max 3, kafka-python max 5"),
        ApiCap(api: "DescribeGroups", apiKey: 15, versions: 0...5, reason: "librdkafka max 5, kafka-python max 6"),
        ApiCap(api: "ListGroups", apiKey: 16, versions: 0...5, reason: "librdkafka max 4, kafka-python max 5"),
        ApiCap(api: "ApiVersions", apiKey: 18, versions: 0...4, reason: "librdkafka max 3, kafka-python max 4"),
        ApiCap(api: "CreateTopics", apiKey: 19, versions: 0...7, reason: "librdkafka max 4, kafka-python max 7"),
        ApiCap(api: "DeleteTopics", apiKey: 20, versions: 0...6, reason: "librdkafka max 4, kafka-python max 6"),
        ApiCap(api: "DeleteRecords", apiKey: 21, versions: 0...2, reason: "librdkafka max 2, kafka-python max 2"),
        ApiCap(api: "InitProducerId", apiKey: 22, versions: 0...5, reason: "librdkafka max 4, kafka-python max 6"),
        ApiCap(api: "DescribeConfigs", apiKey: 32, versions: 0...4, reason: "librdkafka max 1, kafka-python max 4"),
        ApiCap(api: "CreatePartitions", apiKey: 37, versions: 0...3, reason: "librdkafka max 2, kafka-python max 3"),
        ApiCap(api: "IncrementalAlterConfigs", apiKey: 44, versions: 0...1, reason: "librdkafka max 1, kafka-python max 1"),
        ApiCap(api: "UnregisterBroker", apiKey: 64, versions: 0...0,
               reason: "Kafka's Admin.unregisterBroker (v0 only); Tributary drains the node's replicas first (tributary cluster decommission)"),
    ]
}
