import ClusterMetadata
import Raft
import Storage

extension RaftHost {
    /// Proposes one step of a membership change to `group` (this node must lead it);
    /// `completion` runs on the loop once the change is committed, or with why it failed.
    ///
    /// Moving a replica to a new node is: ``addGroup(_:directory:membership:)`` there (with the
    /// membership that names it a learner), `.addLearner`, wait until it caught up (see
    /// ``status(of:)``), `.promoteLearner`, then `.remove` of the old member. One change at a
    /// time: the next is refused (``ProposalFailure/refused(_:)``) until the previous commits.
    public func changeMembership(
        of group: RaftGroupID, _ change: MembershipChange, completion: @escaping (Result<Void, ProposalFailure>) -> Void
    ) {
        assertInLoop()
        let hosted: HostedGroup
        switch servingGroup(group) {
        case .success(let found): hosted = found
        case .failure(let failure): return completion(.failure(failure))
        }
        guard hosted.proposals.count < options.pendingProposalCountMax else { return completion(.failure(.tooManyPending)) }
        let index: LogIndex
        do {
            index = try hosted.replica.proposeMembershipChange(change)
        } catch .notLeader(let leader) {
            return completion(.failure(.notLeader(leaderHint: leader)))
        } catch {
            return completion(.failure(.refused(error)))
        }
        hosted.proposals.add(
            index...index, term: hosted.replica.core.currentTerm,
            deadlineTick: tickCount + UInt64(options.proposalTimeoutTicks)
        ) { completion($0.map { _ in () }) }
        markDirty(group)
    }

    /// Hands the leadership of `group` to voter `target` once its log has caught up; the new
    /// leader shows in ``status(of:)`` and ``onStatusChange``. Proposals are refused meanwhile;
    /// the transfer is abandoned after an election timeout.
    /// - Throws: ``ProposalFailure`` when this node does not lead the group or `target` cannot.
    public func transferLeadership(of group: RaftGroupID, to target: NodeID) throws(ProposalFailure) {
        assertInLoop()
        let hosted = try servingGroup(group).get()
        do {
            try hosted.replica.transferLeadership(to: target)
        } catch .notLeader(let leader) {
            throw .notLeader(leaderHint: leader)
        } catch {
            throw .refused(error)
        }
        markDirty(group)
    }

    /// Starts handing every group this node leads to its most caught-up other voter (before a
    /// graceful shutdown, so clients wait for a transfer instead of an election timeout).
    /// - Returns: the groups whose transfer started; the new leaders show in ``onStatusChange``.
    @discardableResult
    public func handOffLeadership() -> [RaftGroupID] {
        assertInLoop()
        var started: [RaftGroupID] = []
        for group in groups.values where group.isServing && group.replica.core.currentRole == .leader {
            let core = group.replica.core
            let matches = core.metrics.followerMatchIndexes
            // The highest match index; among equals the lowest id (`max` keeps the first).
            let successor = core.currentMembership.voters.filter { $0 != localID }.sorted()
                .max { (matches[$0] ?? .zero) < (matches[$1] ?? .zero) }
            guard let successor, (try? group.replica.transferLeadership(to: successor)) != nil else { continue }
            started.append(group.id)
            markDirty(group.id)
        }
        return started.sorted()
    }

    /// The hosted, working group `group`, or why there is none.
    func servingGroup(_ group: RaftGroupID) -> Result<HostedGroup, ProposalFailure> {
        guard !isClosed else { return .failure(.groupStopped) }
        guard let hosted = groups[group] else { return .failure(.unknownGroup(group)) }
        if let failure = hosted.failure { return .failure(.storageFailed(failure)) }
        return .success(hosted)
    }
}
