extension RaftCore {
    mutating func tickLeader() {
        heartbeatElapsedTicks += 1
        if electionElapsedTicks >= config.electionTimeoutTicks {
            electionElapsedTicks = 0
            transferTarget = nil
            if config.checkQuorum {
                let voters = activeMembership
                let active = voters.voters.filter { $0 == id || progress[$0]?.recentActive == true }
                for member in replicationTargets { progress[member]!.recentActive = false }
                if active.count < voters.quorumCount {
                    becomeFollower(term: term, leader: nil)
                    return
                }
            }
        }
        if heartbeatElapsedTicks >= config.heartbeatIntervalTicks {
            heartbeatElapsedTicks = 0
            for member in replicationTargets {
                let commit = min(progress[member]!.match, log.committed)
                send(to: member, .heartbeat(commit: commit))
            }
        }
    }

    func checkCanPropose(sizeBytes: Int) throws(ProposalError) {
        guard role == .leader else { throw .notLeader(leader: leader) }
        guard transferTarget == nil else { throw .leadershipTransferInProgress }
        let pending = uncommittedSizes.totalBytes
        guard pending == 0 || pending + sizeBytes <= config.uncommittedBytesMax else {
            throw .uncommittedBytesMaxReached
        }
    }

    /// Appends a new entry of the current term; it is sent at the next `ready()`.
    mutating func appendAsLeader(kind: EntryKind, payload: [UInt8], indexCount: UInt64) -> LogIndex {
        precondition(role == .leader, "only a leader appends new entries")
        let index = log.lastIndex.next
        let entry = Entry(term: term, index: index, lastIndex: index.advanced(by: indexCount - 1), kind: kind, payload: payload)
        log.append([entry])
        uncommittedSizes.append(lastIndex: entry.lastIndex, sizeBytes: entry.sizeBytes)
        if kind == .membership {
            uncommittedMemberships.append(try! Membership(decoding: payload))
            syncProgressWithMembership()
        }
        broadcastPending = true
        return index
    }

    mutating func addProgress(for member: NodeID) {
        var added = Progress(
            next: log.lastIndex.next, inflightCountMax: config.inflightAppendCountMax,
            inflightBytesMax: config.inflightAppendBytesMax)
        added.recentActive = true
        progress[member] = added
    }

    mutating func broadcastAppends() {
        broadcastPending = false
        for member in replicationTargets { sendAppend(to: member) }
    }

    /// Sends `member` what it lacks, as far as its progress allows; with `evenIfEmpty`, an
    /// empty append too (to probe or to carry the commit index).
    @discardableResult
    mutating func sendAppend(to member: NodeID, evenIfEmpty: Bool = true) -> Bool {
        guard progress[member]?.isPaused == false else { return false }
        // Taken out of the dictionary so that its in-flight ring is mutated in place, not copied.
        var peer = progress.removeValue(forKey: member)!
        defer { progress[member] = peer }
        let prevIndex = peer.next.previous
        guard let prevTerm = log.term(at: prevIndex) else {
            let start = LogStart(index: log.firstIndex, termBefore: log.term(at: log.firstIndex.previous) ?? .zero)
            peer.becomeInstalling(start)
            send(to: member, .installStart(InstallStart(start: start, membership: membership)))
            return true
        }
        let entries = log.entries(from: peer.next, through: log.lastIndex, bytesMax: config.appendBytesMax)
        guard !entries.isEmpty || evenIfEmpty else { return false }
        send(to: member, .append(AppendRequest(prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: log.committed)))
        if let last = entries.last {
            peer.sent(through: last.lastIndex, sizeBytes: entries.reduce(0) { $0 + $1.sizeBytes })
        } else if peer.state == .probe {
            peer.probeSent = true
        }
        return true
    }

    mutating func handleAppendResponse(_ response: AppendResponse, from member: NodeID) {
        // No correct follower acknowledges past this log; a faulty one must not move commit there.
        guard response.index <= log.lastIndex, var peer = progress.removeValue(forKey: member) else { return }
        peer.recentActive = true
        if !response.accepted {
            progress[member] = peer
            handleRejection(response, from: member)
            return
        }
        let wasPaused = peer.isPaused
        guard peer.acknowledge(through: response.index) else {
            progress[member] = peer
            return
        }
        switch peer.state {
        case .probe: peer.becomeReplicate()
        case .installing(let start) where peer.match >= start.index.previous: peer.becomeProbe()
        case .installing: break
        case .replicate: peer.inflights.free(through: peer.match)
        }
        progress[member] = peer
        if maybeCommit() {
            broadcastPending = true
        } else if wasPaused {
            // A paused follower missed the commit index broadcasts; an append, even empty, carries it.
            sendAppend(to: member)
        }
        while sendAppend(to: member, evenIfEmpty: false) {}
        if member == transferTarget && peer.match == log.lastIndex { send(to: member, .timeoutNow) }
    }

    /// Moves `next` back after a rejected append, using the follower's hint to skip whole terms.
    private mutating func handleRejection(_ response: AppendResponse, from member: NodeID) {
        let peer = progress[member]!
        if case .installing = peer.state { return }
        if peer.match > .zero && response.index <= peer.match {
            // The follower denies holding an entry it acknowledged: its storage lost it (it
            // refills before it votes freely), or the rejection is older than the acknowledgement.
            // Forgetting the match is safe either way, it only counts less toward commit, and it
            // is the only way to send the follower again what it lost.
            progress[member]!.forgetMatch()
        } else if peer.state == .replicate {
            progress[member]!.becomeProbe()
        } else {
            guard response.index == peer.next.previous else { return }  // stale
        }
        var agreed: LogIndex
        if response.hintIndex < log.firstIndex.previous {
            agreed = response.hintIndex
        } else {
            agreed = log.boundary(atOrBelow: response.hintIndex, termAtMost: response.hintTerm).index
        }
        let start = log.firstIndex.previous
        if agreed >= response.index && response.index > .zero {
            // The terms cannot say more (the rejection is at this log's start, or the follower
            // is faulty): step back one entry, below the start meaning "install the start".
            agreed = response.index > start
                ? log.boundary(atOrBelow: response.index.previous, termAtMost: Term(UInt64.max)).index
                : response.index.previous
        }
        progress[member]!.next = max(agreed.next, progress[member]!.match.next)
        progress[member]!.probeSent = false
        sendAppend(to: member)
    }

    mutating func handleHeartbeatResponse(from member: NodeID) {
        guard var peer = progress.removeValue(forKey: member) else { return }
        peer.recentActive = true
        peer.probeSent = false
        switch peer.state {
        case .installing:
            peer.becomeProbe()
        case .replicate where peer.inflights.isFull:
            // The oldest append may be lost; sending past it makes the follower reject (a gap),
            // which sends the leader back to probing from the follower's match.
            peer.inflights.freeFirst()
        default:
            break
        }
        progress[member] = peer
        if peer.match < log.lastIndex { sendAppend(to: member) }
    }

    /// The leader's own entries became durable: they count toward commit now.
    mutating func recordOwnDurableEntries() {
        let durable = log.durableLastIndex
        guard durable > progress[id]!.match else { return }
        progress[id]!.match = durable
        if maybeCommit() { broadcastPending = true }
    }

    /// Commits the highest index a majority of voters hold durable, if it is of the current term.
    mutating func maybeCommit() -> Bool {
        let voters = activeMembership
        var matches = voters.voters.map { progress[$0]?.match ?? .zero }
        matches.sort(by: >)
        let candidate = matches[voters.quorumCount - 1]
        guard candidate > log.committed else { return false }
        let ownTerm = log.term(at: candidate) == term
        guard ownTerm || config.plantedFaults.contains(.commitPreviousTermByCounting) else { return false }
        commit(through: candidate)
        return true
    }

    /// Moves the commit index and puts committed membership changes in effect.
    mutating func commit(through index: LogIndex) {
        guard index > log.committed else { return }
        log.committed = index
        if let lostLogEnd, index >= lostLogEnd.index { self.lostLogEnd = nil }
        uncommittedSizes.remove(through: index)
        while let next = uncommittedMemberships.first, next.index <= index {
            uncommittedMemberships.removeFirst()
            apply(next)
        }
    }

    /// Records a committed membership. A leader that the committed membership removed steps
    /// down now: until then it kept leading without counting itself (thesis §4.2.2).
    mutating func apply(_ committed: Membership) {
        membership = committed
        guard role == .leader else { return }
        syncProgressWithMembership()
        if !committed.isVoter(id) { becomeFollower(term: term, leader: nil) }
    }

    /// Tracks progress for exactly the members of the active and the committed membership.
    mutating func syncProgressWithMembership() {
        let members = Set(activeMembership.members + membership.members)
        replicationTargets = members.filter { $0 != id }.sorted()
        for member in replicationTargets where progress[member] == nil { addProgress(for: member) }
        for member in Array(progress.keys) where member != id && !members.contains(member) { progress[member] = nil }
        if let target = transferTarget, !activeMembership.isVoter(target) { transferTarget = nil }
    }
}
