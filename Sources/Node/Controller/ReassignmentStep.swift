import Raft

/// The next thing a partition's leader does to move its Raft group to the replicas the
/// controller targets (a decommission, a reassignment), one membership change at a time:
/// add each new replica as a learner, promote it once it has caught up, then remove each old
/// voter (handing leadership away first when the leader itself is leaving), and last report the
/// move complete to the controller.
///
/// Decided from the group's present membership alone, so a leader that changes or restarts
/// mid-move carries on where the log says the move is; pure, so every case is unit-tested.
enum ReassignmentStep: Equatable {
    /// Propose this membership change.
    case change(MembershipChange)
    /// Hand leadership to this caught-up voter of the target: the leader is leaving the group.
    case transferLeadership(to: NodeID)
    /// A new replica is still catching up; look again later.
    case wait
    /// The group's voters are the target: report `completeReassignment` to the controller.
    case complete

    /// The step for a group led by `leader`.
    /// - Parameters:
    ///   - membership: the group's membership in effect.
    ///   - target: the replicas it moves to.
    ///   - matchIndexes: how far each other member's log is known to match the leader's.
    ///   - commitIndex: the group's commit index: a learner that matches it may vote.
    static func next(
        leader: NodeID, membership: Membership, target: [NodeID], matchIndexes: [NodeID: LogIndex], commitIndex: LogIndex
    ) -> ReassignmentStep {
        precondition(!target.isEmpty, "a partition moves to at least one replica")
        let wanted = Set(target)
        if let stray = membership.learners.first(where: { !wanted.contains($0) }) { return .change(.remove(stray)) }
        if let new = target.first(where: { !membership.contains($0) }) { return .change(.addLearner(new)) }
        if let learner = membership.learners.first {
            return (matchIndexes[learner] ?? .zero) >= commitIndex ? .change(.promoteLearner(learner)) : .wait
        }
        guard let leaving = membership.voters.first(where: { !wanted.contains($0) }) else { return .complete }
        guard leaving == leader else { return .change(.remove(leaving)) }
        // The most caught-up staying voter; among equals the lowest id.
        let successor = membership.voters.filter { wanted.contains($0) }.sorted()
            .max { (matchIndexes[$0] ?? .zero) < (matchIndexes[$1] ?? .zero) }
        return successor.map { .transferLeadership(to: $0) } ?? .wait
    }
}
