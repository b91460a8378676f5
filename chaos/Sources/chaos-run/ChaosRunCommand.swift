import ArgumentParser
import ChaosHarness
import Foundation
import Logging

@main
struct ChaosRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos-run",
        abstract: "Run a workload against a fresh local cluster while injecting faults, then check the history.",
        discussion: """
            Makes chaos/.runs/<timestamp>-seed<seed>/ with the cluster (node logs), history.jsonl, \
            replicas/, report.txt and report.json. Exit status: 0 no failing anomaly, 1 anomalies, \
            2 harness error. Needs root for nft (partition faults).
            """)

    @Option(help: "Nodes (1 to 16; past 5, nodes 1-3 are the controller voters and the rest its learners).") var nodes = 3
    @Option(help: "Partitions of the topic under test.") var partitions = 6
    @Option(help: "Replication factor of the topic.") var replication = 3
    @Option(help: "Seconds of workload with faults.") var duration = 60
    @Option(help: ArgumentHelp(
        "Comma-separated fault kinds: \(FaultKind.allCases.map(\.rawValue).joined(separator: ", ")).",
        discussion: "power-loss starts the nodes with [unsafe_testing] simulated_power_loss (a test-only setting)."))
    var faults = "kill,pause,partition"
    @Option(help: "Seed of the fault schedule.") var seed: UInt64 = 42
    @Option(help: "Port base for cluster/up (client P+92, peer P+93, admin P+644).") var portBase = 20200
    @Option(help: "Seconds to wait after healing for every group to have a leader and equal commit indexes.") var recoveryTimeout = 60.0
    @Flag(help: "Use a debug build of the node.") var debug = false
    @Flag(help: "Pass --unsafe-ack-before-commit to cluster/up (test-only node setting; the run must then fail).") var unsafeAckBeforeCommit = false
    @Flag(help: "Pass --unsafe-power-loss to cluster/up (test-only node setting).") var unsafePowerLoss = false
    @Option(help: "Repository root (default: the current directory).") var repo = FileManager.default.currentDirectoryPath

    func validate() throws {
        guard (1...16).contains(nodes) else { throw ValidationError("--nodes must be 1 to 16 (cluster/up's limit), not \(nodes)") }
        guard (1...nodes).contains(replication) else {
            throw ValidationError("--replication must be 1 to --nodes (\(nodes)), not \(replication)")
        }
        guard (1...1_000).contains(partitions) else { throw ValidationError("--partitions must be 1 to 1000, not \(partitions)") }
        guard duration >= 1 else { throw ValidationError("--duration must be at least 1 second") }
        guard (1024...64_000).contains(portBase) else { throw ValidationError("--port-base must be 1024 to 64000") }
    }

    func run() async throws {
        // The client's lost-connection warnings are what faults are for; only errors reach the terminal.
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .error
            return handler
        }
        var options = RunOptions(repoRoot: repo)
        options.nodes = nodes; options.partitions = partitions; options.replication = replication
        options.durationSeconds = duration; options.seed = seed; options.portBase = portBase
        options.debug = debug; options.unsafeAckBeforeCommit = unsafeAckBeforeCommit; options.unsafePowerLoss = unsafePowerLoss
        options.recoverySecondsMax = recoveryTimeout
        var kinds: [FaultKind] = []
        for name in faults.split(separator: ",") {
            guard let kind = FaultKind(rawValue: String(name)) else { throw ValidationError("unknown fault '\(name)'") }
            kinds.append(kind)
        }
        options.faults = kinds
        let run = try ChaosRun(options: options)
        let handler = SignalCleanup(run)
        handler.install()
        let status = await run.run()
        throw ExitCode(status)
    }
}

/// On SIGINT/SIGTERM: heal the network and stop the cluster, then exit 2.
final class SignalCleanup: @unchecked Sendable {
    let run: ChaosRun
    var sources: [DispatchSourceSignal] = []
    init(_ run: ChaosRun) { self.run = run }
    func install() {
        for sig in [SIGINT, SIGTERM] {
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler { [run] in
                print("chaos-run: signal \(sig): healing the network and stopping the cluster")
                let done = DispatchSemaphore(value: 0)
                Task { await run.cleanup(); done.signal() }
                done.wait()
                exit(2)
            }
            source.resume()
            sources.append(source)
        }
    }
}
