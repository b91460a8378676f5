import ArgumentParser
import Foundation
import Logging
import Node

/// `tributary serve`: runs a node until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run a Tributary node.",
        discussion: """
            Reads the node's TOML configuration (every setting is documented in \
            cluster/example/node.toml), claims its data directory (refusing another node's or \
            cluster's), and serves until SIGTERM or SIGINT, on which it hands leadership of its \
            Raft groups to other replicas and exits 0.
            """)

    @Option(name: .long, help: "The node's configuration file (TOML).")
    var config: String

    @Option(name: .customLong("set"), help: ArgumentHelp(
        "Override a setting: dotted.key=value (repeatable), e.g. --set raft.election_timeout_ms=500.",
        valueName: "key=value"))
    var overrides: [String] = []

    @Flag(help: "Check the configuration, print it, and exit.")
    var check = false

    func run() async throws {
        let text: String
        do { text = try String(contentsOfFile: config, encoding: .utf8) } catch {
            throw ValidationError("cannot read \(config): \(error.localizedDescription)")
        }
        let nodeConfig: NodeConfig
        do { nodeConfig = try NodeConfig.load(toml: text, overrides: overrides) } catch let error as ConfigError {
            throw ValidationError("\(config): \(error.message)")
        }
        if check {
            print("configuration ok: node \(nodeConfig.nodeID) of cluster '\(nodeConfig.clusterID)', data in \(nodeConfig.dataDirectory)")
            for warning in nodeConfig.unsafeTesting.warnings { print(warning) }
            return
        }
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "tributary.node")
        let server = try await NodeServer.start(config: nodeConfig, logger: logger)
        let signal = await TerminationSignal.next()
        logger.info("\(signal) received: shutting down")
        await server.stop()
        logger.info("stopped")
    }
}
