import ArgumentParser
import KafkaProtocol
import TributaryClient

/// `tributary nodes ...`: the cluster's nodes.
struct NodesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nodes",
        abstract: "List the cluster's nodes, and decommission one.",
        subcommands: [NodesListCommand.self, NodesDecommissionCommand.self])
}

/// `tributary nodes list`.
struct NodesListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "Print every live node, one per line: id, Kafka address, and whether it is the controller leader.")

    @OptionGroup var cluster: ClusterOptions

    func run() async throws {
        try await cluster.withClient("nodes list") { client in
            let metadata = try await client.refreshMetadata(topics: [])
            for broker in metadata.brokers.values.sorted(by: { $0.nodeId < $1.nodeId }) {
                print("\(broker.nodeId)\t\(broker.host):\(broker.port)\(broker.nodeId == metadata.controllerId ? "\tcontroller" : "")")
            }
        }
    }
}

/// `tributary nodes decommission ID`.
struct NodesDecommissionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "decommission",
        abstract: "Move every replica off a node, then remove it from the cluster.",
        discussion: """
            Sends Kafka's UnregisterBroker to the controller. The controller gives each \
            partition on the node a new replica set without it; each partition's leader adds \
            the new replica, lets it catch up, and removes the old one (Raft membership changes, \
            one at a time); once no partition needs the node, it is removed and may be stopped. \
            The node keeps serving meanwhile, so no replica goes missing. This command returns \
            once the decommission is recorded; `tributary topics describe` shows the replicas \
            move. A removed node's id cannot rejoin.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The node's id.")
    var node: Int32

    func validate() throws {
        guard node >= 0 else { throw ValidationError("the node id must be 0 or more, not \(node)") }
    }

    func run() async throws {
        try await cluster.withClient("nodes decommission") { client in
            let metadata = try await client.refreshMetadata(topics: [])
            guard let controller = metadata.brokers[metadata.controllerId],
                  let port = UInt16(exactly: controller.port) else {
                throw CommandFailure("no controller leader is known now; try again")
            }
            let connection = try await AdminConnection.open(
                serving: .unregisterBroker, named: "UnregisterBroker", at: BrokerAddress(host: controller.host, port: port), client: client)
            defer { connection.close() }
            let response = try await connection.send(UnregisterBrokerRequest(brokerId: node))
            let code = ErrorCode(rawValue: response.errorCode)
            guard code == .noError else {
                throw CommandFailure("decommission node \(node): \(code)\(response.errorMessage.map { ": \($0)" } ?? "")")
            }
            print(response.errorMessage ?? "node \(node) is being decommissioned: its replicas move to other nodes, then it is removed")
        }
    }
}
