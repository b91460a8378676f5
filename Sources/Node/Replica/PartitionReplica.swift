import Raft
import Storage

/// One replica of a partition: a Raft group whose log is the partition's segmented log.
///
/// It owns the Raft core, the partition log and `raft.state`, all used from one thread. The
/// caller drives time and messages into it and carries out each `Ready` in three steps:
/// ``takeReady()`` (send `messages` at once), ``persist(_:)`` (writes and one sync: group commit of
/// everything the cycle appended), ``complete(_:)`` (returns the messages that promise durable
/// state, and lets the core go on). ``persist(_:)`` splits in turn into ``beginPersist(_:)`` (owner
/// thread: writes), ``PendingPersist/perform()`` (any thread: the fsyncs) and
/// ``finishPersist(_:outcome:)`` (owner thread), so that the fsyncs can leave the event loop.
final class PartitionReplica {
    /// The partition directory: segments, indexes, `raft.state`.
    let directory: String
    private(set) var core: RaftCore<PartitionRaftLog>
    private let raftLog: PartitionRaftLog
    /// What `raft.state` holds now.
    private var writtenState: ReplicaState
    /// A Ready handed out and not yet completed.
    private var readyInFlight = false

    /// The partition log, for reads by the broker (fetch) and for retention.
    var log: PartitionLog { raftLog.log }

    /// Opens (or creates) the replica in `directory`.
    ///
    /// Damage to synced data (see the storage recovery rules) does not keep the replica out: the
    /// log is cut at the first damage (``PartitionLog/recovery`` says what was cut) and the
    /// replica rejoins refilling (`RaftCore.lostLogEnd`: it votes only as its intact log would
    /// have, and never campaigns) until its commit index is back at the durable end it had,
    /// recorded in `raft.state` before anything else.
    /// Term and vote are kept: forgetting a vote would allow two in one term.
    /// - Parameters:
    ///   - membership: the group's initial membership, used only when the directory holds no state.
    ///   - logOptions: storage options; `create` is implied.
    /// - Throws: storage errors (damage is refused only when the durable checkpoint is unreadable:
    ///   nothing then bounds what the replica acknowledged), a corrupt `raft.state`, or a Raft state
    ///   inconsistent with the log.
    init(
        directory: String, config: RaftConfig, membership: Membership, logOptions: PartitionLogOptions,
        random: any RandomNumberGenerator
    ) throws {
        var options = logOptions
        options.create = true
        let log = try Self.openCuttingDamage(directory: directory, options: options)
        let stored = try ReplicaState.read(in: directory)
        var state = stored ?? ReplicaState(hardState: HardState(), membership: membership)
        // A batch's leader epoch lies outside its CRC32C, so a flipped bit there passes open's
        // checks; no entry can carry a term above the durable term (a term is made durable
        // before a replica acknowledges anything of it), so the log is cut at the first batch
        // that does, as at other damage. Its term would make this log look more up to date than
        // any other, or stop replication to it for good (found by a 30-minute chaos run).
        let termEpoch = state.hardState.term.epoch
        if let cut = log.epochs.entries.first(where: { $0.epoch > termEpoch })?.startOffset {
            // As at run time (`cutDamage`): the lost end is durable before the cut, so a crash
            // between the two still knows what the replica may have acknowledged.
            let lostEnd = max(LogIndex(offset: log.nextOffset).previous, state.hardState.commit)
            state.lostLogEnd = LostLogEnd(index: lostEnd, term: state.hardState.term).merged(with: state.lostLogEnd)
            try state.write(in: directory)
            try log.truncate(after: max(cut, log.logStartOffset).advanced(by: -1))
        }
        if !log.recovery.acceptedDamage.isEmpty {
            guard let durableEnd = log.recovery.checkpointedDurableEnd else {
                throw ReplicaDamageError("\(directory): damage cut with no durable checkpoint: \(log.recovery.acceptedDamage)")
            }
            let lostEnd = max(LogIndex(offset: durableEnd).previous, state.hardState.commit)
            state.lostLogEnd = LostLogEnd(index: lostEnd, term: state.hardState.term).merged(with: state.lostLogEnd)
        }
        var hardState = state.hardState
        // The commit index on disk may lag (it is written lazily) but never leads the durable log.
        // Everything below the log start was committed (only committed entries are removed, and
        // an installed start is the leader's), however far the stored index lags.
        hardState.commit = max(
            min(hardState.commit, LogIndex(offset: log.nextOffset).previous), LogIndex(offset: log.logStartOffset).previous)
        self.directory = directory
        self.raftLog = PartitionRaftLog(log: log)
        self.writtenState = state
        self.core = try RaftCore(
            config: config, log: raftLog, hardState: hardState, membership: state.membership,
            applied: max(hardState.commit, LogIndex(offset: log.logStartOffset).previous),
            lostLogEnd: state.lostLogEnd, random: random)
        if state != stored { try state.write(in: directory) }
    }

    /// Opens the log; damage found is cut off and reported rather than refused, unless the durable
    /// checkpoint is unreadable.
    private static func openCuttingDamage(directory: String, options: PartitionLogOptions) throws -> PartitionLog {
        do {
            return try PartitionLog.open(directory: directory, options: options)
        } catch let error as StorageError where error.code == .damaged && !error.damage.contains(where: { $0.kind == .checkpointUnreadable }) {
            var cutting = options
            cutting.damagePolicy = .truncateAndReport
            return try PartitionLog.open(directory: directory, options: cutting)
        }
    }

    /// What opening cut off as damage, in words; nil when nothing was.
    var damageCut: String? {
        let damage = log.recovery.acceptedDamage
        return damage.isEmpty ? nil : damage.map(\.description).joined(separator: "; ")
    }

    // MARK: - Driving

    /// Advances the replica's clock by one tick.
    func tick() throws {
        core.tick()
        try checkReads()
    }

    /// Hands the replica a message from a peer.
    func step(_ message: Message) throws {
        core.step(message)
        try checkReads()
    }

    /// Proposes a record batch (leader only); its offsets are assigned when it is appended.
    /// - Returns: the Raft index range the batch will occupy.
    /// - Throws: why the core refused it (not the leader, backpressure, a transfer under way).
    func propose(_ batch: RecordBatch) throws(ProposalError) -> ClosedRange<LogIndex> {
        let count = UInt64(batch.header.lastOffsetDelta) + 1
        let first = try core.propose(batch.bytes, indexCount: count)
        return first...first.advanced(by: count - 1)
    }

    /// Proposes one step of a membership change (leader only); it takes effect when committed.
    /// - Returns: the index of the membership entry.
    func proposeMembershipChange(_ change: MembershipChange) throws(ProposalError) -> LogIndex {
        try core.proposeMembershipChange(change)
    }

    /// If the replica is new (term 0), times its first campaign: after `preferredTicks` on the
    /// group's preferred replica, one election timeout later than usual on the others.
    func timeFirstCampaignIfNew(preferred: Bool, preferredTicks: Int) {
        guard core.currentTerm == .zero else { return }
        if preferred {
            core.restartElectionTimeout(inTicks: preferredTicks)
        } else {
            core.delayElectionTimeout(byTicks: core.config.electionTimeoutTicks)
        }
    }

    /// Hands leadership to `target` once its log has caught up (leader only).
    func transferLeadership(to target: NodeID) throws(ProposalError) {
        try core.transferLeadership(to: target)
    }

    // MARK: - Ready, in three steps

    /// The next cycle's work, or nil when there is none. Send its `messages` at once.
    /// - Throws: a read of the log failed while the core gathered the cycle's entries.
    func takeReady() throws -> Ready? {
        precondition(!readyInFlight, "takeReady() while a Ready is in flight")
        guard core.hasReady else { return nil }
        readyInFlight = true
        let ready = core.ready()
        try checkReads()
        return ready
    }

    /// Makes `ready`'s log changes and state durable on the calling thread: ``beginPersist(_:)``,
    /// ``PendingPersist/perform()`` and ``finishPersist(_:outcome:)`` in a row.
    func persist(_ ready: Ready) throws {
        let pending = try beginPersist(ready)
        try finishPersist(pending, outcome: pending.perform())
    }

    /// The owner thread's half of persisting `ready`: installs a log start, replaces the suffix
    /// with its entries (into the page cache), and returns what still has to reach the disk: one
    /// sync of the log for everything appended, then `raft.state` if term, vote or membership
    /// changed. Installing a start and truncating sync on this thread (they are rare: a reset, a
    /// conflict after a leader change).
    func beginPersist(_ ready: Ready) throws -> PendingPersist {
        precondition(readyInFlight, "beginPersist() without takeReady()")
        if let start = ready.logStart { try install(start) }
        if let first = ready.entries.first {
            if first.index <= raftLog.lastIndex { try log.truncate(after: first.index.offset.advanced(by: -1)) }
            for entry in ready.entries {
                try log.appendReplicated(EntryBatchCoding.batch(for: entry, batchBytesMax: log.limits.batchBytesMax))
            }
        }
        try applyLogStarts(ready.committedEntries)
        let logSync = ready.logStart != nil || !ready.entries.isEmpty ? try log.beginSync() : nil
        let state = ReplicaState(
            hardState: ready.hardState ?? writtenState.hardState, membership: ready.membership ?? writtenState.membership,
            lostLogEnd: core.lostLogEnd)
        // A refill that ended is recorded with this write: until it lands, a restart merely
        // refills again, which is safe.
        let stateChanged = state.hardState.term != writtenState.hardState.term
            || state.hardState.vote != writtenState.hardState.vote || state.membership != writtenState.membership
            || state.lostLogEnd != writtenState.lostLogEnd
        return PendingPersist(logSync: logSync, state: stateChanged ? state : nil, directory: directory)
    }

    /// The owner thread's last half of persisting, once `pending.perform()` returned `outcome`.
    /// - Throws: what the sync or the state write failed with (the log then refuses all work).
    func finishPersist(_ pending: PendingPersist, outcome: PersistOutcome) throws {
        precondition(readyInFlight, "finishPersist() without takeReady()")
        if let logSync = pending.logSync { try log.completeSync(logSync, performError: outcome.logError) }
        if let error = outcome.stateError { throw error }
        if let state = pending.state { writtenState = state }
    }

    /// Finishes the cycle once ``persist(_:)`` is done.
    /// - Returns: the messages that may be sent only now (vote grants, append acknowledgements).
    func complete(_ ready: Ready) -> [Message] {
        precondition(readyInFlight, "complete() without takeReady()")
        readyInFlight = false
        core.advance()
        return ready.messagesAfterPersist
    }

    /// Cuts the log at `offset`, where a read found damage, once `raft.state` records the log's
    /// present end as lost (it may have acknowledged all of it).
    /// The replica is unusable afterwards: open it again from `directory`.
    /// - Throws: what writing the state or truncating failed with.
    func cutDamage(at offset: Offset) throws {
        // Term and vote as last made durable: what the core holds beyond them was never promised.
        var state = writtenState
        let lostEnd = LostLogEnd(index: LogIndex(offset: log.nextOffset).previous, term: state.hardState.term)
        state.lostLogEnd = lostEnd.merged(with: state.lostLogEnd)
        try state.write(in: directory)
        writtenState = state
        try log.truncate(after: max(offset, log.logStartOffset).advanced(by: -1))
    }

    /// Moves the log start as the committed log-start entries among `entries` ask (DeleteRecords).
    ///
    /// Runs before anything of the Ready reaches `raft.state`: after a restart the core hands out
    /// again only the entries above the commit index stored there, so the start they moved must
    /// be durable first (`advanceStart` writes `partition.state` before it returns). Entries handed
    /// out again are applied again, which changes nothing: the start never moves back. The
    /// entries are in the log by now (a follower's arrive in this Ready and were just appended).
    private func applyLogStarts(_ entries: [Entry]) throws {
        for entry in entries {
            guard let start = try EntryBatchCoding.logStart(in: entry, batchBytesMax: log.limits.batchBytesMax) else { continue }
            try log.advanceStart(to: start)
        }
    }

    /// The first offset of the entry holding `offset`, which the log must hold: the log start a
    /// request to remove everything below `offset` can move to, since Raft removes whole entries.
    func entryStart(containing offset: Offset) -> Offset? {
        core.entries(from: LogIndex(offset: offset), bytesMax: 1).first?.index.offset
    }

    /// Empties the log and starts it at `start` (the leader removed what this replica lacked).
    private func install(_ start: LogStart) throws {
        if log.nextOffset > log.logStartOffset { try log.truncate(after: log.logStartOffset.advanced(by: -1)) }
        try log.advanceStart(to: start.index.offset, epochBeforeStart: start.termBefore.epoch)
    }

    private func checkReads() throws {
        if let failure = raftLog.readFailure { throw failure }
    }
}

/// Damage in a partition that the replica cannot rejoin from on its own.
struct ReplicaDamageError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
