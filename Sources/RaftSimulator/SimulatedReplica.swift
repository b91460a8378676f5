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
    /// Set when the storage lost entries: the core's `lostLogEnd`, durable until a completed
    /// `Ready` finds the refill over.
    var durableLostLogEnd: LostLogEnd?
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
            applied: durableApplied, lostLogEnd: durableLostLogEnd, random: SplitMix64(seed: seed))
        lastCommit = durableHardState.commit
        lastApplied = durableApplied
        lastRole = .follower
        lastTerm = durableHardState.term
    }

    /// Damage cut the durable log from entry `position` on: what it had is owed until refilled.
    mutating func loseStorage(fromEntry position: Int) {
        precondition(!isUp, "storage is lost while the node is down")
        let entry = durableLog.storedEntries[position]
        durableLostLogEnd = LostLogEnd(index: durableLog.lastIndex, term: durableHardState.term).merged(with: durableLostLogEnd)
        durableLog.truncate(from: entry.index)
        durableHardState.commit = min(durableHardState.commit, durableLog.lastIndex)
        durableApplied = min(durableApplied, durableHardState.commit)
    }

    /// Loses everything not durable.
    mutating func crash() {
        electionsBeforeCrash += core?.metrics.electionsStarted ?? 0
        core = nil
        pendingReady = nil
    }
}
