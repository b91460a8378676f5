@_spi(Testing) import Raft

/// The outcome of one simulated run.
public struct SimulationResult: Sendable {
    /// The seed that reproduces the run.
    public var seed: UInt64
    /// Events simulated (ticks, deliveries, writes, faults...).
    public var events: Int
    /// Elections started, over all replicas and incarnations.
    public var elections: UInt64
    /// Entries acknowledged to the client as committed.
    public var entriesCommitted: Int
    /// Membership steps the leaders accepted.
    public var membershipChanges: Int
    /// Leadership transfers the leaders started.
    public var leadershipTransfers: Int
    /// The first invariant violated, if any.
    public var violation: String?
    /// The last events before the violation (empty without one), oldest first.
    public var trace: [String]

    /// A readable account of a failed run: the seed, the violation, the trace.
    public var failureReport: String {
        guard let violation else { return "seed \(seed): ok" }
        return (["seed \(seed): VIOLATION \(violation)", "last events:"] + trace).joined(separator: "\n")
    }
}

/// One deterministic run of a Raft group in a hostile world, driven by one seed.
///
/// A fault phase (message drop, delay, duplication and reordering, partitions, crashes that
/// lose unsynced writes, prefix removal, a continuous workload) is followed by a healed phase
/// that must reach liveness within `livenessTicksMax`. `SafetyChecker` runs after every event.
public struct Simulation {
    let seed: UInt64
    let options: SimulationOptions
    var random: SplitMix64
    var nodes: [SimulatedNode] = []
    var network = SimulatedNetwork()
    var checker = SafetyChecker()
    var trace: Trace
    var tick = 0
    var events = 0
    var eventsThisTick = 0
    var violation: String?
    var nextPayloadID: UInt64 = 1
    /// A new leader to cut off, and when.
    var pendingIsolation: (node: NodeID, tick: Int)?
    var membershipChanges = 0
    var leadershipTransfers = 0
    let quorumCount: Int

    /// Prepares a run of `options` driven by `seed`.
    public init(seed: UInt64, options: SimulationOptions) {
        precondition(options.nodeCount >= 1, "a group has at least one replica")
        self.seed = seed
        self.options = options
        self.random = SplitMix64(seed: seed)
        self.trace = Trace(countMax: options.traceEventCountMax)
        let ids = (1...options.nodeCount).map { NodeID(UInt64($0)) }
        let membership = Membership(voters: ids)
        // Membership steps leave at least all replicas but one voting; a majority of that
        // smallest voter set is what every acknowledged entry must stay durable on.
        self.quorumCount = options.membershipChangePerMille > 0 && ids.count > 1
            ? Membership(voters: Array(ids.dropLast())).quorumCount : membership.quorumCount
        for id in ids {
            nodes.append(SimulatedNode(id: id, config: options.raftConfig(id: id), membership: membership, seed: random.next()))
        }
    }

    /// Runs to the end or to the first violation.
    public mutating func run() -> SimulationResult {
        for _ in 0..<options.faultTicks where violation == nil { advanceTick(withFaults: true) }
        if violation == nil { checkLivenessAfterHealing() }
        return SimulationResult(
            seed: seed, events: events, elections: nodes.reduce(0) { $0 + $1.electionsStarted },
            entriesCommitted: checker.acknowledged.count, membershipChanges: membershipChanges,
            leadershipTransfers: leadershipTransfers, violation: violation, trace: violation == nil ? [] : trace.lines)
    }

    private mutating func checkLivenessAfterHealing() {
        network.healAll()
        network.isReliable = true
        record(.healed)
        for index in nodes.indices where !nodes[index].isUp { restart(index) }
        for _ in 0..<options.livenessTicksMax where violation == nil {
            advanceTick(withFaults: false)
            if isLive { return }
        }
        if violation == nil {
            let states = nodes.compactMap(\.core).map { "\($0.id): \($0.currentRole) \($0.currentTerm) commit=\($0.commitIndex) applied=\($0.metrics.appliedIndex)" }
            violation = "liveness: no stable leader applying every acknowledged entry (through \(checker.acknowledgedLastIndex)) "
                + "within \(options.livenessTicksMax) ticks of healing; \(states.joined(separator: ", "))"
        }
    }

    /// A leader whose commit every member has adopted and applied, covering every acknowledgement.
    private var isLive: Bool {
        let cores = nodes.compactMap(\.core)
        guard cores.count == nodes.count, let leader = cores.first(where: { $0.currentRole == .leader }) else { return false }
        let members = leader.latestMembership
        return cores.filter { members.contains($0.id) }.allSatisfy {
            $0.currentTerm == leader.currentTerm && $0.commitIndex == leader.commitIndex
                && $0.metrics.appliedIndex == leader.commitIndex && $0.commitIndex >= checker.acknowledgedLastIndex
        }
    }

    // MARK: - One tick

    private mutating func advanceTick(withFaults: Bool) {
        tick += 1
        eventsThisTick = 0
        if withFaults {
            injectFaults()
            proposeWorkload()
        }
        record(.tick)
        for index in nodes.indices where nodes[index].isUp && violation == nil {
            nodes[index].core!.tick()
            afterEvent(on: index)
        }
        drain()
    }

    /// Runs every write, ready and delivery due this tick, interleaved, until none is left.
    private mutating func drain() {
        while violation == nil {
            var progressed = false
            for index in nodes.indices where violation == nil {
                if let pending = nodes[index].pendingReady, pending.dueTick <= tick {
                    completePersist(on: index)
                    progressed = true
                }
                if let core = nodes[index].core, nodes[index].pendingReady == nil, core.hasReady {
                    handleReady(on: index)
                    progressed = true
                }
            }
            if let message = network.takeDue(by: tick, pick: { Int.random(in: 0..<$0, using: &random) }) {
                deliver(message)
                progressed = true
            }
            if !progressed { return }
            eventsThisTick += 1
            if eventsThisTick > options.eventsPerTickMax {
                violation = "message storm: more than \(options.eventsPerTickMax) events in one tick"
            }
        }
    }

    // MARK: - Replicas' effects

    private mutating func handleReady(on index: Int) {
        let ready = nodes[index].core!.ready()
        for message in ready.messages { send(message) }
        let persistTicksMax = network.isReliable ? options.healedLatencyTicksMax : options.persistTicksMax
        let delay = ready.needsPersist ? Int.random(in: 0...persistTicksMax, using: &random) : 0
        record(.readied(nodes[index].id, entries: ready.entries.count, messages: ready.messages.count, persistDelayTicks: delay))
        nodes[index].pendingReady = (ready, tick + delay)
        if delay == 0 { completePersist(on: index) }
    }

    private mutating func completePersist(on index: Int) {
        guard let (ready, _) = nodes[index].pendingReady else { return }
        nodes[index].pendingReady = nil
        let id = nodes[index].id
        let log = nodes[index].durableLog
        if let start = ready.logStart {
            if let problem = checker.checkTruncation(of: log, from: start.index, node: id) { return fail(problem) }
            log.reset(to: start)
            nodes[index].durableApplied = start.index.previous
        }
        if let first = ready.entries.first {
            if let problem = checker.checkTruncation(of: log, from: first.index, node: id) { return fail(problem) }
            log.append(ready.entries)
            if let problem = checker.checkDurableAppend(ready.entries, node: id, log: log) { return fail(problem) }
        }
        if let hardState = ready.hardState {
            guard hardState.commit >= nodes[index].durableHardState.commit || ready.logStart != nil else {
                return fail("durable commit of \(id) moved back from \(nodes[index].durableHardState.commit) to \(hardState.commit)")
            }
            nodes[index].durableHardState = hardState
        }
        if let membership = ready.membership { nodes[index].durableMembership = membership }
        record(.persisted(id, entries: ready.entries, hardState: ready.hardState, logStart: ready.logStart))
        for message in ready.messagesAfterPersist { send(message) }
        apply(ready.committedEntries, on: index)
        nodes[index].core!.advance()
        afterEvent(on: index)
    }

    private mutating func apply(_ entries: [Entry], on index: Int) {
        guard let last = entries.last else { return }
        let isLeader = nodes[index].core!.currentRole == .leader
        for entry in entries {
            if let problem = checker.checkApplied(entry, node: nodes[index].id) { return fail(problem) }
            if isLeader && entry.kind == .data { checker.acknowledge(entry) }
        }
        nodes[index].durableApplied = last.lastIndex
        record(.applied(nodes[index].id, through: last.lastIndex))
    }

    private mutating func send(_ message: Message) {
        let delayTicksMax = network.isReliable ? options.healedLatencyTicksMax : options.delayTicksMax
        network.enqueue(message, dueTick: tick + Int.random(in: 0...delayTicksMax, using: &random))
    }

    private mutating func deliver(_ message: Message) {
        guard let index = nodes.firstIndex(where: { $0.id == message.to }), nodes[index].isUp,
              !network.isCut(from: message.from, to: message.to)
        else {
            record(.cut(from: message.from, to: message.to, message))
            return
        }
        if !network.isReliable && percentChance(options.dropPercent) {
            record(.dropped(message))
            return
        }
        if !network.isReliable && percentChance(options.duplicatePercent) {
            record(.duplicated(message))
            send(message)
        }
        record(.delivered(message))
        nodes[index].core!.step(message)
        afterEvent(on: index)
    }

    // MARK: - Checks

    /// The per-event checks on the replica the event touched.
    private mutating func afterEvent(on index: Int) {
        events += 1
        guard violation == nil, let core = nodes[index].core else { return }
        if let reported = core.reportedViolations.first { return fail("core invariant: \(reported)") }
        let metrics = core.metrics
        if core.commitIndex < nodes[index].lastCommit {
            return fail("commit of \(core.id) moved back from \(nodes[index].lastCommit) to \(core.commitIndex)")
        }
        if metrics.appliedIndex < nodes[index].lastApplied {
            return fail("applied of \(core.id) moved back from \(nodes[index].lastApplied) to \(metrics.appliedIndex)")
        }
        if metrics.appliedIndex > core.commitIndex {
            return fail("\(core.id) applied \(metrics.appliedIndex) past its commit \(core.commitIndex)")
        }
        nodes[index].lastCommit = core.commitIndex
        nodes[index].lastApplied = metrics.appliedIndex
        if let leaderIndex = nodes.firstIndex(where: { $0.core?.currentRole == .leader && $0.core?.currentTerm == core.currentTerm }),
           let problem = checkMatchIndexes(of: leaderIndex) {
            return fail(problem)
        }
        if core.currentRole != nodes[index].lastRole || core.currentTerm != nodes[index].lastTerm {
            nodes[index].lastRole = core.currentRole
            nodes[index].lastTerm = core.currentTerm
            record(.roleChanged(core.id, core.currentRole, core.currentTerm))
            if core.currentRole == .leader {
                if let problem = checker.checkLeader(core.id, term: core.currentTerm) { return fail(problem) }
                if let problem = checker.checkLeaderCompleteness(core) { return fail(problem) }
                if !network.isReliable && pendingIsolation == nil && percentChance(options.newLeaderIsolationPercent) {
                    pendingIsolation = (core.id, tick + Int.random(in: 0...3, using: &random))
                }
            }
        }
    }

    /// A leader's match index for a follower of its term is a prefix the follower really holds
    /// (it acknowledged it durable, and only a later leader could make it truncate).
    private func checkMatchIndexes(of leaderIndex: Int) -> String? {
        let leader = nodes[leaderIndex].core!
        for (member, match) in leader.metrics.followerMatchIndexes.sorted(by: { $0.key < $1.key }) where match > .zero {
            guard let follower = nodes.first(where: { $0.id == member })?.core, follower.currentTerm == leader.currentTerm else { continue }
            guard let leaderTerm = leader.term(at: match) else { continue }  // removed prefix
            let followerTerm = follower.term(at: match)
            if match > follower.lastIndex || (followerTerm != nil && followerTerm != leaderTerm) {
                return "match index: \(leader.id) counts \(member) as holding \(match)@\(leaderTerm), "
                    + "which \(member) does not hold (its last index is \(follower.lastIndex))"
            }
        }
        return nil
    }

    mutating func fail(_ problem: String) {
        if violation == nil { violation = problem }
    }

    mutating func record(_ event: TraceEvent) { trace.record(event, tick: tick) }

    mutating func percentChance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    mutating func perMilleChance(_ perMille: Int) -> Bool { Int.random(in: 0..<1000, using: &random) < perMille }
}
