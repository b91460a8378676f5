import ChaosCheck
import Foundation
import TributaryClient

/// Settings of one run (see `chaos-run --help`).
public struct RunOptions: Sendable {
    public var repoRoot: String
    public var nodes = 3, partitions = 6, replication = 3, durationSeconds = 60, portBase = 20200
    public var faults: [FaultKind] = [.kill, .pause, .partition]
    public var seed: UInt64 = 42
    public var debug = false, unsafeAckBeforeCommit = false, unsafePowerLoss = false
    public var recoverySecondsMax = 60.0
    public init(repoRoot: String) { self.repoRoot = repoRoot }
}

/// One chaos run: cluster up, workload and faults, heal, dumps, check, report.
public final class ChaosRun: @unchecked Sendable {
    let options: RunOptions
    public let folder: String
    let cluster: ClusterControl
    let network: Network
    let log: FileHandleBox

    public init(options: RunOptions) throws {
        self.options = options
        let stamp = ISO8601DateFormatter().string(from: Date()).replacingOccurrences(of: ":", with: "")
        folder = "\(options.repoRoot)/chaos/.runs/\(stamp)-seed\(options.seed)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: folder + "/harness.log", contents: nil),
              let handle = FileHandle(forWritingAtPath: folder + "/harness.log") else {
            throw HarnessError("cannot write \(folder)/harness.log")
        }
        log = FileHandleBox(handle)
        cluster = ClusterControl(repoRoot: options.repoRoot, dir: folder + "/cluster", nodeCount: options.nodes,
                                 portBase: options.portBase, log: log)
        network = Network(table: "trib_chaos_\(options.portBase)", log: log)
    }

    /// Stops everything this run started (safe to call twice, and from a signal handler).
    public func cleanup() async {
        await network.heal()
        await cluster.down()
    }

    /// Runs; returns the exit status (0 clean, 1 anomalies, 2 harness error).
    public func run() async -> Int32 {
        print("chaos-run: run folder \(folder)")
        let status: Int32
        do { status = try await runChecked() } catch {
            print("chaos-run: harness error: \(error)")
            status = 2
        }
        await cleanup()
        print("chaos-run: exit \(status); the run is in \(folder) (history.jsonl, replicas/, report.txt, report.json, faults.json, timeline.png, cluster/node*/node.log)")
        return status
    }

    private func runChecked() async throws -> Int32 {
        var flags = options.debug ? ["--debug"] : []
        if options.unsafeAckBeforeCommit { flags.append("--unsafe-ack-before-commit") }
        if options.unsafePowerLoss || options.faults.contains(where: \.needsSimulatedPowerLoss) {
            flags.append("--unsafe-power-loss")
        }
        print("chaos-run: starting \(options.nodes) nodes (cluster/up \(flags.joined(separator: " ")))")
        try await cluster.up(extraFlags: flags)
        let topic = "chaos"
        try await createTopic(topic)
        let history = try HistoryRecorder(path: folder + "/history.jsonl")
        let state = WorkloadState()
        let workload = Workload(options: WorkloadOptions(
            topic: topic, partitionCount: options.partitions, producerCount: 4, processesPerProducer: 2,
            consumerCount: 2, operationTimeoutSeconds: 20, bootstrap: cluster.bootstrap), history: history, state: state)
        let injector = FaultInjector(cluster: cluster, network: network, history: history, kinds: options.faults,
                                     topic: topic, seed: options.seed)
        let endNanos = Int64(options.durationSeconds) * 1_000_000_000
        let workloadTask = Task { await workload.run() }
        let faultTask = Task { await injector.run(until: { history.nowNanos() >= endNanos }) }
        while history.nowNanos() < endNanos {
            try? await Task.sleep(nanoseconds: 5_000_000_000)
            let c = history.counts()
            print("chaos-run: \(history.nowNanos() / 1_000_000_000) s  ok \(c.ok)  fail \(c.fail)  info \(c.info)  fault: \(injector.currentFault)")
        }
        await faultTask.value
        await injector.healAll()
        history.record(process: nil, type: .info, .fault(FaultOperation(kind: "heal", targets: cluster.nodeIDs.map { "n\($0)" })))
        // Producers stop; consumers read on to the end (bounded), so that every value is polled.
        let healedAt = history.nowNanos()
        state.stopProducers()
        if case .timedOut = await withDeadline(seconds: options.recoverySecondsMax, { await workloadTask.value }) {
            print("chaos-run: consumers did not drain within \(options.recoverySecondsMax) s; stopping them")
        }
        state.stop()
        await workloadTask.value
        history.flush()
        let views = try await waitConverged()
        print("chaos-run: consumers drained and replicas agreed \(String(format: "%.1f", Double(history.nowNanos() - healedAt) / 1e9)) s after healing")
        await cluster.down()
        let dumps = try ReplicaDump.write(cluster: cluster, topic: topic, views: views, to: folder + "/replicas")
        print("chaos-run: wrote \(dumps) replica dumps")
        let status = try report(injector: injector, state: state)
        try writeFaultWindows(injector.windows)
        await plot()
        return status
    }

    private func createTopic(_ topic: String) async throws {
        let client = try KafkaClient(bootstrapServers: cluster.bootstrap, options: Workload.clientOptions())
        defer { Task { await client.close() } }
        let admin = Admin(client: client, operationTimeout: .seconds(30))
        let outcome = await withDeadline(seconds: 60) {
            try await admin.createTopic(NewTopic(topic, partitionCount: Int32(self.options.partitions),
                                                 replicationFactor: Int16(self.options.replication)))
        }
        guard case .value = outcome else { throw HarnessError("could not create topic \(topic): \(outcome)") }
    }

    private func waitConverged() async throws -> [ClusterControl.NodeView] {
        let deadline = Date().addingTimeInterval(options.recoverySecondsMax)
        var problem = "not checked"
        while Date() < deadline {
            switch await cluster.convergence() {
            case .converged(let views): return views
            case .waiting(let why): problem = why
            }
            try? await Task.sleep(nanoseconds: 200_000_000)
        }
        throw HarnessError("the cluster did not converge within \(options.recoverySecondsMax) s after healing: \(problem)")
    }

    /// One line per fault: when, how long, what it hit, the ok sends per second while it held
    /// (availability, beside the run's average) and the time from its heal to the next ok send.
    private func faultTable(_ windows: [FaultWindow], state: WorkloadState) -> String {
        let runNanos = max(1, Int64(options.durationSeconds) * 1_000_000_000)
        let average = Double(state.okCount(from: 0, to: runNanos)) / (Double(runNanos) / 1e9)
        var text = String(format: "\nfaults (average %.0f ok sends/s over the run)\n", average)
        text += "kind               at s   held s  ok sends/s  recovery  targets\n"
        for w in windows {
            let held = Double(w.healed - w.start) / 1e9
            let rate = Double(state.okCount(from: w.start, to: w.healed)) / max(held, 0.001)
            let recovery = state.firstOk(after: w.healed).map { String(format: "%.1f s", Double(max(0, $0 - w.healed)) / 1e9) } ?? "none"
            text += w.kind.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)
                + String(format: " %6.1f  %7.1f  %10.0f  ", Double(w.start) / 1e9, held, rate)
                + String(repeating: " ", count: max(0, 8 - recovery.count)) + recovery + "  " + w.targets.joined(separator: " ") + "\n"
        }
        return text
    }

    /// `faults.json`: each fault's kind, targets, and its injection and heal times in seconds,
    /// for the timeline plot and for anyone reading the run.
    private func writeFaultWindows(_ windows: [FaultWindow]) throws {
        let list = windows.map { w -> [String: Any] in
            ["kind": w.kind.rawValue, "targets": w.targets, "start_s": Double(w.start) / 1e9, "healed_s": Double(w.healed) / 1e9]
        }
        try JSONSerialization.data(withJSONObject: list, options: [.prettyPrinted, .sortedKeys])
            .write(to: URL(fileURLWithPath: folder + "/faults.json"))
    }

    /// `timeline.png` through chaos/plot.py; a plot that cannot be drawn (no matplotlib) is
    /// reported and never changes the run's outcome.
    private func plot() async {
        // chaos/run points CHAOS_PLOT_PYTHON at an environment that has matplotlib.
        let python = ProcessInfo.processInfo.environment["CHAOS_PLOT_PYTHON"] ?? "python3"
        let result = await Shell.run([python, options.repoRoot + "/chaos/plot.py", folder], timeoutSeconds: 120)
        print(result.status == 0 ? "chaos-run: drew \(folder)/timeline.png"
              : "chaos-run: no timeline plot (chaos/plot.py: \(result.output.suffix(300)))")
    }

    private func report(injector: FaultInjector, state: WorkloadState) throws -> Int32 {
        var reader = try HistoryReader(path: folder + "/history.jsonl")
        var dumps = try ReplicaDumpReader.dumpPaths(in: folder + "/replicas")
        dumps.reverse()
        let report = try Check.run(history: &reader, replicas: { () throws(InputError) -> ReplicaLog? in
            guard let path = dumps.popLast() else { return nil }
            return try ReplicaDumpReader.read(path: path)
        }, options: CheckOptions())
        let text = report.text + faultTable(injector.windows, state: state)
        print(text, terminator: "")
        try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/report.txt"))
        try Data(report.json().utf8).write(to: URL(fileURLWithPath: folder + "/report.json"))
        return report.isValid ? 0 : 1
    }
}
