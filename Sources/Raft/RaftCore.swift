/// One replica of a Raft group as a pure state machine: no I/O, no clock, no threads.
///
/// Drive it with `tick()` (time), `step(_:)` (a message from a peer), `propose(_:indexCount:)`,
/// `proposeMembershipChange(_:)` and `transferLeadership(to:)`; collect its effects with
/// `ready()`, perform them as `Ready` describes, then call `advance()`.
///
/// The durable log is the caller's, read through `Log`; the core keeps only what the caller has
/// not yet reported durable.
public struct RaftCore<Log: RaftLogReader> {
    /// This replica's configuration.
    public let config: RaftConfig
    var log: RaftLog<Log>
    var random: any RandomNumberGenerator

    var term: Term
    var vote: NodeID?
    var role: Role = .follower
    var leader: NodeID?
    /// The latest committed membership (what `Ready.membership` persists).
    var membership: Membership
    /// Membership entries in the log above the commit index, in index order.
    var uncommittedMemberships: [Membership] = []
    /// The membership that decides elections and commits: the latest one in the log, committed
    /// or not (see `Membership` for why).
    var activeMembership: Membership { uncommittedMemberships.last ?? membership }

    /// Leader only: every other member's progress, and this replica's own.
    var progress: [NodeID: Progress] = [:]
    /// Leader only: the members it replicates to (of the active and the committed membership), sorted.
    var replicationTargets: [NodeID] = []
    /// Leader only: the index of its first entry (the no-op) in its term.
    var termStartIndex: LogIndex = .zero
    /// Leader only: sizes of the entries it appended that are not yet committed.
    var uncommittedSizes = UncommittedSizes()
    /// Leader only: new entries or a new commit index await sending at the next `ready()`.
    var broadcastPending = false
    /// Leader only: the voter leadership is being handed to.
    var transferTarget: NodeID?

    /// (Pre-)candidate only: the answers received so far.
    var votes: [NodeID: Bool] = [:]
    /// Candidate only: its own vote is counted once the vote is durable.
    var selfVoteAwaitsPersist = false

    var electionElapsedTicks = 0
    var heartbeatElapsedTicks = 0
    var randomizedElectionTimeoutTicks = 0

    var messages: [Message] = []
    var messagesAfterPersist: [Message] = []

    /// What the caller last persisted, to hand out only changes.
    var persistedHardState: HardState
    var persistedMembership: Membership
    /// What the `Ready` in flight handed out, settled by `advance()`.
    var readyInFlight: ReadyInFlight?

    /// Set while this replica refills what its storage lost: it may have acknowledged entries
    /// it no longer holds, so a vote from its present log could elect a leader lacking committed
    /// entries. Meanwhile it never campaigns and grants a (pre-)vote only to a candidate at least
    /// as up to date as this end (the vote its intact log would have given); it follows and
    /// acknowledges as usual (an acknowledgement names only entries it holds again). Cleared once
    /// the commit index reaches `index`: its log then equals the leader's through every index it
    /// could have acknowledged, committed entries included. Persist it, and its end: a restart
    /// must not make a refilling replica a full voter again.
    public internal(set) var lostLogEnd: LostLogEnd?

    var electionsStarted: UInt64 = 0
    var leaderChanges: UInt64 = 0
    /// With planted faults on: invariant violations the core noticed instead of stopping.
    @_spi(Testing) public private(set) var reportedViolations: [String] = []

    struct ReadyInFlight {
        var logStart: LogStart?
        var lastEntry: (index: LogIndex, term: Term)?
        var appliedThrough: LogIndex?
        /// The term in which this `Ready` persists the candidate's vote for itself.
        var selfVoteTerm: Term?
    }

    /// Creates a replica from its durable state.
    /// - Parameters:
    ///   - config: bounds and switches, validated here.
    ///   - log: the durable log.
    ///   - hardState: the durable hard state (`HardState()` for a new replica).
    ///   - membership: the durable committed membership (the initial one for a new group).
    ///   - applied: the last index the caller's state machine holds (at most `hardState.commit`).
    ///   - lostLogEnd: for a replica whose storage lost entries it may have acknowledged, the end
    ///     of what it could have acknowledged (see ``lostLogEnd``). Persist it before creating the
    ///     core, and keep it across restarts until ``lostLogEnd`` reports nil.
    ///   - random: the generator for election timeouts; seed it to reproduce runs.
    /// - Throws: `RaftConfigError` if the configuration or the durable state is inconsistent.
    public init(
        config: RaftConfig,
        log: Log,
        hardState: HardState,
        membership: Membership,
        applied: LogIndex? = nil,
        lostLogEnd: LostLogEnd? = nil,
        random: any RandomNumberGenerator
    ) throws(RaftConfigError) {
        try config.validate()
        let applied = applied ?? hardState.commit
        guard !membership.voters.isEmpty else { throw RaftConfigError(rule: "the membership has no voter") }
        guard hardState.commit <= log.lastIndex else {
            throw RaftConfigError(rule: "durable commit \(hardState.commit) is past the log's last index \(log.lastIndex)")
        }
        guard applied <= hardState.commit, applied >= log.firstIndex.previous else {
            throw RaftConfigError(rule: "applied \(applied) must lie in log start - 1 ... commit \(hardState.commit)")
        }
        self.config = config
        self.log = RaftLog(stable: log, committed: max(hardState.commit, log.firstIndex.previous), applied: applied)
        self.random = random
        self.term = hardState.term
        self.vote = hardState.vote
        self.membership = membership
        self.persistedHardState = hardState
        self.persistedMembership = membership
        self.uncommittedMemberships = Self.membershipEntries(in: self.log, after: self.log.committed)
            .filter { $0.index > membership.index }
        if let lostLogEnd, lostLogEnd.index > self.log.committed { self.lostLogEnd = lostLogEnd }
        resetElectionTimeout()
    }

    /// Membership entries of `log` after `index`, decoded.
    private static func membershipEntries(in log: RaftLog<Log>, after index: LogIndex) -> [Membership] {
        var found: [Membership] = []
        var next = index.next
        while next <= log.lastIndex {
            let batch = log.entries(from: next, through: log.lastIndex, bytesMax: 1 << 20)
            guard let last = batch.last else { break }
            found += batch.compactMap { $0.kind == .membership ? try? Membership(decoding: $0.payload) : nil }
            next = last.lastIndex.next
        }
        return found
    }

    // MARK: - Observing

    /// This replica's identity.
    public var id: NodeID { config.id }

    /// The current role.
    public var currentRole: Role { role }

    /// The leader this replica knows of.
    public var currentLeader: NodeID? { leader }

    /// The current term.
    public var currentTerm: Term { term }

    /// The commit index.
    public var commitIndex: LogIndex { log.committed }

    /// The latest committed membership.
    public var currentMembership: Membership { membership }

    /// The membership that decides elections and commits: the latest in the log, even uncommitted.
    public var latestMembership: Membership { activeMembership }

    /// The last index whose entry the caller has been handed in `Ready.committedEntries` and
    /// reported done (`advance()`); a prefix removed must stay at or below it, since entries
    /// above it are still to be handed out.
    public var appliedIndex: LogIndex { log.applied }

    /// The first index of the log (after prefix removal or an installed log start).
    public var firstIndex: LogIndex { log.firstIndex }

    /// The last index of the log, including entries not yet durable.
    public var lastIndex: LogIndex { log.lastIndex }

    /// The term of `index` in this replica's log, including entries not yet durable.
    public func term(at index: LogIndex) -> Term? { log.term(at: index) }

    /// Entries of this replica's log from the one containing `index`, including those not yet durable.
    public func entries(from index: LogIndex, bytesMax: Int) -> [Entry] {
        log.entries(from: index, through: log.lastIndex, bytesMax: bytesMax)
    }

    /// The figures to export as metrics.
    public var metrics: RaftMetrics {
        RaftMetrics(
            term: term, role: role, leader: leader, commitIndex: log.committed, appliedIndex: log.applied,
            lastIndex: log.lastIndex, electionsStarted: electionsStarted, leaderChanges: leaderChanges,
            followerMatchIndexes: followerMatchIndexes)
    }

    /// Every other replica's match index while leading, else empty. Built in one dictionary:
    /// node status reads it for every group with work in every host cycle.
    private var followerMatchIndexes: [NodeID: LogIndex] {
        guard role == .leader else { return [:] }
        var matches = [NodeID: LogIndex](minimumCapacity: progress.count)
        for (node, state) in progress where node != id { matches[node] = state.match }
        return matches
    }

    // MARK: - Driving

    /// Advances time by one tick: campaigns after an election timeout, sends heartbeats, and
    /// (with check-quorum) steps down a leader that lost its majority.
    public mutating func tick() {
        electionElapsedTicks += 1
        if role == .leader {
            tickLeader()
        } else if electionElapsedTicks >= randomizedElectionTimeoutTicks {
            electionElapsedTicks = 0
            if isPromotable { campaign(preVote: config.preVote, transfer: false) }
        }
    }

    /// Proposes an entry of application data spanning `indexCount` indexes.
    /// - Returns: the first index assigned to the entry.
    /// - Throws: `ProposalError` if this replica cannot accept it now.
    @discardableResult
    public mutating func propose(_ payload: [UInt8], indexCount: UInt64 = 1) throws(ProposalError) -> LogIndex {
        guard indexCount >= 1 else { throw .invalidIndexCount(indexCount) }
        try checkCanPropose(sizeBytes: payload.count + Entry.overheadBytes)
        return appendAsLeader(kind: .data, payload: payload, indexCount: indexCount)
    }

    /// Proposes one step of a membership change (see `Membership` for the rules).
    /// - Returns: the index of the membership entry.
    /// - Throws: `ProposalError` if the change cannot be proposed now.
    @discardableResult
    public mutating func proposeMembershipChange(_ change: MembershipChange) throws(ProposalError) -> LogIndex {
        try checkCanPropose(sizeBytes: Entry.overheadBytes)
        guard log.committed >= termStartIndex, uncommittedMemberships.isEmpty else { throw .membershipChangePending }
        if case .promoteLearner(let learner) = change, (progress[learner]?.match ?? .zero) < log.committed {
            throw .learnerBehind(learner)
        }
        let index = log.lastIndex.next
        let changed: Membership
        do { changed = try activeMembership.applying(change, at: index) } catch { throw .invalidMembershipChange(error) }
        let proposed = appendAsLeader(kind: .membership, payload: changed.encoded(), indexCount: 1)
        precondition(proposed == index, "membership entry landed at \(proposed), expected \(index)")
        return index
    }

    /// Ends this replica's current election timeout after exactly `ticks` more ticks instead of
    /// its randomised one (later timeouts are randomised again); a leader ignores it. A new
    /// group uses it so that its preferred replica campaigns well before the others, which wait
    /// longer than usual, and leadership starts where the placement put it instead of wherever
    /// the first timeout fell.
    public mutating func restartElectionTimeout(inTicks ticks: Int) {
        precondition(ticks >= 1, "an election timeout of \(ticks) ticks")
        guard role != .leader else { return }
        electionElapsedTicks = randomizedElectionTimeoutTicks - ticks
    }

    /// Makes this replica's current election timeout `ticks` ticks longer (the other new
    /// replicas of a group whose preferred replica restarted its timeout to campaign first).
    public mutating func delayElectionTimeout(byTicks ticks: Int) {
        precondition(ticks >= 0, "a delay of \(ticks) ticks")
        electionElapsedTicks -= ticks
    }

    /// Hands leadership to `target` once its log has caught up; proposals are refused meanwhile,
    /// and the transfer is abandoned after an election timeout.
    /// - Throws: `ProposalError` if this replica is not the leader or `target` cannot lead.
    public mutating func transferLeadership(to target: NodeID) throws(ProposalError) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard target != id, activeMembership.isVoter(target) else { throw .invalidTransferTarget(target) }
        transferTarget = target
        electionElapsedTicks = 0
        if progress[target]?.match == log.lastIndex {
            send(to: target, .timeoutNow)
        } else {
            sendAppend(to: target)
        }
    }

    // MARK: - Ready / advance

    /// Whether `ready()` would hand out anything.
    public var hasReady: Bool {
        readyInFlight == nil
            && (broadcastPending || !messages.isEmpty || !messagesAfterPersist.isEmpty || log.pendingStart != nil
                || !log.unstable.isEmpty || currentHardState != persistedHardState || membership != persistedMembership
                || log.applied < log.committed)
    }

    /// Collects what the caller must do now (see `Ready`). Call `advance()` before the next `ready()`.
    public mutating func ready() -> Ready {
        precondition(readyInFlight == nil, "ready() called again before advance()")
        if broadcastPending { broadcastAppends() }
        var ready = Ready()
        ready.logStart = log.pendingStart
        ready.entries = log.unstable
        let hardState = currentHardState
        if hardState != persistedHardState { ready.hardState = hardState }
        if membership != persistedMembership { ready.membership = membership }
        ready.messages = messages
        ready.messagesAfterPersist = messagesAfterPersist
        messages = []
        messagesAfterPersist = []
        if log.applied < log.committed {
            ready.committedEntries = log.entries(from: log.applied.next, through: log.committed, bytesMax: config.applyBytesMax)
        }
        readyInFlight = ReadyInFlight(
            logStart: ready.logStart,
            lastEntry: ready.entries.last.map { ($0.lastIndex, $0.term) },
            appliedThrough: ready.committedEntries.last?.lastIndex,
            selfVoteTerm: role == .candidate && selfVoteAwaitsPersist && ready.hardState?.vote == id ? term : nil)
        if let hardState = ready.hardState { persistedHardState = hardState }
        if let membership = ready.membership { persistedMembership = membership }
        return ready
    }

    /// Reports that everything the last `Ready` asked for is done and durable.
    public mutating func advance() {
        guard let done = readyInFlight else { preconditionFailure("advance() without a ready() in flight") }
        readyInFlight = nil
        if let start = done.logStart { log.stableStart(start) }
        if let last = done.lastEntry { log.stableTo(index: last.index, term: last.term) }
        if let applied = done.appliedThrough { log.applied = max(log.applied, applied) }
        if role == .leader {
            recordOwnDurableEntries()
        } else if role == .candidate && selfVoteAwaitsPersist && done.selfVoteTerm == term {
            // Only the `Ready` that carried the vote makes it durable, not one already in flight.
            selfVoteAwaitsPersist = false
            receiveVote(from: id, granted: true)
        }
    }

    var currentHardState: HardState { HardState(term: term, vote: vote, commit: log.committed) }

    // MARK: - Shared helpers

    /// Whether this replica may campaign: it is a voter that holds everything it may have acknowledged.
    var isPromotable: Bool { (lostLogEnd == nil || refillingVotesFreely) && activeMembership.isVoter(id) }

    /// Whether a refilling replica may vote as if its log were intact (a planted fault).
    var refillingVotesFreely: Bool { config.plantedFaults.contains(.voteWhileRefilling) }

    mutating func resetElectionTimeout() {
        let timeout = config.electionTimeoutTicks
        randomizedElectionTimeoutTicks = timeout + Int.random(in: 0..<timeout, using: &random)
    }

    mutating func send(to peer: NodeID, _ body: MessageBody, term: Term? = nil) {
        messages.append(Message(from: id, to: peer, term: term ?? self.term, body: body))
    }

    mutating func sendAfterPersist(to peer: NodeID, _ body: MessageBody, term: Term? = nil) {
        messagesAfterPersist.append(Message(from: id, to: peer, term: term ?? self.term, body: body))
    }

    mutating func setLeader(_ newLeader: NodeID?) {
        if let newLeader, newLeader != leader { leaderChanges += 1 }
        leader = newLeader
    }

    /// An invariant broke. Stops the process, unless planted faults are on: then the simulator,
    /// not a trap, has to report the consequences, so the violation is recorded.
    mutating func invariantViolated(_ message: String) {
        if config.plantedFaults.isEmpty { preconditionFailure(message) }
        reportedViolations.append("\(id): \(message)")
    }
}
