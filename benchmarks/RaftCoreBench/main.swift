// Throughput of the Raft core alone: three replicas in one process, in-memory logs, messages
// handed over directly, 100-byte entries proposed in batches of 64. Prints figures; asserts
// nothing. Run: swift run -c release RaftCoreBench [batches]
//
// Besides wall-clock rates it prints the rate per second of this process's CPU time, which
// stays meaningful on a machine shared with other work.
import Raft
import SeededRandom

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
import SeededRandom
#endif

/// CPU seconds this process has used so far.
func processCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// One replica with its in-memory log; every `Ready` is persisted at once.
final class BenchReplica {
    /// Applied indexes kept in the in-memory log before its prefix is removed (bounds memory).
    static let retainedIndexCountMax: UInt64 = 8_192

    let log = MemoryRaftLog()
    var core: RaftCore<MemoryRaftLog>
    var appliedEntryCount = 0

    init(id: NodeID, voters: [NodeID]) {
        let config = RaftConfig(id: id, electionTimeoutTicks: 10, heartbeatIntervalTicks: 1)
        core = try! RaftCore(
            config: config, log: log, hardState: HardState(), membership: Membership(voters: voters),
            random: SplitMix64(seed: id.rawValue))
    }

    /// One ready/advance cycle; returns the messages to deliver.
    func cycle() -> [Message] {
        guard core.hasReady else { return [] }
        let ready = core.ready()
        if let start = ready.logStart { log.reset(to: start) }
        log.append(ready.entries)
        appliedEntryCount += ready.committedEntries.count
        let applied = ready.committedEntries.last?.lastIndex
        core.advance()
        if let applied, applied.rawValue > log.firstIndex.rawValue + Self.retainedIndexCountMax {
            log.removePrefix(before: applied.next)
        }
        return ready.messages + ready.messagesAfterPersist
    }
}

/// Three replicas exchanging messages directly.
struct BenchCluster {
    let voters = [NodeID(1), NodeID(2), NodeID(3)]
    let replicas: [NodeID: BenchReplica]

    init() {
        replicas = Dictionary(uniqueKeysWithValues: voters.map { [voters] in ($0, BenchReplica(id: $0, voters: voters)) })
    }

    /// One ready cycle on every replica, delivering what they send; returns whether anything moved.
    func exchange() -> Bool {
        var moved = false
        for id in voters {
            for message in replicas[id]!.cycle() {
                replicas[message.to]!.core.step(message)
                moved = true
            }
        }
        return moved
    }
}

func formatted(_ value: Double, decimals: Int) -> String {
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let scaled = Int(value * scale + 0.5)
    let whole = scaled / Int(scale)
    let fraction = String(scaled % Int(scale))
    return decimals == 0 ? "\(whole)" : "\(whole).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
}

func runBenchmark(batchCount: Int) {
    let entryPayloadBytes = 100
    let proposalBatchEntryCount = 64
    let cluster = BenchCluster()
    let leader = cluster.replicas[NodeID(1)]!
    while leader.core.currentRole != .leader {
        leader.core.tick()
        while cluster.exchange() {}
    }
    let payload = [UInt8](repeating: 0xAB, count: entryPayloadBytes)
    let appliedBefore = leader.appliedEntryCount
    let cpuSecondsBefore = processCPUSeconds()
    let elapsed = ContinuousClock().measure {
        for _ in 0..<batchCount {
            for _ in 0..<proposalBatchEntryCount { _ = try! leader.core.propose(payload) }
            _ = cluster.exchange()
        }
        while cluster.exchange() {}
    }
    let cpuSeconds = processCPUSeconds() - cpuSecondsBefore
    let committed = leader.appliedEntryCount - appliedBefore
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let entriesPerSecond = Double(committed) / seconds
    print("RaftCoreBench: 3 replicas in memory, \(entryPayloadBytes)-byte entries proposed in batches of \(proposalBatchEntryCount)")
    print("  committed entries: \(committed) in \(formatted(seconds, decimals: 3)) s")
    print("  committed entries/s: \(formatted(entriesPerSecond, decimals: 0))")
    print("  committed payload MB/s: \(formatted(entriesPerSecond * Double(entryPayloadBytes) / 1e6, decimals: 1))")
    print("  committed entries per CPU second: \(formatted(Double(committed) / cpuSeconds, decimals: 0)) (\(formatted(cpuSeconds, decimals: 3)) s CPU)")
}

runBenchmark(batchCount: CommandLine.arguments.dropFirst().first.flatMap(Int.init) ?? 40_000)
