extension RaftCore {
    mutating func handleAppend(_ request: AppendRequest, from sender: NodeID) {
        if request.prevIndex < log.committed {
            acknowledge(to: sender, through: log.committed)
            return
        }
        guard log.term(at: request.prevIndex) == request.prevTerm else {
            let hint = log.boundary(atOrBelow: request.prevIndex, termAtMost: request.prevTerm)
            let rejection = AppendResponse(accepted: false, index: request.prevIndex, hintIndex: hint.index, hintTerm: hint.term)
            sendAfterPersist(to: sender, .appendResponse(rejection))
            return
        }
        // What follows is only ever sent wrong by a faulty peer; such an append is ignored
        // rather than allowed to split an entry of this log.
        guard isEntryBoundary(request.prevIndex), let firstNew = firstNewEntryPosition(request.entries) else { return }
        let lastNew = request.entries.last?.lastIndex ?? request.prevIndex
        if firstNew < request.entries.count {
            let newEntries = Array(request.entries[firstNew...])
            guard newEntries[0].index > log.committed else {
                invariantViolated("append from \(sender) conflicts with committed entry at \(newEntries[0].index)")
                return
            }
            let memberships = newEntries.filter { $0.kind == .membership }.map { try? Membership(decoding: $0.payload) }
            guard !memberships.contains(nil) else { return }
            uncommittedMemberships.removeAll { $0.index >= newEntries[0].index }
            uncommittedMemberships += memberships.compactMap { $0 }
            log.append(newEntries)
        }
        commit(through: min(request.commit, lastNew))
        acknowledge(to: sender, through: lastNew)
    }

    private func isEntryBoundary(_ index: LogIndex) -> Bool {
        index >= log.lastIndex || index == log.firstIndex.previous || log.entryRange(containing: index)?.upperBound == index
    }

    /// The position of the first entry this log does not hold, `entries.count` if it holds them
    /// all, nil if one has a term this log holds with other bounds. Entries of one term are the
    /// same entries (one leader per term made them), so a matching term means "held".
    private func firstNewEntryPosition(_ entries: [Entry]) -> Int? {
        for (position, entry) in entries.enumerated() {
            guard log.term(at: entry.index) == entry.term else { return position }
            guard log.entryRange(containing: entry.index) == entry.index...entry.lastIndex else { return nil }
        }
        return entries.count
    }

    private mutating func acknowledge(to sender: NodeID, through index: LogIndex) {
        let body = MessageBody.appendResponse(AppendResponse(accepted: true, index: index))
        if config.plantedFaults.contains(.acknowledgeBeforeDurable) {
            send(to: sender, body)
        } else {
            sendAfterPersist(to: sender, body)
        }
    }

    mutating func handleHeartbeat(commit: LogIndex, from sender: NodeID) {
        // The leader sends min(match, commit), so the index is in this log, unless the log lost
        // entries it acknowledged: then a rejection at that index makes the leader forget the
        // match and send them again, even when it has nothing new to replicate.
        if commit > log.lastIndex {
            let hint = AppendResponse(accepted: false, index: commit, hintIndex: log.lastIndex, hintTerm: log.lastTerm)
            send(to: sender, .appendResponse(hint))
        }
        self.commit(through: min(commit, log.lastIndex))
        send(to: sender, .heartbeatResponse)
    }

    mutating func handleInstallStart(_ request: InstallStart, from sender: NodeID) {
        let start = request.start
        let before = start.index.previous
        if before <= log.committed {
            acknowledge(to: sender, through: log.committed)
            return
        }
        if log.term(at: before) == start.termBefore {
            commit(through: before)
        } else {
            log.reset(to: start)
            uncommittedMemberships = []
            if request.membership.index >= membership.index { membership = request.membership }
        }
        acknowledge(to: sender, through: before)
    }
}
