extension ClusterMetadataState {
    /// The commands the controller leader proposes so that the replicated liveness matches
    /// what it observes: `markNodeAlive` for nodes it sees up that are recorded down, and
    /// `markNodeDown` for the reverse. Removed nodes are left alone.
    /// - Parameter observedUp: the nodes the leader currently sees up (unknown ids are ignored:
    ///   a node joins with `registerNode`).
    /// - Returns: the commands, in node-id order; empty when nothing changed.
    public func livenessChanges(observedUp: Set<BrokerID>) -> [MetadataCommand] {
        nodes.compactMap { node in
            guard node.state != .removed else { return nil }
            switch (node.isAlive, observedUp.contains(node.id)) {
            case (false, true): return .markNodeAlive(node.id)
            case (true, false): return .markNodeDown(node.id)
            default: return nil
            }
        }
    }
}
