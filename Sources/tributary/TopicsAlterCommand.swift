import ArgumentParser
import KafkaProtocol
import TributaryClient

/// `tributary topics alter NAME`: more partitions, or changed settings.
struct TopicsAlterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alter",
        abstract: "Grow a topic's partition count or change its settings.",
        discussion: """
            --partitions N raises the total partition count to N (Kafka never shrinks a topic; \
            keys then map to other partitions). --config key=value sets a topic setting and \
            --delete-config key removes it (back to the broker's default). Exit status 1 when the \
            broker refuses, or does not serve CreatePartitions or IncrementalAlterConfigs.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The topic's name.")
    var name: String

    @Option(name: .long, help: "The new total partition count.")
    var partitions: Int32?

    @Option(name: .customLong("config"), help: ArgumentHelp("A setting to set (repeatable).", valueName: "key=value"))
    var configs: [String] = []

    @Option(name: .customLong("delete-config"), help: ArgumentHelp("A setting to remove (repeatable).", valueName: "key"))
    var deletedConfigs: [String] = []

    func validate() throws {
        guard partitions != nil || !configs.isEmpty || !deletedConfigs.isEmpty else {
            throw ValidationError("say what to change: --partitions N, --config key=value or --delete-config key")
        }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be >= 1") }
        let set = try KeyValueSettings.parse(configs, flag: "--config")
        if let both = deletedConfigs.first(where: { set[$0] != nil }) {
            throw ValidationError("'\(both)' is both set (--config) and removed (--delete-config)")
        }
    }

    func run() async throws {
        let settings = try KeyValueSettings.parse(configs, flag: "--config")
        try await cluster.withClient("topics alter") { client in
            if let partitions {
                let outcomes = try await Admin(client: client).createPartitions([name: partitions])
                let code = outcomes[name] ?? .unknownServerError
                guard code == .noError else { throw CommandFailure("create partitions of \(name): \(code)") }
                print("topic \(name) now has \(partitions) partitions")
            }
            if !settings.isEmpty || !deletedConfigs.isEmpty {
                try await alterConfigs(settings, client: client)
                print("altered settings of topic \(name)")
            }
        }
    }

    /// Sends IncrementalAlterConfigs (SET and DELETE operations) to the controller, else any broker.
    private func alterConfigs(_ settings: [String: String], client: KafkaClient) async throws {
        let topicResourceType: Int8 = 2
        let setOperation: Int8 = 0
        let deleteOperation: Int8 = 1
        let changes = settings.sorted { $0.key < $1.key }.map {
            IncrementalAlterConfigsRequest.AlterableConfig(name: $0.key, configOperation: setOperation, value: $0.value)
        } + deletedConfigs.map {
            IncrementalAlterConfigsRequest.AlterableConfig(name: $0, configOperation: deleteOperation, value: nil)
        }
        let request = IncrementalAlterConfigsRequest(resources: [.init(
            resourceType: topicResourceType, resourceName: name, configs: changes)])
        let brokers = try await AdminConnection.brokers(of: client)
        let controllerId = await client.metadata.controllerId
        guard let target = brokers.first(where: { $0.nodeId == controllerId }) ?? brokers.first else {
            throw CommandFailure("the metadata names no broker")
        }
        let connection = try await AdminConnection.open(
            serving: .incrementalAlterConfigs, named: "IncrementalAlterConfigs", at: target.address, client: client)
        defer { connection.close() }
        let response = try await connection.send(request)
        for result in response.responses where result.errorCode != 0 {
            let code = ErrorCode(rawValue: result.errorCode)
            throw CommandFailure("alter settings of \(result.resourceName): \(code)" + (result.errorMessage.map { " (\($0))" } ?? ""))
        }
    }
}
