/// A decoded request body of any implemented API: what the broker switches on.
public enum KafkaRequest: Hashable, Sendable {
    /// A Produce request.
    case produce(ProduceRequest)
    /// A Fetch request.
    case fetch(FetchRequest)
    /// A ListOffsets request.
    case listOffsets(ListOffsetsRequest)
    /// A Metadata request.
    case metadata(MetadataRequest)
    /// A OffsetCommit request.
    case offsetCommit(OffsetCommitRequest)
    /// A OffsetFetch request.
    case offsetFetch(OffsetFetchRequest)
    /// A FindCoordinator request.
    case findCoordinator(FindCoordinatorRequest)
    /// A JoinGroup request.
    case joinGroup(JoinGroupRequest)
    /// A Heartbeat request.
    case heartbeat(HeartbeatRequest)
    /// A LeaveGroup request.
    case leaveGroup(LeaveGroupRequest)
    /// A SyncGroup request.
    case syncGroup(SyncGroupRequest)
    /// A DescribeGroups request.
    case describeGroups(DescribeGroupsRequest)
    /// A ListGroups request.
    case listGroups(ListGroupsRequest)
    /// A ApiVersions request.
    case apiVersions(ApiVersionsRequest)
    /// A CreateTopics request.
    case createTopics(CreateTopicsRequest)
    /// A DeleteTopics request.
    case deleteTopics(DeleteTopicsRequest)
    /// A DeleteRecords request.
    case deleteRecords(DeleteRecordsRequest)
    /// A InitProducerId request.
    case initProducerId(InitProducerIdRequest)
    /// A DescribeConfigs request.
    case describeConfigs(DescribeConfigsRequest)
    /// A CreatePartitions request.
    case createPartitions(CreatePartitionsRequest)
    /// A IncrementalAlterConfigs request.
    /// An UnregisterBroker request.
    case incrementalAlterConfigs(IncrementalAlterConfigsRequest)
    case unregisterBroker(UnregisterBrokerRequest)

    /// The API of this request.
    public var apiKey: ApiKey {
        switch self {
        case .produce: .produce
        case .fetch: .fetch
        case .listOffsets: .listOffsets
        case .metadata: .metadata
        case .offsetCommit: .offsetCommit
        case .offsetFetch: .offsetFetch
        case .findCoordinator: .findCoordinator
        case .joinGroup: .joinGroup
        case .heartbeat: .heartbeat
        case .leaveGroup: .leaveGroup
        case .syncGroup: .syncGroup
        case .describeGroups: .describeGroups
        case .listGroups: .listGroups
        case .apiVersions: .apiVersions
        case .createTopics: .createTopics
        case .deleteTopics: .deleteTopics
        case .deleteRecords: .deleteRecords
        case .initProducerId: .initProducerId
        case .describeConfigs: .describeConfigs
        case .createPartitions: .createPartitions
        case .incrementalAlterConfigs: .incrementalAlterConfigs
        case .unregisterBroker: .unregisterBroker
        }
    }

    /// Reads the body of an `apiKey` request at `version`; `version` must be implemented.
    public init(apiKey: ApiKey, version: Int16, from reader: inout ByteReader) throws(KafkaDecodingError) {
        precondition(apiKey.supportedVersions.contains(version), "\(apiKey) v\(version) is not implemented")
        switch apiKey {
        case .produce: self = .produce(try ProduceRequest(from: &reader, version: version))
        case .fetch: self = .fetch(try FetchRequest(from: &reader, version: version))
        case .listOffsets: self = .listOffsets(try ListOffsetsRequest(from: &reader, version: version))
        case .metadata: self = .metadata(try MetadataRequest(from: &reader, version: version))
        case .offsetCommit: self = .offsetCommit(try OffsetCommitRequest(from: &reader, version: version))
        case .offsetFetch: self = .offsetFetch(try OffsetFetchRequest(from: &reader, version: version))
        case .findCoordinator: self = .findCoordinator(try FindCoordinatorRequest(from: &reader, version: version))
        case .joinGroup: self = .joinGroup(try JoinGroupRequest(from: &reader, version: version))
        case .heartbeat: self = .heartbeat(try HeartbeatRequest(from: &reader, version: version))
        case .leaveGroup: self = .leaveGroup(try LeaveGroupRequest(from: &reader, version: version))
        case .syncGroup: self = .syncGroup(try SyncGroupRequest(from: &reader, version: version))
        case .describeGroups: self = .describeGroups(try DescribeGroupsRequest(from: &reader, version: version))
        case .listGroups: self = .listGroups(try ListGroupsRequest(from: &reader, version: version))
        case .apiVersions: self = .apiVersions(try ApiVersionsRequest(from: &reader, version: version))
        case .createTopics: self = .createTopics(try CreateTopicsRequest(from: &reader, version: version))
        case .deleteTopics: self = .deleteTopics(try DeleteTopicsRequest(from: &reader, version: version))
        case .deleteRecords: self = .deleteRecords(try DeleteRecordsRequest(from: &reader, version: version))
        case .initProducerId: self = .initProducerId(try InitProducerIdRequest(from: &reader, version: version))
        case .describeConfigs: self = .describeConfigs(try DescribeConfigsRequest(from: &reader, version: version))
        case .createPartitions: self = .createPartitions(try CreatePartitionsRequest(from: &reader, version: version))
        case .incrementalAlterConfigs: self = .incrementalAlterConfigs(try IncrementalAlterConfigsRequest(from: &reader, version: version))
        case .unregisterBroker: self = .unregisterBroker(try UnregisterBrokerRequest(from: &reader, version: version))
        }
    }

    /// Writes the body at `version`; `version` must be implemented.
    public func encode(into writer: inout ByteWriter, version: Int16) {
        switch self {
        case .produce(let body): body.encode(into: &writer, version: version)
        case .fetch(let body): body.encode(into: &writer, version: version)
        case .listOffsets(let body): body.encode(into: &writer, version: version)
        case .metadata(let body): body.encode(into: &writer, version: version)
        case .offsetCommit(let body): body.encode(into: &writer, version: version)
        case .offsetFetch(let body): body.encode(into: &writer, version: version)
        case .findCoordinator(let body): body.encode(into: &writer, version: version)
        case .joinGroup(let body): body.encode(into: &writer, version: version)
        case .heartbeat(let body): body.encode(into: &writer, version: version)
        case .leaveGroup(let body): body.encode(into: &writer, version: version)
        case .syncGroup(let body): body.encode(into: &writer, version: version)
        case .describeGroups(let body): body.encode(into: &writer, version: version)
        case .listGroups(let body): body.encode(into: &writer, version: version)
        case .apiVersions(let body): body.encode(into: &writer, version: version)
        case .createTopics(let body): body.encode(into: &writer, version: version)
        case .deleteTopics(let body): body.encode(into: &writer, version: version)
        case .deleteRecords(let body): body.encode(into: &writer, version: version)
        case .initProducerId(let body): body.encode(into: &writer, version: version)
        case .describeConfigs(let body): body.encode(into: &writer, version: version)
        case .createPartitions(let body): body.encode(into: &writer, version: version)
        case .incrementalAlterConfigs(let body): body.encode(into: &writer, version: version)
        case .unregisterBroker(let body): body.encode(into: &writer, version: version)
        }
    }
}
