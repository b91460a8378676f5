extension RaftCore {
    /// Handles a message from a peer. Messages for another replica are ignored.
    public mutating func step(_ message: Message) {
        guard message.to == id, message.from != id else { return }
        guard handleTerm(of: message) else { return }
        switch message.body {
        case .voteRequest(let request):
            handleVoteRequest(request, from: message.from, term: message.term)
        case .voteResponse(let response):
            guard (response.isPreVote && role == .preCandidate) || (!response.isPreVote && role == .candidate) else { return }
            receiveVote(from: message.from, granted: response.granted)
        case .append(let request):
            followLeader(message.from)
            handleAppend(request, from: message.from)
        case .heartbeat(let commit):
            followLeader(message.from)
            handleHeartbeat(commit: commit, from: message.from)
        case .installStart(let request):
            followLeader(message.from)
            handleInstallStart(request, from: message.from)
        case .appendResponse(let response):
            guard role == .leader else { return }
            handleAppendResponse(response, from: message.from)
        case .heartbeatResponse:
            guard role == .leader else { return }
            handleHeartbeatResponse(from: message.from)
        case .timeoutNow:
            if isPromotable && message.from == leader { campaign(preVote: false, transfer: true) }
        }
    }

    /// Applies Raft's term rules; returns whether the message should be handled further.
    private mutating func handleTerm(of message: Message) -> Bool {
        if message.term > term {
            if case .voteRequest(let request) = message.body {
                let inLease = config.checkQuorum && leader != nil && electionElapsedTicks < config.electionTimeoutTicks
                if inLease && !request.isTransfer { return false }
                if request.isPreVote { return true }
            }
            if case .voteResponse(let response) = message.body, response.isPreVote, response.granted { return true }
            switch message.body {
            case .append, .heartbeat, .installStart: becomeFollower(term: message.term, leader: message.from)
            default: becomeFollower(term: message.term, leader: nil)
            }
            return true
        }
        if message.term < term {
            switch message.body {
            case .append, .heartbeat, .installStart:
                // Tell a stale leader about the newer term so it steps down (pre-vote and
                // check-quorum otherwise keep it from ever hearing of it).
                send(to: message.from, .appendResponse(AppendResponse(accepted: false, index: .zero)))
            case .voteRequest(let request) where request.isPreVote:
                send(to: message.from, .voteResponse(VoteResponse(isPreVote: true, granted: false)))
            default:
                break
            }
            return false
        }
        return true
    }

    /// An append, heartbeat or installation in the current term names the leader.
    private mutating func followLeader(_ sender: NodeID) {
        if role != .follower {
            becomeFollower(term: term, leader: sender)
        } else {
            setLeader(sender)
        }
        electionElapsedTicks = 0
    }

    mutating func becomeFollower(term newTerm: Term, leader newLeader: NodeID?) {
        if newTerm > term {
            term = newTerm
            vote = nil
        }
        role = .follower
        setLeader(newLeader)
        resetRoleState()
    }

    /// Clears what belongs to one role before taking another.
    mutating func resetRoleState() {
        electionElapsedTicks = 0
        heartbeatElapsedTicks = 0
        resetElectionTimeout()
        progress = [:]
        replicationTargets = []
        votes = [:]
        selfVoteAwaitsPersist = false
        transferTarget = nil
        uncommittedSizes.removeAll()
        broadcastPending = false
    }
}
