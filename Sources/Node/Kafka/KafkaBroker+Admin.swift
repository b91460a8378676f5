import ClusterMetadata
import KafkaProtocol
import Transport

/// Topic administration: DeleteTopics, CreatePartitions, DescribeConfigs and
/// IncrementalAlterConfigs.
///
/// Changes are metadata commands: the answer waits until the controller applied the command,
/// and then (bounded, ``appliedHereWaitMax``) until this node's own metadata shows it, so that
/// a client asking the same node again reads its own write. Other nodes catch up within a
/// housekeeping round or two, as Kafka's brokers do with their metadata caches.
extension KafkaBroker {
    /// Kafka's config resource types (`ConfigResource.Type`).
    enum ConfigResourceType {
        static let topic: Int8 = 2
        static let broker: Int8 = 4
    }

    /// Kafka's config sources (`DescribeConfigsResponse.ConfigSource`).
    enum ConfigSource {
        static let dynamicTopicConfig: Int8 = 1
        static let staticBrokerConfig: Int8 = 4
        static let defaultConfig: Int8 = 5
    }

    /// Kafka's config types (`ConfigDef.Type` as DescribeConfigs v3+ numbers them).
    enum ConfigType {
        static let boolean: Int8 = 1
        static let int: Int8 = 3
        static let short: Int8 = 4
        static let long: Int8 = 5
        static let list: Int8 = 7
    }

    /// Kafka's `AlterConfigOp.OpType`.
    enum ConfigOperation {
        static let set: Int8 = 0
        static let delete: Int8 = 1
        static let append: Int8 = 2
        static let subtract: Int8 = 3
    }

    /// Why one topic or resource of an admin request is refused.
    struct AdminRefusal: Error, Equatable {
        var code: ErrorCode
        var message: String
    }

    /// How often, and how long at most, an answer waits for this node to apply a command the
    /// controller already applied.
    static let appliedHerePollInterval: Duration = .milliseconds(10)
    static let appliedHereWaitMax: Duration = .seconds(2)

    // MARK: - DeleteTopics

    func deleteTopics(_ request: DeleteTopicsRequest, version: Int16, respond: Responder) {
        // v0-5 name topics in `topicNames`; v6 in `topics`, by name or by id.
        let wanted = version >= 6 ? request.topics : request.topicNames.map { DeleteTopicsRequest.DeleteTopicState(name: $0) }
        let repeated = Self.repeatedKeys(wanted.map { $0.topicId != .zero ? "id:\($0.topicId)" : "name:\($0.name ?? "")" })
        let results = Collector<DeleteTopicsResponse.DeletableTopicResult>(count: wanted.count) { results in
            respond(DeleteTopicsResponse(responses: results))
        }
        for (index, entry) in wanted.enumerated() {
            let answer = { (topic: Topic?, code: Int16, message: String?) in
                // Name is not nullable before v6: echo what was asked for.
                results.set(index, .init(
                    name: topic?.name ?? entry.name ?? (version >= 6 ? nil : ""), topicId: topic?.id.kafkaUUID ?? entry.topicId,
                    errorCode: code, errorMessage: message))
            }
            let key = entry.topicId != .zero ? "id:\(entry.topicId)" : "name:\(entry.name ?? "")"
            if repeated.contains(key) {
                answer(nil, ErrorCode.invalidRequest.rawValue, "the topic is named more than once in the request")
                continue
            }
            switch resolveDeletion(entry) {
            case .failure(let refusal):
                answer(nil, refusal.code.rawValue, refusal.message)
            case .success(let topic):
                let id = topic.id
                submitAndWaitHere(.deleteTopic(id), until: { $0.topic(id: id) == nil }) { code, message in
                    // The controller says unknown topic; a request by id expects UNKNOWN_TOPIC_ID.
                    let byID = entry.topicId != .zero && code == ErrorCode.unknownTopicOrPartition.rawValue
                    answer(topic, byID ? ErrorCode.unknownTopicId.rawValue : code, message)
                }
            }
        }
    }

    /// The topic a DeleteTopics entry names, or why it cannot be deleted.
    private func resolveDeletion(_ entry: DeleteTopicsRequest.DeleteTopicState) -> Result<Topic, AdminRefusal> {
        let state = node.applier.state
        let topic: Topic
        if entry.topicId != .zero {
            guard entry.name == nil else {
                return .failure(AdminRefusal(code: .invalidRequest, message: "name a topic by its name or by its id, not both"))
            }
            guard let byID = state.topics.first(where: { $0.id.kafkaUUID == entry.topicId }) else {
                return .failure(AdminRefusal(code: .unknownTopicId, message: "no topic has id \(entry.topicId)"))
            }
            topic = byID
        } else {
            guard let name = entry.name, !name.isEmpty else {
                return .failure(AdminRefusal(code: .invalidRequest, message: "a topic to delete needs a name or an id"))
            }
            guard let byName = state.topic(named: name) else {
                return .failure(AdminRefusal(code: .unknownTopicOrPartition, message: "topic \(name) does not exist"))
            }
            topic = byName
        }
        // The group coordinators live in this topic's partitions; deleting it would lose every
        // group's offsets and leave coordinators without a log.
        guard topic.name != Self.offsetsTopic else {
            return .failure(AdminRefusal(code: .invalidRequest, message: "\(Self.offsetsTopic) is internal and cannot be deleted"))
        }
        return .success(topic)
    }

    // MARK: - CreatePartitions

    func createPartitions(_ request: CreatePartitionsRequest, respond: Responder) {
        let repeated = Self.repeatedKeys(request.topics.map(\.name))
        let results = Collector<CreatePartitionsResponse.CreatePartitionsTopicResult>(count: request.topics.count) { results in
            respond(CreatePartitionsResponse(results: results))
        }
        for (index, wanted) in request.topics.enumerated() {
            let answer = { (code: Int16, message: String?) in
                results.set(index, .init(name: wanted.name, errorCode: code, errorMessage: message))
            }
            guard !repeated.contains(wanted.name) else {
                answer(ErrorCode.invalidRequest.rawValue, "topic \(wanted.name) is named more than once in the request")
                continue
            }
            guard let topic = node.applier.state.topic(named: wanted.name) else {
                answer(ErrorCode.unknownTopicOrPartition.rawValue, "topic \(wanted.name) does not exist")
                continue
            }
            if let refusal = Self.refusal(growing: topic, to: wanted) {
                answer(refusal.code.rawValue, refusal.message)
                continue
            }
            if request.validateOnly {
                answer(0, nil)
                continue
            }
            let id = topic.id, count = wanted.count
            submitAndWaitHere(.createPartitions(topic: id, totalCount: count), until: { state in
                state.topic(id: id).map { $0.partitionCount >= count } ?? true
            }, completion: answer)
        }
    }

    /// Why `topic` cannot grow as `wanted` asks; nil when it can (the controller still checks
    /// the replicas it can place).
    static func refusal(growing topic: Topic, to wanted: CreatePartitionsRequest.CreatePartitionsTopic) -> AdminRefusal? {
        if let assignments = wanted.assignments, !assignments.isEmpty {
            return AdminRefusal(code: .invalidRequest, message: "manual replica assignments are not supported; the controller places replicas")
        }
        if wanted.count < topic.partitionCount {
            return AdminRefusal(
                code: .invalidPartitions,
                message: "topic \(topic.name) has \(topic.partitionCount) partitions, more than the \(wanted.count) asked for; partitions are never removed")
        }
        if wanted.count == topic.partitionCount {
            return AdminRefusal(code: .invalidPartitions, message: "topic \(topic.name) already has \(topic.partitionCount) partitions")
        }
        if wanted.count > MetadataLimits.partitionCountMax {
            return AdminRefusal(code: .invalidPartitions, message: "at most \(MetadataLimits.partitionCountMax) partitions per topic")
        }
        return nil
    }

    // MARK: - DescribeConfigs

    func describeConfigs(_ request: DescribeConfigsRequest) -> DescribeConfigsResponse {
        let results = request.resources.map { resource -> DescribeConfigsResponse.DescribeConfigsResult in
            let entries: Result<[DescribeConfigsResponse.DescribeConfigsResourceResult], AdminRefusal>
            switch resource.resourceType {
            case ConfigResourceType.topic:
                if let topic = node.applier.state.topic(named: resource.resourceName) {
                    entries = .success(Self.topicConfigEntries(
                        topic.configs, defaults: node.config.log, keys: resource.configurationKeys,
                        includeSynonyms: request.includeSynonyms, includeDocumentation: request.includeDocumentation))
                } else {
                    entries = .failure(AdminRefusal(code: .unknownTopicOrPartition, message: "topic \(resource.resourceName) does not exist"))
                }
            case ConfigResourceType.broker:
                entries = brokerConfigEntries(named: resource.resourceName, keys: resource.configurationKeys)
            default:
                entries = .failure(AdminRefusal(code: .invalidRequest, message: "config resource type \(resource.resourceType) is not supported"))
            }
            switch entries {
            case .success(let configs):
                return .init(errorCode: 0, errorMessage: nil, resourceType: resource.resourceType, resourceName: resource.resourceName, configs: configs)
            case .failure(let refusal):
                return .init(
                    errorCode: refusal.code.rawValue, errorMessage: refusal.message, resourceType: resource.resourceType,
                    resourceName: resource.resourceName, configs: [])
            }
        }
        return DescribeConfigsResponse(results: results)
    }

    /// A topic's configs as DescribeConfigs lists them: every ``TopicConfigKey`` (those in
    /// `keys` only, unknown names left out as Kafka does), the override when set (source
    /// DYNAMIC_TOPIC_CONFIG), else the node's default (DEFAULT_CONFIG, `isDefault`).
    ///
    /// The defaults are the answering node's `[log]` settings; nodes configured differently
    /// answer differently, and retention follows each node's own.
    static func topicConfigEntries(
        _ configs: TopicConfigs, defaults: NodeConfig.LogDefaults, keys: [String]?, includeSynonyms: Bool, includeDocumentation: Bool
    ) -> [DescribeConfigsResponse.DescribeConfigsResourceResult] {
        let wanted = keys.map(Set.init)
        return TopicConfigKey.allCases.sorted().compactMap { key in
            guard wanted?.contains(key.rawValue) ?? true else { return nil }
            let described = describe(key, configs: configs, defaults: defaults)
            var synonyms: [DescribeConfigsResponse.DescribeConfigsSynonym] = []
            if includeSynonyms {
                if let override = described.override {
                    synonyms.append(.init(name: key.rawValue, value: override, source: ConfigSource.dynamicTopicConfig))
                }
                synonyms.append(.init(name: described.brokerName, value: described.defaultValue, source: ConfigSource.defaultConfig))
            }
            return .init(
                name: key.rawValue, value: described.override ?? described.defaultValue, readOnly: false,
                isDefault: described.override == nil,
                configSource: described.override == nil ? ConfigSource.defaultConfig : ConfigSource.dynamicTopicConfig,
                isSensitive: false, synonyms: synonyms, configType: described.type,
                documentation: includeDocumentation ? described.documentation : nil)
        }
    }

    /// What DescribeConfigs says of one topic config key.
    private struct DescribedKey {
        var override: String?
        var defaultValue: String
        /// The broker-level config Kafka names as this key's default (a synonym).
        var brokerName: String
        var type: Int8
        var documentation: String
    }

    private static func describe(_ key: TopicConfigKey, configs: TopicConfigs, defaults: NodeConfig.LogDefaults) -> DescribedKey {
        switch key {
        case .retentionMs:
            DescribedKey(
                override: configs.retentionMs.map { "\($0)" }, defaultValue: "\(defaults.retentionMs ?? -1)", brokerName: "log.retention.ms",
                type: ConfigType.long, documentation: "Segments whose newest record is older than this many milliseconds are deleted; -1 keeps them.")
        case .retentionBytes:
            DescribedKey(
                override: configs.retentionBytes.map { "\($0)" }, defaultValue: "\(defaults.retentionBytes ?? -1)", brokerName: "log.retention.bytes",
                type: ConfigType.long, documentation: "The oldest segments of a partition are deleted while it holds more than this many bytes; -1: no limit.")
        case .segmentBytes:
            DescribedKey(
                override: configs.segmentBytes.map { "\($0)" }, defaultValue: "\(defaults.segmentBytes)", brokerName: "log.segment.bytes",
                type: ConfigType.int, documentation: "A partition's active segment rolls before it would pass this many bytes.")
        case .cleanupPolicy:
            DescribedKey(
                override: nil, defaultValue: "delete", brokerName: "log.cleanup.policy",
                type: ConfigType.list, documentation: "Only delete: old segments are deleted by retention (compaction is not supported).")
        }
    }

    /// This node's settings as broker configs: static (from its TOML file), so read-only.
    /// Kafka answers only for itself (or for the empty name, the cluster default).
    private func brokerConfigEntries(named name: String, keys: [String]?) -> Result<[DescribeConfigsResponse.DescribeConfigsResourceResult], AdminRefusal> {
        guard name.isEmpty || name == "\(node.config.nodeID)" else {
            return .failure(AdminRefusal(code: .invalidRequest, message: "this is broker \(node.config.nodeID); ask broker \(name) for its configs"))
        }
        let log = node.config.log, kafka = node.config.kafka
        let all: [(String, String, Int8)] = [
            ("auto.create.topics.enable", "\(kafka.autoCreateTopics)", ConfigType.boolean),
            ("default.replication.factor", "\(kafka.defaultReplicationFactor)", ConfigType.short),
            ("log.cleanup.policy", "delete", ConfigType.list),
            ("log.retention.bytes", "\(log.retentionBytes ?? -1)", ConfigType.long),
            ("log.retention.ms", "\(log.retentionMs ?? -1)", ConfigType.long),
            ("log.roll.ms", "\(log.segmentMs)", ConfigType.long),
            ("log.segment.bytes", "\(log.segmentBytes)", ConfigType.int),
            ("num.partitions", "\(kafka.defaultPartitionCount)", ConfigType.int),
        ]
        let wanted = keys.map(Set.init)
        return .success(all.filter { wanted?.contains($0.0) ?? true }.map { name, value, type in
            .init(
                name: name, value: value, readOnly: true, isDefault: false, configSource: ConfigSource.staticBrokerConfig,
                isSensitive: false, synonyms: [], configType: type, documentation: nil)
        })
    }

    // MARK: - IncrementalAlterConfigs

    func incrementalAlterConfigs(_ request: IncrementalAlterConfigsRequest, respond: Responder) {
        let repeated = Self.repeatedKeys(request.resources.map { "\($0.resourceType):\($0.resourceName)" })
        let results = Collector<IncrementalAlterConfigsResponse.AlterConfigsResourceResponse>(count: request.resources.count) { results in
            respond(IncrementalAlterConfigsResponse(responses: results))
        }
        for (index, resource) in request.resources.enumerated() {
            let answer = { (code: Int16, message: String?) in
                results.set(index, .init(errorCode: code, errorMessage: message, resourceType: resource.resourceType, resourceName: resource.resourceName))
            }
            guard !repeated.contains("\(resource.resourceType):\(resource.resourceName)") else {
                answer(ErrorCode.invalidRequest.rawValue, "the resource is named more than once in the request")
                continue
            }
            switch prepareAlteration(of: resource) {
            case .failure(let refusal):
                answer(refusal.code.rawValue, refusal.message)
            case .success(nil):
                answer(0, nil)
            case .success(let (topic, update)?):
                if request.validateOnly { answer(0, nil); continue }
                let id = topic.id
                submitAndWaitHere(.alterTopicConfigs(topic: id, update: update), until: { state in
                    state.topic(id: id).map { Self.shows(update, in: $0.configs) } ?? true
                }, completion: answer)
            }
        }
    }

    /// The topic and the update one resource asks for; nil when there is nothing to change
    /// (an empty list, or only `cleanup.policy=delete`).
    private func prepareAlteration(
        of resource: IncrementalAlterConfigsRequest.AlterConfigsResource
    ) -> Result<(Topic, TopicConfigUpdate)?, AdminRefusal> {
        switch resource.resourceType {
        case ConfigResourceType.topic:
            guard let topic = node.applier.state.topic(named: resource.resourceName) else {
                return .failure(AdminRefusal(code: .unknownTopicOrPartition, message: "topic \(resource.resourceName) does not exist"))
            }
            return Self.topicConfigUpdate(resource.configs).map { update in
                update.set.overrides.isEmpty && update.reset.isEmpty ? nil : (topic, update)
            }
        case ConfigResourceType.broker where resource.configs.isEmpty:
            return .success(nil)
        case ConfigResourceType.broker:
            return .failure(AdminRefusal(code: .invalidRequest, message: "broker configs are static: set them in the node's TOML file"))
        default:
            return .failure(AdminRefusal(code: .invalidRequest, message: "config resource type \(resource.resourceType) is not supported"))
        }
    }

    /// The change a list of incremental config operations on a topic asks for: SET sets an
    /// override, DELETE drops it (the node's default applies again). APPEND and SUBTRACT are
    /// for list configs, and Tributary's only list config accepts one value.
    static func topicConfigUpdate(_ operations: [IncrementalAlterConfigsRequest.AlterableConfig]) -> Result<TopicConfigUpdate, AdminRefusal> {
        guard Self.repeatedKeys(operations.map(\.name)).isEmpty else {
            return .failure(AdminRefusal(code: .invalidRequest, message: "a config is named more than once"))
        }
        var update = TopicConfigUpdate()
        for operation in operations {
            switch operation.configOperation {
            case ConfigOperation.set:
                guard let value = operation.value else {
                    return .failure(AdminRefusal(code: .invalidRequest, message: "SET \(operation.name) needs a value"))
                }
                do { try update.set.set(operation.name, to: value) } catch {
                    return .failure(AdminRefusal(code: ErrorCode(rawValue: error.kafkaErrorCode), message: error.message))
                }
            case ConfigOperation.delete:
                guard let key = TopicConfigKey(rawValue: operation.name) else {
                    return .failure(AdminRefusal(code: .invalidConfig, message: "unsupported topic config \"\(operation.name)\""))
                }
                update.reset.append(key)
            case ConfigOperation.append, ConfigOperation.subtract:
                return .failure(AdminRefusal(
                    code: .invalidRequest, message: "APPEND and SUBTRACT are not supported (\(operation.name)); use SET or DELETE"))
            default:
                return .failure(AdminRefusal(code: .invalidRequest, message: "unknown config operation \(operation.configOperation)"))
            }
        }
        return .success(update)
    }

    /// Whether `configs` has every override `update` sets and none of those it drops.
    static func shows(_ update: TopicConfigUpdate, in configs: TopicConfigs) -> Bool {
        let current = Dictionary(configs.overrides.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
        return update.set.overrides.allSatisfy { current[$0.name] == $0.value } && update.reset.allSatisfy { current[$0.rawValue] == nil }
    }

    // MARK: - Shared

    /// Submits `command` and completes with Kafka's error code and message: 0 once the
    /// controller applied it and this node shows it (`isVisible`, waited for at most
    /// ``appliedHereWaitMax``), the controller's code when it rejected it, NOT_CONTROLLER
    /// (clients retry) when no controller leader could take it.
    func submitAndWaitHere(
        _ command: MetadataCommand, until isVisible: @escaping (ClusterMetadataState) -> Bool,
        completion: @escaping (_ code: Int16, _ message: String?) -> Void
    ) {
        guard let controller = node.controller else { return completion(ErrorCode.notController.rawValue, "the node is starting") }
        controller.submit(command) { [weak self] result in
            switch result {
            case .success:
                guard let self else { return completion(0, nil) }
                whenAppliedHere(isVisible) { completion(0, nil) }
            case .failure(.rejected(let code, let message)):
                completion(code, message)
            case .failure(.unavailable(let why)):
                completion(ErrorCode.notController.rawValue, why)
            }
        }
    }

    /// Runs `body` once this node's applied metadata satisfies `isVisible`, or after
    /// ``appliedHereWaitMax`` (the change is committed either way; this node only lags).
    func whenAppliedHere(_ isVisible: @escaping (ClusterMetadataState) -> Bool, _ body: @escaping () -> Void) {
        if isVisible(node.applier.state) { return body() }
        let pollCountMax = Int(Self.appliedHereWaitMax / Self.appliedHerePollInterval)
        precondition(pollCountMax >= 1, "the wait for local application must allow at least one poll")
        let timer = LoopTimer(loop: node.loop)
        var polls = 0
        timer.schedule(after: Self.appliedHerePollInterval, repeating: Self.appliedHerePollInterval) { [weak self] in
            polls += 1
            let visible = self.map { isVisible($0.node.applier.state) } ?? true
            guard visible || polls >= pollCountMax else { return }
            if !visible { self?.logger.info("Kafka: an applied admin command is not visible on this node after \(Self.appliedHereWaitMax); answering anyway") }
            timer.close()
            body()
        }
    }

    /// The keys that occur more than once.
    static func repeatedKeys(_ keys: [String]) -> Set<String> {
        var seen: Set<String> = [], repeated: Set<String> = []
        for key in keys where !seen.insert(key).inserted { repeated.insert(key) }
        return repeated
    }
}

/// Collects the answers to a request's entries, which complete in any order, and hands them
/// over in request order once the last one is in. Loop thread only.
private final class Collector<Answer> {
    private var answers: [Answer?]
    private var remaining: Int
    private let finish: ([Answer]) -> Void

    init(count: Int, finish: @escaping ([Answer]) -> Void) {
        answers = Array(repeating: nil, count: count)
        remaining = count
        self.finish = finish
        if count == 0 { finish([]) }
    }

    func set(_ index: Int, _ answer: Answer) {
        precondition(answers[index] == nil, "entry \(index) of an admin request was answered twice")
        answers[index] = answer
        remaining -= 1
        precondition(remaining >= 0, "an admin request got more answers than entries")
        if remaining == 0 { finish(answers.map { $0! }) }
    }
}
