import ArgumentParser
import ChaosCheck
import Foundation

/// `chaos-check`: checks a chaos run's history and replica dumps, prints the report, and exits
/// 0 when the run kept every promise, 1 on any anomaly, 2 when the inputs cannot be read.
@main
struct ChaosCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos-check",
        abstract: "Check a chaos run's history and final replica logs for anomalies.",
        discussion: """
            The history is JSON lines, one operation event per line; the replica dumps are one \
            JSON-lines file per partition per replica. chaos/README.md defines both formats and \
            every anomaly. Exit status: 0 clean, 1 anomalies found, 2 unreadable input.
            """
    )

    @Option(name: .long, help: "The history file (JSON lines).")
    var history: String

    @Option(name: .long, help: "A directory of replica dumps (*.jsonl). Without it, the history alone is checked.")
    var replicas: String?

    @Option(name: .long, help: "Also write the report as JSON to this file.")
    var json: String?

    @Option(name: .long, help: "Examples kept per anomaly kind.")
    var examples: Int = CheckOptions.exampleCountMaxDefault

    func validate() throws {
        guard examples > 0 else { throw ValidationError("--examples must be positive") }
    }

    func run() throws {
        let report: CheckReport
        do {
            report = try check()
        } catch {
            FileHandle.standardError.write(Data("chaos-check: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(report.text, terminator: "")
        if let json {
            guard FileManager.default.createFile(atPath: json, contents: Data(report.json().utf8)) else {
                FileHandle.standardError.write(Data("chaos-check: cannot write \(json)\n".utf8))
                throw ExitCode(2)
            }
        }
        if !report.isValid { throw ExitCode(1) }
    }

    private func check() throws(InputError) -> CheckReport {
        var reader = try HistoryReader(path: history)
        var dumps: [String] = []
        if let replicas {
            dumps = try ReplicaDumpReader.dumpPaths(in: replicas)
            // An empty folder would quietly turn the check into a history-only one.
            guard !dumps.isEmpty else { throw InputError(source: replicas, line: 0, message: "no *.jsonl dumps") }
        }
        dumps.reverse()
        return try Check.run(history: &reader, replicas: { () throws(InputError) -> ReplicaLog? in
            guard let path = dumps.popLast() else { return nil }
            return try ReplicaDumpReader.read(path: path)
        }, options: CheckOptions(exampleCountMax: examples))
    }
}
