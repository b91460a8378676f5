/// One Raft group of a simulation: its replica on every simulated node (`replicas[n]` lives on
/// node `n`), and what its checks and its trace remember. Groups share nodes, network and
/// faults; each is checked on its own, as a partition's replicas are in a real node.
struct SimulatedGroup {
    var replicas: [SimulatedReplica]
    var checker = SafetyChecker()
    /// The group's events and the node-wide ones (ticks, crashes, partitions) that touch it.
    var trace: Trace
    var nextPayloadID: UInt64 = 1
    var membershipChanges = 0
    var leadershipTransfers = 0
    var storageLosses = 0

    init(replicas: [SimulatedReplica], traceEventCountMax: Int) {
        self.replicas = replicas
        self.trace = Trace(countMax: traceEventCountMax)
    }

    /// The replica that leads, if one does.
    var leaderPosition: Int? { replicas.indices.first { replicas[$0].core?.currentRole == .leader } }
}
