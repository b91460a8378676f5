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
        // Entries already held with the same term are the same entries (one leader per term
        // made them), so only the part from the first different term on is new.
        let lastNew = request.entries.last?.lastIndex ?? request.prevIndex
        if let conflict = request.entries.firstIndex(where: { log.term(at: $0.index) != $0.term }) {
            let newEntries = Array(request.entries[conflict...])
            guard newEntries[0].index > log.committed else {
                invariantViolated("append from \(sender) conflicts with committed entry at \(newEntries[0].index)")
                return
            }
            uncommittedMemberships.removeAll { $0.index >= newEntries[0].index }
            log.append(newEntries)
            for entry in newEntries where entry.kind == .membership {
                guard let decoded = try? Membership(decoding: entry.payload) else {
                    invariantViolated("membership entry at \(entry.index) does not decode")
                    continue
                }
                uncommittedMemberships.append(decoded)
            }
        }
        commit(through: min(request.commit, lastNew))
        acknowledge(to: sender, through: lastNew)
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
        // The leader sends min(match, commit), so the index is in this log; the bound only
        // guards against a durable log that lost entries it acknowledged.
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
