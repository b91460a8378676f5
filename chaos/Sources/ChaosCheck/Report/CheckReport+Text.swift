import Foundation

extension CheckReport {
    /// The report for people: the verdict, tables of operations, faults and anomalies, and each
    /// anomaly kind's examples.
    public var text: String {
        var lines: [String] = []
        lines.append(verdict)
        lines.append("")
        lines += table(["operation", "ok", "fail", "info"], operations.map {
            [$0.operation, "\($0.counts.ok)", "\($0.counts.fail)", "\($0.counts.info)"]
        })
        if !faults.isEmpty {
            lines.append("")
            lines += table(["fault", "injected", "failed"], faults.map {
                [$0.kind, "\($0.counts.injected)", "\($0.counts.failed)"]
            })
        }
        lines.append("")
        if anomalies.isEmpty {
            lines.append("no anomalies")
        } else {
            lines += table(["anomaly", "count", "fails run"], anomalies.map {
                [$0.kind.rawValue, "\($0.count)", $0.isFailure ? "yes" : "no"]
            })
            for row in anomalies {
                lines.append("")
                lines.append("\(row.kind.rawValue) (\(row.examples.count) of \(row.count)):")
                lines += row.examples.map { "  - " + $0.detail + Self.when($0) }
            }
        }
        if !partitionsMissingFinalLog.isEmpty {
            lines.append("")
            lines.append("partitions written to but not read from any replica: "
                + partitionsMissingFinalLog.map(\.description).joined(separator: ", "))
        }
        lines += notes.map { "note: " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The JSON report (pretty, keys sorted, so that reports diff well).
    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // A report holds only integers, strings, booleans and arrays of them: encoding cannot fail.
        return String(decoding: try! encoder.encode(self), as: UTF8.self) + "\n"
    }

    private var verdict: String {
        let checked = partitionsWithFinalLog.isEmpty
            ? "history only" : "partitions checked against final logs: \(partitionsWithFinalLog.count)"
        guard isValid else {
            return "chaos check: FAILED (failing anomalies: \(failureCount); events: \(eventCount); \(checked))"
        }
        return "chaos check: PASSED (events: \(eventCount); \(checked))"
    }

    private static func when(_ anomaly: Anomaly) -> String {
        guard let time = anomaly.timeNanos else { return "" }
        return String(format: " [t=%.3fs]", Double(time) / 1e9)
    }

    private func table(_ header: [String], _ rows: [[String]]) -> [String] {
        let widths = header.indices.map { column in
            ([header] + rows).map { $0[column].count }.max()!
        }
        return ([header] + rows).map { cells in
            zip(cells, widths).enumerated().map { index, pair in
                let padding = String(repeating: " ", count: pair.1 - pair.0.count)
                return index == 0 ? pair.0 + padding : padding + pair.0
            }.joined(separator: "  ")
        }
    }
}
