import ChaosCheck
import Foundation
import Testing

/// The example runs in `chaos/examples/`, read from their files as `chaos-check` reads them.
@Suite struct ExampleRunTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples").standardized.path

    private func check(_ name: String) throws -> CheckReport {
        var history = try HistoryReader(path: "\(Self.examples)/\(name)/history.jsonl")
        var dumps = try ReplicaDumpReader.dumpPaths(in: "\(Self.examples)/\(name)/replicas").reversed() as [String]
        return try Check.run(history: &history, replicas: { () throws(InputError) -> ReplicaLog? in
            guard let path = dumps.popLast() else { return nil }
            return try ReplicaDumpReader.read(path: path)
        })
    }

    @Test func theCleanExamplePasses() throws {
        let report = try check("clean")
        #expect(report.isValid)
        #expect(report.anomalies.isEmpty)
        #expect(report.partitionsWithFinalLog == [0, 1])
        #expect(report.faults.map(\.kind) == ["kill", "restart"])
    }

    @Test func theLostWriteExampleFailsWithTheLostRecord() throws {
        let report = try check("lost-write")
        #expect(!report.isValid)
        #expect(report.anomalies.map(\.kind) == [.lostWrite])
        #expect(report.anomalies.first?.examples.first?.value == 11)
        #expect(report.text.hasPrefix("chaos check: FAILED"))
    }

    @Test func theJSONReportReadsBackAsTheReport() throws {
        let report = try check("lost-write")
        let decoded = try JSONDecoder().decode(CheckReport.self, from: Data(report.json().utf8))
        #expect(decoded == report)
    }
}
