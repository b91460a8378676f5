import SeededRandom
@_spi(Testing) import Raft

/// One replica of one group on one simulated node: a Raft core (nil while its node is crashed)
/// over durable state that survives crashes, and the write in flight, which a crash loses.
struct SimulatedReplica {
    let id: NodeID
    let config: RaftConfig
    var core: RaftCore<MemoryRaftLog>?
    /// The durable log: survives crashes.
    let durableLog: MemoryRaftLog
    var durableHardState = HardState()
    var durableMembership: Membership
    /// The state machine's last applied index, durable with each completed `Ready`.
    var durableApplied: LogIndex = .zero
    /// The `Ready` being made durable, and the tick it completes.
    var pendingReady: (ready: Ready, dueTick: Int)?
    /// Elections started by earlier incarnations.
    var electionsBeforeCrash: UInt64 = 0
    /// The last role and term reported, to notice changes.
    var lastRole: Role = .follower
    var lastTerm: Term = .zero
    /// Monotonicity watermarks of the current incarnation.
    var lastCommit: LogIndex = .zero
    var lastApplied: LogIndex = .zero

    init(id: NodeID, config: RaftConfig, membership: Membership, seed: UInt64) {
        self.id = id
        self.config = config
        self.durableLog = MemoryRaftLog()
        self.durableMembership = membership
        start(seed: seed)
    }

    var isUp: Bool { core != nil }

    var electionsStarted: UInt64 { electionsBeforeCrash + (core?.metrics.electionsStarted ?? 0) }

    /// (Re)creates the core from durable state.
    mutating func start(seed: UInt64) {
        core = try! RaftCore(
            config: config, log: durableLog, hardState: durableHardState, membership: durableMembership,
            applied: durableApplied, random: SplitMix64(seed: seed))
        lastCommit = durableHardState.commit
        lastApplied = durableApplied
        lastRole = .follower
        lastTerm = durableHardState.term
    }

    /// Loses everything not durable.
    mutating func crash() {
        electionsBeforeCrash += core?.metrics.electionsStarted ?? 0
        core = nil
        pendingReady = nil
    }
}
