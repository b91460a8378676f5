import SeededRandom
@_spi(Testing) import Raft

/// The outcome of one simulated run.
public struct SimulationResult: Sendable {
    /// The seed that reproduces the run.
    public var seed: UInt64
    /// Events simulated (ticks, deliveries, writes, faults...).
    public var events: Int
    /// Elections started, over all groups, replicas and incarnations.
    public var elections: UInt64
    /// Entries acknowledged to the client as committed, over all groups.
    public var entriesCommitted: Int
    /// Membership steps the leaders of all groups accepted.
    public var membershipChanges: Int
    /// Leadership transfers the leaders of all groups started.
    public var leadershipTransfers: Int
    /// Replicas whose storage lost a suffix of their log (`storageLossPercent`).
    public var storageLosses: Int
    /// The first invariant violated, if any.
    public var violation: String?
    /// The group whose check failed (nil without a violation, or for a run-wide one).
    public var failingGroup: Int?
    /// The last events of the failing group (group 0 for a run-wide violation) before the
    /// violation, oldest first; empty without one.
    public var trace: [String]

    /// A readable account of a failed run: the seed, the group, the violation, the trace.
    public var failureReport: String {
        guard let violation else { return "seed \(seed): ok" }
        let group = failingGroup.map { "group \($0): " } ?? ""
        return (["seed \(seed): VIOLATION \(group)\(violation)", "last events:"] + trace).joined(separator: "\n")
    }
}

/// One deterministic run of Raft groups in a hostile world, driven by one seed.
///
/// Every simulated node hosts one replica of each of `options.groupCount` groups, as a real node
/// hosts a replica of each partition: the network carries all groups' messages per node pair,
/// so a partition cuts every group between the nodes it separates, and a crash takes down all
/// replicas of a node at once, each losing its own unsynced write. A fault phase (message drop,
/// delay, duplication and reordering, partitions, crashes, prefix removal, a continuous workload
/// on every group) is followed by a healed phase in which every group must reach liveness within
/// `livenessTicksMax`. Each group's `SafetyChecker` runs after every event touching it.
public struct Simulation {
    let seed: UInt64
    let options: SimulationOptions
    var random: SplitMix64
    let nodeIDs: [NodeID]
    var groups: [SimulatedGroup] = []
    var network = SimulatedNetwork()
    var tick = 0
    var events = 0
    var eventsThisTick = 0
    var violation: String?
    var failingGroup: Int?
    /// The replicas the drain must look at, by `node * groupCount + group` (the drain's order):
    /// those touched since they last had nothing to do. An untouched core has no new `Ready`
    /// and, within a tick, no write falls due, so skipping it changes nothing, and a drain costs
    /// per event rather than per event and replica.
    var replicasToVisit: [Bool]
    /// A new leader's node to cut off, and when.
    var pendingIsolation: (node: NodeID, tick: Int)?
    let quorumCount: Int

    /// Prepares a run of `options` driven by `seed`.
    public init(seed: UInt64, options: SimulationOptions) {
        precondition(options.nodeCount >= 1 && options.groupCount >= 1, "a run has at least one node and one group")
        self.seed = seed
        self.options = options
        self.random = SplitMix64(seed: seed)
        let ids = (1...options.nodeCount).map { NodeID(UInt64($0)) }
        self.nodeIDs = ids
        self.replicasToVisit = Array(repeating: true, count: options.nodeCount * options.groupCount)
        let membership = Membership(voters: ids)
        // Membership steps leave at least all replicas but one voting; a majority of that
        // smallest voter set is what every acknowledged entry must stay durable on.
        self.quorumCount = options.membershipChangePerMille > 0 && ids.count > 1
            ? Membership(voters: Array(ids.dropLast())).quorumCount : membership.quorumCount
        for _ in 0..<options.groupCount {
            var replicas: [SimulatedReplica] = []
            for id in ids {
                replicas.append(SimulatedReplica(id: id, config: options.raftConfig(id: id), membership: membership, seed: random.next()))
            }
            groups.append(SimulatedGroup(replicas: replicas, traceEventCountMax: options.traceEventCountMax))
        }
    }

    /// Runs to the end or to the first violation.
    public mutating func run() -> SimulationResult {
        for _ in 0..<options.faultTicks where violation == nil { advanceTick(withFaults: true) }
        if violation == nil { checkLivenessAfterHealing() }
        return SimulationResult(
            seed: seed, events: events,
            elections: groups.reduce(0) { sum, group in group.replicas.reduce(sum) { $0 + $1.electionsStarted } },
            entriesCommitted: groups.reduce(0) { $0 + $1.checker.acknowledged.count },
            membershipChanges: groups.reduce(0) { $0 + $1.membershipChanges },
            leadershipTransfers: groups.reduce(0) { $0 + $1.leadershipTransfers },
            storageLosses: groups.reduce(0) { $0 + $1.storageLosses },
            violation: violation, failingGroup: failingGroup,
            trace: violation == nil ? [] : groups[failingGroup ?? 0].trace.lines)
    }

    /// Whether node `node` is up: all its replicas crash and restart together.
    func isUp(_ node: Int) -> Bool { groups[0].replicas[node].isUp }

    private mutating func checkLivenessAfterHealing() {
        network.healAll()
        network.isReliable = true
        recordOnEveryGroup(.healed)
        for node in nodeIDs.indices where !isUp(node) { restart(node) }
        for _ in 0..<options.livenessTicksMax where violation == nil {
            advanceTick(withFaults: false)
            if groups.indices.allSatisfy(isLive) { return }
        }
        if violation == nil, let group = groups.indices.first(where: { !isLive($0) }) {
            let states = groups[group].replicas.compactMap(\.core).map {
                "\($0.id): \($0.currentRole) \($0.currentTerm) commit=\($0.commitIndex) applied=\($0.metrics.appliedIndex)"
            }
            fail("liveness: no stable leader applying every acknowledged entry (through \(groups[group].checker.acknowledgedLastIndex)) "
                + "within \(options.livenessTicksMax) ticks of healing; \(states.joined(separator: ", "))", in: group)
        }
    }

    /// Whether group `group` has a leader whose commit every member has adopted and applied,
    /// covering every acknowledgement.
    private func isLive(_ group: Int) -> Bool {
        let cores = groups[group].replicas.compactMap(\.core)
        guard cores.count == nodeIDs.count, let leader = cores.first(where: { $0.currentRole == .leader }) else { return false }
        let members = leader.latestMembership
        let acknowledgedLastIndex = groups[group].checker.acknowledgedLastIndex
        return cores.filter { members.contains($0.id) }.allSatisfy {
            $0.currentTerm == leader.currentTerm && $0.commitIndex == leader.commitIndex
                && $0.metrics.appliedIndex == leader.commitIndex && $0.commitIndex >= acknowledgedLastIndex
        }
    }

    // MARK: - One tick

    private mutating func advanceTick(withFaults: Bool) {
        tick += 1
        eventsThisTick = 0
        if withFaults {
            injectFaults()
            for group in groups.indices { proposeWorkload(in: group) }
        }
        recordOnEveryGroup(.tick)
        for node in nodeIDs.indices where isUp(node) {
            for group in groups.indices where violation == nil {
                groups[group].replicas[node].core!.tick()
                afterEvent(in: group, on: node)
            }
        }
        drain()
    }

    /// Runs every write, ready and delivery due this tick, interleaved, until none is left.
    private mutating func drain() {
        replicasToVisit.indices.forEach { replicasToVisit[$0] = true }
        while violation == nil {
            var progressed = false
            for position in replicasToVisit.indices where replicasToVisit[position] && violation == nil {
                let (node, group) = position.quotientAndRemainder(dividingBy: groups.count)
                var acted = false
                if let pending = groups[group].replicas[node].pendingReady, pending.dueTick <= tick {
                    completePersist(in: group, on: node)
                    acted = true
                }
                if groups[group].replicas[node].pendingReady == nil, groups[group].replicas[node].core?.hasReady == true {
                    handleReady(in: group, on: node)
                    acted = true
                }
                if acted { progressed = true } else { replicasToVisit[position] = false }
            }
            if let (group, message) = network.takeDue(by: tick, pick: { Int.random(in: 0..<$0, using: &random) }) {
                deliver(message, in: group)
                progressed = true
            }
            if !progressed { return }
            eventsThisTick += 1
            if eventsThisTick > options.eventsPerTickMax {
                fail("message storm: more than \(options.eventsPerTickMax) events in one tick", in: nil)
            }
        }
    }

    // MARK: - Replicas' effects

    private mutating func handleReady(in group: Int, on node: Int) {
        let ready = groups[group].replicas[node].core!.ready()
        for message in ready.messages { send(message, in: group) }
        let persistTicksMax = network.isReliable ? options.healedLatencyTicksMax : options.persistTicksMax
        let delay = ready.needsPersist ? Int.random(in: 0...persistTicksMax, using: &random) : 0
        record(.readied(nodeIDs[node], entries: ready.entries.count, messages: ready.messages.count, persistDelayTicks: delay), in: group)
        groups[group].replicas[node].pendingReady = (ready, tick + delay)
        if delay == 0 { completePersist(in: group, on: node) }
    }

    private mutating func completePersist(in group: Int, on node: Int) {
        guard let (ready, _) = groups[group].replicas[node].pendingReady else { return }
        groups[group].replicas[node].pendingReady = nil
        let id = nodeIDs[node]
        let log = groups[group].replicas[node].durableLog
        if let start = ready.logStart {
            if let problem = groups[group].checker.checkTruncation(of: log, from: start.index, node: id) { return fail(problem, in: group) }
            log.reset(to: start)
            groups[group].replicas[node].durableApplied = start.index.previous
        }
        if let first = ready.entries.first {
            if let problem = groups[group].checker.checkTruncation(of: log, from: first.index, node: id) { return fail(problem, in: group) }
            log.append(ready.entries)
            if let problem = groups[group].checker.checkDurableAppend(ready.entries, node: id, log: log) { return fail(problem, in: group) }
        }
        if let hardState = ready.hardState {
            let durableCommit = groups[group].replicas[node].durableHardState.commit
            guard hardState.commit >= durableCommit || ready.logStart != nil else {
                return fail("durable commit of \(id) moved back from \(durableCommit) to \(hardState.commit)", in: group)
            }
            groups[group].replicas[node].durableHardState = hardState
        }
        if let membership = ready.membership { groups[group].replicas[node].durableMembership = membership }
        if groups[group].replicas[node].core!.lostLogEnd == nil { groups[group].replicas[node].durableLostLogEnd = nil }
        record(.persisted(id, entries: ready.entries, hardState: ready.hardState, logStart: ready.logStart), in: group)
        for message in ready.messagesAfterPersist { send(message, in: group) }
        apply(ready.committedEntries, in: group, on: node)
        groups[group].replicas[node].core!.advance()
        afterEvent(in: group, on: node)
    }

    private mutating func apply(_ entries: [Entry], in group: Int, on node: Int) {
        guard let last = entries.last else { return }
        let isLeader = groups[group].replicas[node].core!.currentRole == .leader
        for entry in entries {
            if let problem = groups[group].checker.checkApplied(entry, node: nodeIDs[node]) { return fail(problem, in: group) }
            if isLeader && entry.kind == .data { groups[group].checker.acknowledge(entry) }
        }
        groups[group].replicas[node].durableApplied = last.lastIndex
        record(.applied(nodeIDs[node], through: last.lastIndex), in: group)
    }

    private mutating func send(_ message: Message, in group: Int) {
        let delayTicksMax = network.isReliable ? options.healedLatencyTicksMax : options.delayTicksMax
        network.enqueue(message, group: group, dueTick: tick + Int.random(in: 0...delayTicksMax, using: &random))
    }

    private mutating func deliver(_ message: Message, in group: Int) {
        guard let node = nodeIDs.firstIndex(of: message.to), isUp(node), !network.isCut(from: message.from, to: message.to) else {
            record(.cut(from: message.from, to: message.to, message), in: group)
            return
        }
        if !network.isReliable && percentChance(options.dropPercent) {
            record(.dropped(message), in: group)
            return
        }
        if !network.isReliable && percentChance(options.duplicatePercent) {
            record(.duplicated(message), in: group)
            send(message, in: group)
        }
        record(.delivered(message), in: group)
        groups[group].replicas[node].core!.step(message)
        replicasToVisit[node * groups.count + group] = true
        afterEvent(in: group, on: node)
    }

    // MARK: - Checks

    /// The per-event checks on the replica the event touched.
    private mutating func afterEvent(in group: Int, on node: Int) {
        events += 1
        guard violation == nil, let core = groups[group].replicas[node].core else { return }
        if let reported = core.reportedViolations.first { return fail("core invariant: \(reported)", in: group) }
        let metrics = core.metrics
        let (lastCommit, lastApplied) = (groups[group].replicas[node].lastCommit, groups[group].replicas[node].lastApplied)
        if core.commitIndex < lastCommit {
            return fail("commit of \(core.id) moved back from \(lastCommit) to \(core.commitIndex)", in: group)
        }
        if metrics.appliedIndex < lastApplied {
            return fail("applied of \(core.id) moved back from \(lastApplied) to \(metrics.appliedIndex)", in: group)
        }
        if metrics.appliedIndex > core.commitIndex {
            return fail("\(core.id) applied \(metrics.appliedIndex) past its commit \(core.commitIndex)", in: group)
        }
        groups[group].replicas[node].lastCommit = core.commitIndex
        groups[group].replicas[node].lastApplied = metrics.appliedIndex
        if let problem = checkMatchIndexes(in: group, term: core.currentTerm) { return fail(problem, in: group) }
        if core.currentRole != groups[group].replicas[node].lastRole || core.currentTerm != groups[group].replicas[node].lastTerm {
            groups[group].replicas[node].lastRole = core.currentRole
            groups[group].replicas[node].lastTerm = core.currentTerm
            record(.roleChanged(core.id, core.currentRole, core.currentTerm), in: group)
            if core.currentRole == .leader {
                if let problem = groups[group].checker.checkLeader(core.id, term: core.currentTerm) { return fail(problem, in: group) }
                if let problem = groups[group].checker.checkLeaderCompleteness(core) { return fail(problem, in: group) }
                if !network.isReliable && pendingIsolation == nil && percentChance(options.newLeaderIsolationPercent) {
                    pendingIsolation = (core.id, tick + Int.random(in: 0...3, using: &random))
                }
            }
        }
    }

    /// The match indexes of group `group`'s leader of `term`, if it has one: each, for a follower
    /// of its term, is a prefix the follower really holds (it acknowledged it durable, and only a
    /// later leader could make it truncate).
    private func checkMatchIndexes(in group: Int, term: Term) -> String? {
        let replicas = groups[group].replicas
        guard let leader = replicas.first(where: { $0.core?.currentRole == .leader && $0.core?.currentTerm == term })?.core else {
            return nil
        }
        for (member, match) in leader.metrics.followerMatchIndexes.sorted(by: { $0.key < $1.key }) where match > .zero {
            guard let follower = replicas.first(where: { $0.id == member })?.core, follower.currentTerm == leader.currentTerm,
                follower.lostLogEnd == nil  // lost what it acknowledged: the leader learns so when it next sends
            else { continue }
            guard let leaderTerm = leader.term(at: match) else { continue }  // removed prefix
            let followerTerm = follower.term(at: match)
            if match > follower.lastIndex || (followerTerm != nil && followerTerm != leaderTerm) {
                return "match index: \(leader.id) counts \(member) as holding \(match)@\(leaderTerm), "
                    + "which \(member) does not hold (its last index is \(follower.lastIndex))"
            }
        }
        return nil
    }

    /// Records the first violation: of group `group`'s checks, or of the whole run if nil.
    mutating func fail(_ problem: String, in group: Int?) {
        guard violation == nil else { return }
        violation = problem
        failingGroup = group
    }

    mutating func record(_ event: TraceEvent, in group: Int) { groups[group].trace.record(event, tick: tick) }

    /// Records a node-wide event (a tick, a crash, a partition) in every group's trace.
    mutating func recordOnEveryGroup(_ event: TraceEvent) {
        for group in groups.indices { record(event, in: group) }
    }

    mutating func percentChance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &random) < percent }

    mutating func perMilleChance(_ perMille: Int) -> Bool { Int.random(in: 0..<1000, using: &random) < perMille }
}
