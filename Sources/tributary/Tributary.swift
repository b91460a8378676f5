import ArgumentParser
import Transport

/// The `tributary` command: one binary for running a node and for operating a cluster.
@main
struct Tributary: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tributary",
        abstract: "A consensus-replicated, Kafka-compatible streaming log.",
        discussion: """
            Every partition of every topic is its own Raft group; a controller Raft group \
            holds the cluster metadata. Clients speak the Kafka wire protocol; the client \
            commands (topics, produce, consume, groups, nodes, perf) find the cluster through \
            --bootstrap, else $TRIBUTARY_BOOTSTRAP, else 127.0.0.1:19092.
            """,
        version: TributaryVersion.description,
        subcommands: [
            ServeCommand.self, LogCommand.self, SimCommand.self,
            TopicsCommand.self, ProduceCommand.self, ConsumeCommand.self, GroupsCommand.self, NodesCommand.self, PerfCommand.self,
        ]
    )
}

/// The version this binary reports with `--version`.
enum TributaryVersion {
    static let number = "0.1.0-dev"
    static var description: String { "tributary \(number) (libuv \(LibUVVersion.string))" }
}
