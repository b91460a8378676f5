import SeededRandom
@_spi(Testing) import Raft

/// A replica in a scenario test: a core over an in-memory durable log, persisting every `Ready`
/// at once (unless told to hold its writes).
final class TestReplica {
    let id: NodeID
    var config: RaftConfig
    let log: MemoryRaftLog
    var hardState = HardState()
    var membership: Membership
    var applied: [Entry] = []
    /// What a restart passes as `lostLogEnd` (the durable copy a real node keeps).
    var lostLogEnd: LostLogEnd?
    var core: RaftCore<MemoryRaftLog>?

    init(id: NodeID, config: RaftConfig, membership: Membership, log: MemoryRaftLog = MemoryRaftLog(), hardState: HardState = HardState()) {
        self.id = id
        self.config = config
        self.log = log
        self.hardState = hardState
        self.membership = membership
        restart()
    }

    func restart() {
        let appliedIndex = applied.last?.lastIndex ?? hardState.commit
        core = try! RaftCore(
            config: config, log: log, hardState: hardState, membership: membership, applied: min(appliedIndex, hardState.commit),
            lostLogEnd: lostLogEnd, random: SplitMix64(seed: id.rawValue))
    }

    var raft: RaftCore<MemoryRaftLog> {
        get { core! }
        set { core = newValue }
    }
}

/// A synchronous network of `TestReplica`s with cut links and crashed replicas, in the style of
/// etcd-raft's test network: `stabilize()` delivers until nothing moves.
struct TestCluster {
    var replicas: [NodeID: TestReplica] = [:]
    var cutLinks: Set<[NodeID]> = []
    var queue: [Message] = []
    /// Every message delivered, for tests that count traffic.
    var delivered: [Message] = []
    /// Messages for which this answers true are dropped.
    var dropping: (Message) -> Bool = { _ in false }

    init(voters: Int, learners: [Int] = [], configure: (inout RaftConfig) -> Void = { _ in }) {
        let membership = Membership(voters: (1...voters).map { NodeID(UInt64($0)) }, learners: learners.map { NodeID(UInt64($0)) })
        for id in membership.members {
            var config = RaftConfig(id: id, electionTimeoutTicks: 10, heartbeatIntervalTicks: 1, appendBytesMax: 1 << 16)
            configure(&config)
            replicas[id] = TestReplica(id: id, config: config, membership: membership)
        }
    }

    /// Gives replica `id` a durable log and hard state, as if it had run before, and restarts it.
    mutating func preload(_ id: Int, terms: [UInt64], term: UInt64, commit: UInt64) {
        let replica = self[id]
        replica.log.reset(to: LogStart(index: LogIndex(1), termBefore: .zero))
        replica.log.append(terms.enumerated().map { Entry(term: Term($0.element), index: LogIndex(UInt64($0.offset + 1))) })
        replica.hardState = HardState(term: Term(term), vote: nil, commit: LogIndex(commit))
        replica.applied = []
        replica.restart()
    }

    /// Restarts replica `id` as if its storage had been found damaged at `index`: the log is cut
    /// there (term and vote kept), and it votes freely again only once its commit index is back
    /// at the end it had durably before.
    mutating func loseTail(_ id: Int, from index: LogIndex) {
        crash(id)
        let replica = self[id]
        replica.lostLogEnd = LostLogEnd(index: replica.log.lastIndex, term: replica.hardState.term)
        replica.log.truncate(from: index)
        replica.hardState.commit = min(replica.hardState.commit, replica.log.lastIndex)
        replica.applied.removeAll { $0.lastIndex > replica.log.lastIndex }
        replica.restart()
    }

    subscript(_ id: Int) -> TestReplica { replicas[NodeID(UInt64(id))]! }

    var ids: [NodeID] { replicas.keys.sorted() }

    /// The replica that leads in the highest term, if any.
    var leader: TestReplica? {
        ids.compactMap { replicas[$0]!.core }.filter { $0.currentRole == .leader }.max { $0.currentTerm < $1.currentTerm }
            .map { replicas[$0.id]! }
    }

    mutating func cut(_ a: Int, _ b: Int) {
        cutLinks.insert([NodeID(UInt64(a)), NodeID(UInt64(b))])
        cutLinks.insert([NodeID(UInt64(b)), NodeID(UInt64(a))])
    }

    mutating func isolate(_ a: Int) {
        for other in ids where other != NodeID(UInt64(a)) { cut(a, Int(other.rawValue)) }
    }

    mutating func heal() { cutLinks = [] }

    mutating func crash(_ id: Int) {
        self[id].core = nil
        queue.removeAll { $0.to.rawValue == UInt64(id) }
    }

    /// Persists and sends every replica's `Ready`, and delivers messages, until nothing is left.
    mutating func stabilize(roundsMax: Int = 10_000) {
        for _ in 0..<roundsMax {
            var moved = false
            for id in ids {
                let replica = replicas[id]!
                guard replica.core?.hasReady == true else { continue }
                moved = true
                let ready = replica.raft.ready()
                persist(ready, on: replica)
                queue += ready.messages + ready.messagesAfterPersist
                replica.applied += ready.committedEntries
                replica.raft.advance()
            }
            let batch = queue
            queue = []
            for message in batch { deliver(message) }
            if !moved && batch.isEmpty { return }
        }
        preconditionFailure("the cluster did not stabilize")
    }

    mutating func deliver(_ message: Message) {
        guard !cutLinks.contains([message.from, message.to]), !dropping(message), let target = replicas[message.to], target.core != nil else { return }
        delivered.append(message)
        target.raft.step(message)
    }

    func persist(_ ready: Ready, on replica: TestReplica) {
        if let start = ready.logStart {
            replica.log.reset(to: start)
            replica.applied = []
        }
        replica.log.append(ready.entries)
        if let hardState = ready.hardState { replica.hardState = hardState }
        if let membership = ready.membership { replica.membership = membership }
    }

    /// Ticks `id` until it starts a (pre-)campaign, then lets the cluster settle; tries again
    /// (a lost campaign may just have taught it a newer term) up to `attemptsMax` times.
    mutating func elect(_ id: Int, attemptsMax: Int = 3) {
        for _ in 0..<attemptsMax where self[id].raft.currentRole != .leader {
            for _ in 0..<100 where self[id].raft.currentRole == .follower { self[id].raft.tick() }
            stabilize()
        }
    }

    /// Ticks every live replica `count` times, settling after each tick.
    mutating func tickAll(_ count: Int) {
        for _ in 0..<count {
            for id in ids where replicas[id]!.core != nil { replicas[id]!.raft.tick() }
            stabilize()
        }
    }

    /// Ticks every live replica, settling after each tick, until `condition` holds (at most `ticksMax`).
    mutating func tick(until condition: (TestCluster) -> Bool, ticksMax: Int = 200) {
        for _ in 0..<ticksMax where !condition(self) { tickAll(1) }
    }

    /// Proposes `count` one-index entries at `id` and settles.
    mutating func propose(_ id: Int, count: Int, indexCount: UInt64 = 1) {
        for n in 0..<count { _ = try! self[id].raft.propose(Array("entry \(n)".utf8), indexCount: indexCount) }
        stabilize()
    }
}
