import ClusterMetadata
import Raft

/// Preferred-leader balancing on the node's loop (the policy is ``LeaderBalancer``): every
/// housekeeping round notes which peers are up, and every check round hands the partitions this
/// node leads to their caught-up preferred replicas through the same Raft transfer a graceful
/// stop uses.
extension NodeServer {
    func balanceLeaders() {
        guard var balancer = leaderBalancer, let host, let connector else { return }
        let round = housekeepingRounds
        // Up means linked now and recorded alive by the controller: a node the controller
        // marked down would have its new leadership unreachable for clients.
        let state = applier.state
        var up: Set<NodeID> = []
        for (peer, link) in connector.states where link == .connected {
            if state.node(BrokerID(Int32(peer.rawValue)))?.isAlive == true { up.insert(NodeID(UInt64(peer.rawValue))) }
        }
        balancer.observe(up: up, round: round)
        defer { leaderBalancer = balancer }
        guard balancer.isCheckRound(round) else { return }
        let local = NodeID(UInt64(config.nodeID))
        let led = ledGroupsForBalance()
        balancer.observe(led: led, round: round)
        let transfers = balancer.transfers(among: led, local: local, round: round)
        var started: [LeaderBalancer.Transfer] = []
        for transfer in transfers {
            do {
                try host.transferLeadership(of: transfer.group, to: transfer.target)
                started.append(transfer)
            } catch {
                logger.debug("leader balance: no transfer of \(transfer.group) to node \(transfer.target): \(error)")
            }
        }
        balancer.record(started, round: round)
        leaderBalanceTransfers += UInt64(started.count)
        if !started.isEmpty {
            logger.info("leader balance: handing \(started.map { "\($0.group) to node \($0.target)" }.joined(separator: ", "))")
        }
    }

    /// The partition groups this node leads and serves, with their preferred replica from the
    /// applied metadata; partitions moving between nodes are left to the move.
    private func ledGroupsForBalance() -> [LeaderBalancer.LedGroup] {
        guard let host else { return [] }
        var assigned: [RaftGroupID: ClusterMetadata.HostedGroup] = [:]
        for group in applier.state.groupsFor(node: localBrokerID) where group.targetReplicas == nil {
            assigned[group.groupID] = group
        }
        return host.statuses.compactMap { status in
            guard status.role == .leader, status.failure == nil, let preferred = assigned[status.group]?.replicas.first
            else { return nil }
            let target = NodeID(UInt64(preferred.rawValue))
            return LeaderBalancer.LedGroup(
                group: status.group, term: status.term, preferred: target, preferredIsVoter: status.membership.isVoter(target),
                lastIndex: status.lastIndex, preferredMatch: status.followerMatchIndexes[target])
        }
    }
}
