import ClusterMetadata
import Raft

/// Moves partition groups to the replicas the controller targets (a decommissioned node's
/// partitions, say): on every housekeeping round, each group this node leads whose metadata
/// names target replicas takes its next ``ReassignmentStep``; the last reports the move done
/// with `completeReassignment`, after which the nodes left out remove their replicas
/// (``reconcile()``).
extension NodeServer {
    /// Steps started per housekeeping round, at most: each costs a Raft round trip or a
    /// controller command, and a decommission may move hundreds of groups.
    static let reassignmentStepsPerRoundMax = 16

    func driveReassignments() {
        guard let host, let controller else { return }
        let localID = NodeID(UInt64(config.nodeID))
        let moving = applier.state.topics.flatMap { topic in
            topic.partitions.compactMap { p in p.targetReplicas.map { (topic: topic.id, partition: p, target: $0) } }
        }
        // A group leaves this set when its step ends, or (a completion) once the applied
        // metadata shows no target for it any more.
        reassigning.formIntersection(moving.map(\.partition.groupID))
        var started = 0
        for move in moving where started < Self.reassignmentStepsPerRoundMax && !reassigning.contains(move.partition.groupID) {
            let group = move.partition.groupID
            guard let status = host.status(of: group), status.role == .leader else { continue }
            let step = ReassignmentStep.next(
                leader: localID, membership: status.membership, target: move.target.map { NodeID(UInt64($0.rawValue)) },
                matchIndexes: status.followerMatchIndexes, commitIndex: status.commitIndex)
            let name = "partition \(move.partition.partition) (\(group)) of topic \(move.topic)"
            switch step {
            case .wait:
                continue
            case .change(let change):
                reassigning.insert(group)
                host.changeMembership(of: group, change) { [weak self] result in
                    self?.reassigning.remove(group)
                    if case .failure(let failure) = result { self?.logger.warning("moving \(name): \(change) failed: \(failure)") }
                }
                logger.info("moving \(name) to \(move.target.map(\.rawValue)): \(change)")
            case .transferLeadership(let successor):
                // Not marked: a transfer that the core abandons (after an election timeout) is
                // simply tried again; one under way refuses the repeat.
                do {
                    try host.transferLeadership(of: group, to: successor)
                    logger.info("moving \(name) off this node: handing leadership to \(successor)")
                } catch {
                    logger.debug("moving \(name): handing leadership to \(successor) not started: \(error)")
                }
            case .complete:
                reassigning.insert(group)
                controller.submit(.completeReassignment(topic: move.topic, partition: move.partition.partition, replicas: move.target)) {
                    [weak self] result in
                    guard case .failure(let failure) = result else { return }
                    self?.reassigning.remove(group)
                    self?.logger.warning("reporting the move of \(name) complete failed: \(failure)")
                }
                logger.info("moved \(name) to \(move.target.map(\.rawValue)); reporting it to the controller")
            }
            started += 1
        }
    }
}
