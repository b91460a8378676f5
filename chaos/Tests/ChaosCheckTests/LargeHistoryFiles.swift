import ChaosCheck
import Foundation
import Testing

/// Writes a large seeded clean history and its replica dumps for measuring `chaos-check` on
/// millions of operations (a tool, not a check: it runs only when asked).
///
///     CHAOS_CHECK_LARGE_DIR=/tmp/large CHAOS_CHECK_LARGE_STEPS=1000000 \
///         swift test --skip-build --filter LargeHistoryFiles
///     /usr/bin/time -v .build/release/chaos-check --history /tmp/large/history.jsonl --replicas /tmp/large/replicas
@Suite struct LargeHistoryFiles {
    static let directory = ProcessInfo.processInfo.environment["CHAOS_CHECK_LARGE_DIR"]

    @Test(.enabled(if: directory != nil)) func writeALargeCleanHistoryAndItsDumps() throws {
        let directory = try #require(Self.directory)
        let steps = Int(ProcessInfo.processInfo.environment["CHAOS_CHECK_LARGE_STEPS"] ?? "") ?? 1_000_000
        let run = RandomHistory(seed: 42, steps: steps)
        try FileManager.default.createDirectory(atPath: directory + "/replicas", withIntermediateDirectories: true)
        try write(run.events.map { $0.jsonLine() }, to: directory + "/history.jsonl")
        for log in run.replicaLogs {
            let header = #"{"partition":\#(log.partition),"replica":"\#(log.replica)","#
                + #""start":\#(log.startOffset),"end":\#(log.endOffset)}"#
            let records = log.entries.map { entry -> String in
                switch entry.content {
                case .value(let value): #"{"offset":\#(entry.offset),"value":\#(value)}"#
                case .control: #"{"offset":\#(entry.offset),"control":true}"#
                case .foreign: #"{"offset":\#(entry.offset),"foreign":true}"#
                }
            }
            try write([header] + records, to: directory + "/replicas/p\(log.partition)-\(log.replica).jsonl")
        }
        print("wrote \(run.events.count) events, \(run.acked.count) acknowledged sends to \(directory)")
    }

    private func write(_ lines: [String], to path: String) throws {
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }
}
