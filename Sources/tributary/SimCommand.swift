import ArgumentParser
import RaftSimulator

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `tributary sim`: runs the deterministic Raft cluster simulator over a range of seeds.
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sim",
        abstract: "Run the deterministic Raft simulator over seeds S ..< S+N.",
        discussion: """
            Each seed drives one run of --groups Raft groups interleaved on the same --nodes \
            nodes (every node hosts a replica of each group, as partitions share a real node): \
            message drops, delays, duplicates and reordering, partitions and crashes of whole \
            nodes (each replica losing its own unsynced writes), prefix removal and a workload on \
            every group, with each group's safety checks after every event and its liveness \
            checked after healing. A violation prints the seed, the failing group and its last \
            events; rerunning that seed with the same options reproduces the whole run exactly. \
            Exit status 1 on any violation.
            """
    )

    @Option(name: .long, help: "How many seeds to run.")
    var seeds: Int = 1_000

    @Option(name: .long, help: "Simulated nodes, each hosting one replica of every group (3 or 5 are typical).")
    var nodes: Int = 3

    @Option(name: .customLong("first-seed"), help: "The first seed.")
    var firstSeed: UInt64 = 1

    @Option(name: .long, help: "Raft groups run interleaved on the same nodes in each seed.")
    var groups: Int = 1

    @Option(name: .customLong("fault-ticks"), help: "Ticks of the fault phase of each run.")
    var faultTicks: Int = 150

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be >= 1") }
        guard (1...9).contains(nodes) else { throw ValidationError("--nodes must be in 1...9") }
        guard (1...1_000).contains(groups) else { throw ValidationError("--groups must be in 1...1000") }
        guard faultTicks >= 1 else { throw ValidationError("--fault-ticks must be >= 1") }
    }

    func run() throws {
        var options = SimulationOptions(nodeCount: nodes, groupCount: groups)
        options.faultTicks = faultTicks
        let campaign = SimulationCampaign(firstSeed: firstSeed, seedCount: seeds, options: options)
        let progressEverySeeds = max(1, seeds / 20)
        let summary = campaign.run { progress in
            if progress.seeds % progressEverySeeds == 0 || progress.seeds == seeds {
                print("sim: \(progress.seeds)/\(seeds) seeds, \(progress.events) events, \(progress.failures.count) violations")
                fflush(nil)  // progress must show even when the output is a pipe or a file
            }
        }
        for failure in summary.failures { print(failure.failureReport) }
        print("sim summary: \(summary)")
        if !summary.failures.isEmpty { throw ExitCode(1) }
    }
}
