extension RaftCore {
    /// Starts a pre-vote or an election in the next term.
    mutating func campaign(preVote: Bool, transfer: Bool) {
        precondition(isPromotable, "\(id) is not a voter and cannot campaign")
        let campaignTerm: Term
        resetRoleState()
        setLeader(nil)
        if preVote {
            role = .preCandidate
            campaignTerm = term.next
            votes[id] = true
        } else {
            role = .candidate
            term = term.next
            vote = id
            campaignTerm = term
            electionsStarted += 1
            selfVoteAwaitsPersist = true
        }
        let request = VoteRequest(isPreVote: preVote, isTransfer: transfer, lastIndex: log.lastIndex, lastTerm: log.lastTerm)
        for voter in activeMembership.voters where voter != id {
            send(to: voter, .voteRequest(request), term: campaignTerm)
        }
        if preVote { tallyVotes() }
    }

    mutating func handleVoteRequest(_ request: VoteRequest, from candidate: NodeID, term requestTerm: Term) {
        let canVote = vote == candidate || (vote == nil && leader == nil) || (request.isPreVote && requestTerm > term)
        let logOK = config.plantedFaults.contains(.voteWithoutLogCheck)
            || log.isUpToDate(lastIndex: request.lastIndex, lastTerm: request.lastTerm)
        let coversLostEnd = refillingVotesFreely
            || (lostLogEnd?.isCovered(byLastIndex: request.lastIndex, lastTerm: request.lastTerm) ?? true)
        let granted = canVote && logOK && coversLostEnd
        if request.isPreVote {
            let answer = VoteResponse(isPreVote: true, granted: granted)
            send(to: candidate, .voteResponse(answer), term: granted ? requestTerm : term)
            return
        }
        if granted {
            electionElapsedTicks = 0
            vote = candidate
        }
        sendAfterPersist(to: candidate, .voteResponse(VoteResponse(isPreVote: false, granted: granted)))
    }

    mutating func receiveVote(from voter: NodeID, granted: Bool) {
        guard votes[voter] == nil else { return }
        votes[voter] = granted
        tallyVotes()
    }

    /// Wins or loses the (pre-)election once a majority has answered either way.
    private mutating func tallyVotes() {
        let voters = activeMembership
        let grants = voters.voters.filter { votes[$0] == true }.count
        let rejections = voters.voters.filter { votes[$0] == false }.count
        if grants >= voters.quorumCount {
            if role == .preCandidate { campaign(preVote: false, transfer: false) } else { becomeLeader() }
        } else if rejections >= voters.quorumCount {
            becomeFollower(term: term, leader: nil)
        }
    }

    private mutating func becomeLeader() {
        precondition(role == .candidate, "only a candidate becomes leader")
        resetRoleState()
        role = .leader
        setLeader(id)
        addProgress(for: id)
        syncProgressWithMembership()
        progress[id]!.match = log.durableLastIndex
        progress[id]!.becomeReplicate()
        termStartIndex = appendAsLeader(kind: .noop, payload: [], indexCount: 1)
        broadcastAppends()
    }
}
