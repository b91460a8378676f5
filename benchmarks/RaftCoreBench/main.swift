// Throughput of the Raft core alone: three replicas in one process, in-memory logs, messages
// handed over directly, 100-byte entries proposed in batches of 64 (a partition's entry is one
// record batch). Prints one raw result (benchmarks/lib/results.py's shape) that
// benchmarks/tributary/run wraps: committed entries/s, and, meaningful on a machine shared with
// other work, committed entries per second of this process's CPU time; under
// tools/malloc_count.c also the heap allocations per committed entry (all three replicas').
//
//     RaftCoreBench [--batches N]
import BenchSupport
import Glibc
import Raft
import SeededRandom

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
    let allocationsBefore = Bench.allocationCount()
    let seconds = Bench.seconds {
        for _ in 0..<batchCount {
            for _ in 0..<proposalBatchEntryCount { _ = try! leader.core.propose(payload) }
            _ = cluster.exchange()
        }
        while cluster.exchange() {}
    }
    let allocationsAfter = Bench.allocationCount()
    let cpuSeconds = processCPUSeconds() - cpuSecondsBefore
    let committed = leader.appliedEntryCount - appliedBefore
    let entriesPerSecond = Double(committed) / seconds
    let allocationsPerEntry = allocationsBefore.flatMap { before in
        allocationsAfter.map { "\((Double($0 - before) / Double(committed) * 100).rounded() / 100)" }
    }
    print("{\"records_per_s\":\(Int(entriesPerSecond)),\"mb_per_s\":\(Int(entriesPerSecond * Double(entryPayloadBytes) / 1e6)),"
        + "\"window_s\":\(seconds),\"value_bytes\":\(entryPayloadBytes),\"concurrency\":null,"
        + "\"entries_per_cpu_s\":\(Int(Double(committed) / cpuSeconds)),\"entries_per_proposal\":\(proposalBatchEntryCount),"
        + "\"allocations_per_record\":\(allocationsPerEntry ?? "null")}")
}

runBenchmark(batchCount: Bench.options(usage: "RaftCoreBench [--batches N]", defaults: ["batches": 40_000])["batches"]!)
