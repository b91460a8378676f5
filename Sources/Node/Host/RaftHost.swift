import ClusterMetadata
import Logging
import Raft
import Storage
import Transport
import SeededRandom

/// Hosts many Raft groups (partition replicas) of one node on one event loop.
///
/// Every replica is used only on the loop's thread, and so is this object: create it, call its
/// methods and read its properties from jobs and callbacks on ``loop`` (the `async` methods may be
/// called from anywhere; they hop onto the loop). What happens where:
///
/// - **Ticks**: one `LoopTimer` ticks every group every ``RaftHostOptions/tickInterval``.
/// - **A host cycle** runs after every tick, at the end of a turn in which frames or proposals
///   arrived, and when syncs complete. For each group with work it takes the Ready, queues its
///   `messages` at once, and writes its entries to the partition log (the page cache). Then a
///   few offloaded jobs (`EventLoop.offload`, libuv's pool; ``RaftHostOptions/syncJobsPerCycleMax``)
///   run the fsyncs of the cycle's groups, one sync per group for everything its Ready appended
///   (group commit); each completion, back on the loop, finishes its groups' Readies and queues
///   the messages that had to wait for durability. Writes stay on the loop because the Raft
///   core reads its log synchronously.
/// - **Peer messages**: all messages for one peer queued during a cycle leave as one raft batch
///   frame (``RaftBatchFrame``), split only at the transport's frame bound, so the heartbeats of
///   all groups two nodes share travel in one frame per tick.
///
/// Frames come in through ``receive(_:from:)`` and go out through the `send` closure, so the
/// node decides which connections carry them (a `PeerConnector`).
public final class RaftHost: @unchecked Sendable {
    /// The loop everything of this host runs on.
    public let loop: EventLoop
    /// This node's id in every group it hosts.
    public let localID: NodeID
    /// Timings and bounds.
    public let options: RaftHostOptions
    /// Called on the loop whenever a group's status changes (role, term, leader, commit, log end,
    /// failure), after the host cycle that changed it.
    public var onStatusChange: ((GroupStatus) -> Void)?
    /// What the host did so far.
    public internal(set) var counters = RaftHostCounters()
    /// The retention each group's log is kept to, checked every
    /// ``RaftHostOptions/retentionCheckIntervalTicks``. A group without an entry is never trimmed
    /// by retention: the controller log (replayed from its start at every boot) and internal
    /// topics such as `__consumer_offsets` (group offsets would vanish; it is not compacted).
    public var retentionPolicies: [RaftGroupID: RetentionPolicy] = [:]

    let send: (NodeID, PeerFrame) -> SendOutcome
    var groups: [RaftGroupID: HostedGroup] = [:]
    /// Groups that may have work for the next host cycle.
    var dirtyGroups: Set<RaftGroupID> = []
    var outbox: PeerOutbox
    var tickCount: UInt64 = 0
    /// The group whose scrub pass is under way (``scrubTurn()``).
    var scrubbing: RaftGroupID?
    /// Where the retention sweep stands (``retentionTurn()``).
    var sweep = RetentionSweep()
    var isClosed = false
    let cycleTimer: LoopTimer
    private let tickTimer: LoopTimer
    private var random: SplitMix64

    /// Starts a host with no groups. Call on `loop`'s thread.
    /// - Parameters:
    ///   - seed: seeds every replica's election timeouts (log it to reproduce a run).
    ///   - send: hands a frame to the transport for a peer node.
    /// - Throws: ``RaftHostError`` when the options are invalid or do not fit the loop's limits.
    public init(
        loop: EventLoop, localID: NodeID, options: RaftHostOptions, seed: UInt64,
        send: @escaping (NodeID, PeerFrame) -> SendOutcome
    ) throws(RaftHostError) {
        precondition(loop.inLoopThread, "a RaftHost is created on its loop's thread")
        try options.validate(frameBytesMax: loop.limits.frameBytesMax)
        self.loop = loop
        self.localID = localID
        self.options = options
        self.send = send
        self.outbox = PeerOutbox(bodyBytesMax: loop.limits.frameBytesMax)
        self.random = SplitMix64(seed: seed)
        self.cycleTimer = LoopTimer(loop: loop)
        self.tickTimer = LoopTimer(loop: loop)
        tickTimer.schedule(after: options.tickInterval, repeating: options.tickInterval) { [weak self] in self?.tick() }
    }

    // MARK: - Groups

    /// Opens (or creates) this node's replica of `group` in `directory` and starts driving it.
    ///
    /// Opening recovers the partition log on the loop's thread (a walk of its active segment).
    /// - Parameter membership: the group's initial members; used only when the directory holds
    ///   no Raft state yet (a restarted replica keeps its own).
    /// - Throws: ``RaftHostError`` when the id is in use or the host is closed; storage and Raft
    ///   errors when the replica cannot open.
    /// - Parameter preferredLeader: whether this node is the group's preferred leader, if it has
    ///   one. A new replica (term 0) of the preferred leader campaigns after
    ///   ``RaftHostOptions/preferredCampaignTicks``; the other new replicas wait one election
    ///   timeout longer than usual, so that the preferred one gets a second try before them if
    ///   its first vote requests reached nodes that had not created the group yet. New
    ///   partitions then start out led where the placement spread them.
    public func addGroup(_ group: RaftGroupID, directory: String, membership: Membership, preferredLeader: Bool? = nil) throws {
        assertInLoop()
        guard !isClosed else { throw RaftHostError("host \(localID) is shut down") }
        guard groups[group] == nil else { throw RaftHostError("group \(group) is already hosted on \(localID)") }
        let replica = try openReplica(directory: directory, membership: membership)
        if let preferredLeader {
            replica.timeFirstCampaignIfNew(preferred: preferredLeader, preferredTicks: options.preferredCampaignTicks)
        }
        host(group, replica: replica)
    }

    /// Opens this node's replica in `directory`; damage found is cut and logged (the replica
    /// then refills before it is a full voter again).
    func openReplica(directory: String, membership: Membership) throws -> PartitionReplica {
        let replica = try PartitionReplica(
            directory: directory, config: options.raftConfig(for: localID), membership: membership,
            logOptions: options.logOptions, random: SplitMix64(seed: random.next()))
        if let cut = replica.damageCut {
            loop.logger.warning("\(directory) on \(localID): cut damaged storage (\(cut))")
        }
        if let lost = replica.core.lostLogEnd {
            loop.logger.warning(
                "\(directory) on \(localID): refilling from the leader; until the commit index reaches \(lost.index) it does not campaign and votes only for logs past \(lost.index)@\(lost.term)")
        }
        return replica
    }

    /// Starts driving `replica` as `group`.
    func host(_ group: RaftGroupID, replica: PartitionReplica) {
        groups[group] = HostedGroup(id: group, replica: replica)
        markDirty(group)
    }

    /// Stops hosting `group`: its pending proposals fail with ``ProposalFailure/groupStopped``
    /// and its messages are dropped from now on. Its files stay (deleting data is the caller's
    /// decision, after the group's membership no longer names this node).
    public func removeGroup(_ group: RaftGroupID) {
        assertInLoop()
        guard let removed = groups.removeValue(forKey: group) else { return }
        dirtyGroups.remove(group)
        removed.proposals.failAll(.groupStopped)
    }

    /// The ids of the hosted groups.
    public var groupIDs: [RaftGroupID] {
        assertInLoop()
        return groups.keys.sorted()
    }

    /// The status of `group`, nil when it is not hosted here.
    public func status(of group: RaftGroupID) -> GroupStatus? {
        assertInLoop()
        return groups[group]?.status
    }

    /// The first offset `group`'s log holds; nil when the group is not hosted. Cheaper than
    /// ``status(of:)`` for the one field every Produce answer carries.
    public func logStartOffset(of group: RaftGroupID) -> Offset? {
        assertInLoop()
        return groups[group]?.replica.log.logStartOffset
    }

    /// The status of every hosted group, in id order.
    public var statuses: [GroupStatus] {
        assertInLoop()
        return groups.keys.sorted().compactMap { groups[$0]?.status }
    }

    /// Reads whole stored batches of `group`'s log from `offset` (the broker's fetch path, and
    /// tests comparing replicas).
    /// - Parameter limit: no batch at or after this offset is returned (the high-water mark, so
    ///   that consumers see committed records only).
    /// - Throws: ``RaftHostError`` for an unknown group; storage errors.
    public func read(_ group: RaftGroupID, from offset: Offset, maxBytes: Int, before limit: Offset? = nil) throws -> LogRead {
        assertInLoop()
        let hosted = try hostedGroup(group)
        do {
            return try hosted.replica.log.read(from: offset, maxBytes: maxBytes, before: limit)
        } catch let error as StorageError where error.code == .corruptData {
            fail(hosted, error)
            throw error
        }
    }

    /// The first offset of `group`'s log whose batch has a timestamp at or after `timestamp`
    /// (ListOffsets by time); nil when no batch is that late.
    /// - Throws: ``RaftHostError`` for an unknown group; storage errors.
    public func offset(of group: RaftGroupID, forTimestamp timestamp: Int64) throws -> Offset? {
        assertInLoop()
        return try hostedGroup(group).replica.log.offset(forTimestamp: timestamp)
    }

    private func hostedGroup(_ group: RaftGroupID) throws(RaftHostError) -> HostedGroup {
        guard let hosted = groups[group] else { throw RaftHostError("group \(group) is not hosted on \(localID)") }
        return hosted
    }

    // MARK: - Shutdown

    /// Stops the timers and every group; pending proposals fail with
    /// ``ProposalFailure/groupStopped``. Syncs still in flight complete on their own, unheard.
    /// The caller then closes the transport and shuts the loop down.
    public func close() {
        assertInLoop()
        guard !isClosed else { return }
        isClosed = true
        tickTimer.close()
        cycleTimer.close()
        let stopped = groups.values
        groups = [:]
        dirtyGroups = []
        for group in stopped { group.proposals.failAll(.groupStopped) }
    }

    // MARK: - Ticks

    private func tick() {
        tickCount += 1
        counters.ticks += 1
        for group in groups.values where group.isServing {
            do { try group.replica.tick() } catch { fail(group, error) }
            group.proposals.expire(at: tickCount)
            dirtyGroups.insert(group.id)
        }
        scrubTurn()
        retentionTurn()
        // Now rather than at the end of the turn, so this tick's heartbeats leave together.
        runCycle()
    }

    func assertInLoop(_ function: StaticString = #function) {
        assert(loop.inLoopThread, "RaftHost.\(function) must run on loop \(loop.name)'s thread")
    }
}
