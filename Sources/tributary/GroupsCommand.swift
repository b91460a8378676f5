import ArgumentParser
import KafkaProtocol
import TributaryClient

/// `tributary groups ...`: consumer groups.
struct GroupsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "groups",
        abstract: "List and describe consumer groups.",
        discussion: """
            Uses ListGroups (asked of every broker) and FindCoordinator with DescribeGroups. \
            When the cluster does not serve them yet, says so and exits with status 1.
            """,
        subcommands: [GroupsListCommand.self, GroupsDescribeCommand.self])
}

/// `tributary groups list`.
struct GroupsListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print every group, one per line: id, state and protocol type.")

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        try await cluster.withClient("groups list") { client in
            var groups: [String: ListGroupsResponse.ListedGroup] = [:]
            for broker in try await AdminConnection.brokers(of: client) {
                let connection = try await AdminConnection.open(
                    serving: .listGroups, named: "ListGroups", at: broker.address, client: client)
                defer { connection.close() }
                let response = try await connection.send(ListGroupsRequest())
                let code = ErrorCode(rawValue: response.errorCode)
                guard code == .noError else { throw CommandFailure("ListGroups on broker \(broker.nodeId): \(code)") }
                for group in response.groups { groups[group.groupId] = group }
            }
            for group in groups.values.sorted(by: { $0.groupId < $1.groupId }) {
                print("\(group.groupId)\t\(group.groupState.isEmpty ? "-" : group.groupState)\t\(group.protocolType.isEmpty ? "-" : group.protocolType)")
            }
        }
    }
}

/// `tributary groups describe GROUP`.
struct GroupsDescribeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Print a group's state, members with their partitions, and committed offsets with their lag.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The group's id.")
    var group: String

    func run() async throws {
        try await cluster.withClient("groups describe") { client in
            let coordinator = try await client.findCoordinator(group: group)
            let connection = try await AdminConnection.open(
                serving: .describeGroups, named: "DescribeGroups", at: coordinator, client: client)
            defer { connection.close() }
            let response = try await connection.send(DescribeGroupsRequest(groups: [group]))
            guard let described = response.groups.first(where: { $0.groupId == group }) else {
                throw CommandFailure("DescribeGroups answered without group \(group)")
            }
            let code = ErrorCode(rawValue: described.errorCode)
            guard code == .noError else { throw CommandFailure("describe group \(group): \(code)") }
            // Kafka's answer for a group id the coordinator never saw (nor any offsets of).
            guard described.groupState != "Dead" else { throw CommandFailure("group \(group) does not exist") }
            print(Self.describe(described, coordinator: coordinator))
            try await printOffsets(on: connection, client: client)
        }
    }

    /// One line per partition the group committed an offset for, with the partition's end and
    /// the lag between them (what `kafka-consumer-groups --describe` shows).
    private func printOffsets(on connection: BrokerConnection, client: KafkaClient) async throws {
        let response = try await connection.send(OffsetFetchRequest(groupId: group, topics: nil))
        let code = ErrorCode(rawValue: response.errorCode)
        guard code == .noError else { throw CommandFailure("committed offsets of group \(group): \(code)") }
        let ends = try Consumer(client: client)
        for topic in response.topics.sorted(by: { $0.name < $1.name }) {
            for partition in topic.partitions.sorted(by: { $0.partitionIndex < $1.partitionIndex }) where partition.committedOffset >= 0 {
                let end = try await ends.resolve(.latest, for: TopicPartition(topic.name, partition.partitionIndex))
                print("\tTopic: \(topic.name)\tPartition: \(partition.partitionIndex)\tCommitted: \(partition.committedOffset)"
                    + "\tEnd: \(end)\tLag: \(max(0, end - partition.committedOffset))")
            }
        }
    }

    /// The group's lines: a header, then one line per member with its assigned partitions.
    static func describe(_ group: DescribeGroupsResponse.DescribedGroup, coordinator: BrokerAddress) -> String {
        var lines = ["Group: \(group.groupId)\tState: \(group.groupState)\tProtocol: \(group.protocolType)/\(group.protocolData)"
            + "\tCoordinator: \(coordinator)\tMembers: \(group.members.count)"]
        for member in group.members {
            var partitions = "-"
            if group.protocolType == "consumer", !member.memberAssignment.isEmpty,
               let assignment = try? ConsumerProtocolAssignment(versionPrefixed: member.memberAssignment) {
                partitions = assignment.assignedPartitions.flatMap { topic in
                    topic.partitions.sorted().map { "\(topic.topic)-\($0)" }
                }.joined(separator: ",")
            }
            lines.append("\tMember: \(member.memberId)\tClient: \(member.clientId)@\(member.clientHost)\tPartitions: \(partitions)")
        }
        return lines.joined(separator: "\n")
    }
}
