import ArgumentParser
import KafkaProtocol
import TributaryClient

/// `tributary topics ...`: create, list, describe, alter and delete topics.
struct TopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topics",
        abstract: "Create, list, describe, alter and delete topics.",
        discussion: """
            Talks to the cluster over the Kafka protocol (CreateTopics, Metadata, DeleteTopics, \
            CreatePartitions, IncrementalAlterConfigs, DeleteRecords). A request the cluster does not serve yet \
            fails with the broker's answer and exit status 1.
            """,
        subcommands: [
            TopicsCreateCommand.self, TopicsListCommand.self, TopicsDescribeCommand.self,
            TopicsAlterCommand.self, TopicsDeleteCommand.self, TopicsDeleteRecordsCommand.self,
        ])
}

/// `tributary topics create NAME`.
struct TopicsCreateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create",
        abstract: "Create a topic.",
        discussion: """
            Without --partitions or --replication-factor the broker's defaults apply. Exit \
            status 1 when the topic exists already or the broker refuses the settings.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The topic's name.")
    var name: String

    @Option(name: .long, help: "Partitions (default: the broker's).")
    var partitions: Int32?

    @Option(name: .customLong("replication-factor"), help: "Replicas of each partition (default: the broker's).")
    var replicationFactor: Int16?

    @Option(name: .customLong("config"), help: ArgumentHelp("A topic setting (repeatable), e.g. retention.ms=86400000.", valueName: "key=value"))
    var configs: [String] = []

    func validate() throws {
        guard !name.isEmpty else { throw ValidationError("the topic name is empty") }
        if let partitions, partitions < 1 { throw ValidationError("--partitions must be >= 1") }
        if let replicationFactor, replicationFactor < 1 { throw ValidationError("--replication-factor must be >= 1") }
        _ = try KeyValueSettings.parse(configs, flag: "--config")
    }

    func run() async throws {
        let topic = NewTopic(
            name, partitionCount: partitions ?? -1, replicationFactor: replicationFactor ?? -1,
            configs: try KeyValueSettings.parse(configs, flag: "--config"))
        try await cluster.withClient("topics create") { client in
            try await Admin(client: client).createTopic(topic)
            print("created topic \(name)")
        }
    }
}

/// `tributary topics list`.
struct TopicsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print the cluster's topics, one per line, sorted (internal topics left out).")

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        try await cluster.withClient("topics list") { client in
            for name in try await Admin(client: client).listTopics() { print(name) }
        }
    }
}

/// `tributary topics describe [NAME...]`.
struct TopicsDescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Print topics' partitions with their leader, replicas and in-sync replicas.",
        discussion: """
            One line per topic (`Topic: NAME  PartitionCount: N  ReplicationFactor: R`), then one \
            per partition (`Partition: P  Leader: L  Replicas: 1,2,3  Isr: 1,2,3`); a leader of -1 \
            means none is elected yet. Without names, every topic. Exit status 1 when a named \
            topic does not exist.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The topics (default: all).")
    var names: [String] = []

    func run() async throws {
        try await cluster.withClient("topics describe") { client in
            let topics = try await Admin(client: client).describeTopics(names.isEmpty ? nil : names)
            var missing: [String] = []
            for topic in topics where topic.error == .noError && !topic.isInternal {
                print(Self.describe(topic))
            }
            for topic in topics where topic.error != .noError { missing.append("\(topic.name): \(topic.error)") }
            missing += names.filter { name in !topics.contains { $0.name == name } }.map { "\($0): not in the metadata answer" }
            guard missing.isEmpty else { throw CommandFailure(missing.joined(separator: "; ")) }
        }
    }

    /// The topic's lines.
    static func describe(_ topic: TopicInfo) -> String {
        let factor = topic.partitions.first?.replicaIds.count ?? 0
        var lines = ["Topic: \(topic.name)\tPartitionCount: \(topic.partitions.count)\tReplicationFactor: \(factor)"]
        for partition in topic.partitions {
            let ids = { (nodes: [Int32]) in nodes.map(String.init).joined(separator: ",") }
            var line = "\tPartition: \(partition.partition)\tLeader: \(partition.leaderId)"
                + "\tReplicas: \(ids(partition.replicaIds))\tIsr: \(ids(partition.inSyncReplicaIds))"
            if partition.error != .noError { line += "\tError: \(partition.error)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// `tributary topics delete NAME`.
struct TopicsDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a topic and its data.",
        discussion: "Exit status 1 when the topic does not exist or the cluster does not serve DeleteTopics.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The topic's name.")
    var name: String

    func run() async throws {
        try await cluster.withClient("topics delete") { client in
            try await Admin(client: client).deleteTopic(name)
            print("deleted topic \(name)")
        }
    }
}

/// `tributary topics delete-records NAME --partition P --before OFFSET`.
struct TopicsDeleteRecordsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete-records",
        abstract: "Delete a partition's records before an offset.",
        discussion: """
            Moves the partition's log start to --before on every replica (Kafka's DeleteRecords) \
            and prints where the partition starts now. Records are removed in whole batches: for \
            an offset inside a batch the partition starts at that batch's first offset. --before \
            -1 deletes every committed record. Exit status 1 when the broker refuses (an offset \
            past the partition's end is OFFSET_OUT_OF_RANGE; internal topics are \
            INVALID_TOPIC_EXCEPTION).
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The topic's name.")
    var name: String

    @Option(name: .long, help: "The partition.")
    var partition: Int32

    @Option(name: .long, help: "The first offset to keep; -1 for the end of the committed records.")
    var before: Int64

    func validate() throws {
        guard partition >= 0 else { throw ValidationError("--partition must be >= 0") }
        guard before >= -1 else { throw ValidationError("--before must be an offset >= 0, or -1") }
    }

    func run() async throws {
        try await cluster.withClient("topics delete-records") { client in
            let start = try await Admin(client: client).deleteRecords(in: TopicPartition(name, partition), before: before)
            print("partition \(name)-\(partition) now starts at offset \(start)")
        }
    }
}
