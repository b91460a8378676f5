@_spi(Testing) import Raft

/// Many simulated runs: seeds `firstSeed ..< firstSeed + seedCount`, each one `Simulation` of
/// all `options.groupCount` groups.
public struct SimulationCampaign: Sendable {
    /// The first seed.
    public var firstSeed: UInt64
    /// How many consecutive seeds to run.
    public var seedCount: Int
    /// The options of every run.
    public var options: SimulationOptions

    /// Creates a campaign.
    public init(firstSeed: UInt64, seedCount: Int, options: SimulationOptions) {
        precondition(seedCount >= 0, "a campaign runs zero or more seeds")
        self.firstSeed = firstSeed
        self.seedCount = seedCount
        self.options = options
    }

    /// Totals over a campaign.
    public struct Summary: Sendable, CustomStringConvertible {
        /// Seeds run.
        public var seeds = 0
        /// Events simulated.
        public var events = 0
        /// Elections started.
        public var elections: UInt64 = 0
        /// Entries acknowledged as committed.
        public var entriesCommitted = 0
        /// Membership steps proposed.
        public var membershipChanges = 0
        /// Leadership transfers started.
        public var leadershipTransfers = 0
        /// Replicas whose storage lost a suffix of their log.
        public var storageLosses = 0
        /// The failed runs.
        public var failures: [SimulationResult] = []

        public var description: String {
            "seeds=\(seeds) events=\(events) elections=\(elections) entries_committed=\(entriesCommitted) "
                + "membership_changes=\(membershipChanges) leadership_transfers=\(leadershipTransfers) "
                + "storage_losses=\(storageLosses) violations=\(failures.count)"
        }
    }

    /// Runs every seed; `progress` is called after each seed with the totals so far.
    /// - Parameter stopAtFirstFailure: whether to stop at the first violation.
    public func run(stopAtFirstFailure: Bool = false, progress: (Summary) -> Void = { _ in }) -> Summary {
        var summary = Summary()
        for offset in 0..<seedCount {
            let seed = firstSeed &+ UInt64(offset)
            var simulation = Simulation(seed: seed, options: options)
            let result = simulation.run()
            summary.events += result.events
            summary.elections += result.elections
            summary.entriesCommitted += result.entriesCommitted
            summary.membershipChanges += result.membershipChanges
            summary.leadershipTransfers += result.leadershipTransfers
            summary.storageLosses += result.storageLosses
            if result.violation != nil { summary.failures.append(result) }
            summary.seeds += 1
            progress(summary)
            if stopAtFirstFailure && !summary.failures.isEmpty { break }
        }
        return summary
    }
}
