import ChaosCheck
import Testing

/// The checker against many seeded histories of a correct system: every one passes, and every
/// one with a single planted anomaly fails with that anomaly named.
@Suite struct RandomHistoryTests {
    static let seeds: ClosedRange<UInt64> = 1...300

    @Test func seededCleanHistoriesPass() throws {
        for seed in Self.seeds {
            let run = RandomHistory(seed: seed)
            let report = try check(run.events, run.replicaLogs)
            let isValid = report.isValid
            #expect(isValid, "seed \(seed): \(report.text)")
        }
    }

    @Test func aSinglePlantedAnomalyIsFoundInEverySeededHistory() throws {
        var planted: [AnomalyKind: Int] = [:]
        for seed in Self.seeds {
            let run = RandomHistory(seed: seed)
            let kinds = HistoryMutation.kinds
            let start = Int(seed % UInt64(kinds.count))
            var mutation = HistoryMutation(run, seed: seed)
            guard let kind = (kinds[start...] + kinds[..<start]).first(where: { mutation.plant($0) }) else {
                Issue.record("seed \(seed): no anomaly could be planted")
                continue
            }
            planted[kind, default: 0] += 1
            let report = try check(mutation.events, mutation.logs)
            let found = report.kinds
            let isValid = report.isValid
            #expect(!isValid, "seed \(seed): planted \(kind.rawValue) but the run passed")
            #expect(found.contains(kind), "seed \(seed): planted \(kind.rawValue), found \(found)")
        }
        for kind in HistoryMutation.kinds {
            #expect(planted[kind, default: 0] >= 10, "\(kind.rawValue) planted only \(planted[kind, default: 0]) times")
        }
    }

    @Test func generatedHistoriesCoverEveryOperationAndOutcome() {
        var outcomes: Set<String> = []
        for seed in Self.seeds.prefix(20) {
            for event in RandomHistory(seed: seed).events {
                outcomes.insert("\(event.operation.name.rawValue) \(event.type.rawValue)")
            }
        }
        for expected in ["send ok", "send fail", "send info", "poll ok", "assign ok", "seek ok", "commit-offset ok",
                         "commit-offset fail", "commit-offset info", "fetch-offset ok", "fault info"] {
            #expect(outcomes.contains(expected), "never generated: \(expected)")
        }
    }
}
