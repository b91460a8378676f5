@_spi(Testing) import Raft

/// What one simulated run looks like: the cluster, how hostile the world is, and how long.
public struct SimulationOptions: Sendable {
    /// Simulated nodes; each hosts one replica of every group.
    public var nodeCount: Int = 3
    /// Raft groups run interleaved on the same nodes, as partitions share a real node.
    public var groupCount: Int = 1
    /// Ticks of the fault phase (network faults, crashes, partitions, workload).
    public var faultTicks: Int = 150
    /// Ticks allowed after healing for a leader to appear and every acknowledged entry to be
    /// applied on every replica (the liveness bound).
    public var livenessTicksMax: Int = 120
    /// Most ticks a message is delayed, and a write takes, once healed: Raft elects a leader
    /// only while a round trip plus a write stays well under the election timeout.
    public var healedLatencyTicksMax: Int = 1
    /// Percent chance a message is dropped.
    public var dropPercent: Int = 5
    /// Percent chance a message is delivered twice.
    public var duplicatePercent: Int = 3
    /// Most ticks a message is delayed (delays differ, so messages reorder).
    public var delayTicksMax: Int = 2
    /// Most ticks a write takes to become durable.
    public var persistTicksMax: Int = 2
    /// Per-mille chance per tick that a live replica crashes.
    public var crashPerMille: Int = 8
    /// Per-mille chance per tick that the partition layout changes.
    public var partitionPerMille: Int = 25
    /// Percent chance that a newly elected leader is cut off from everyone within a few ticks,
    /// leaving entries of its term on few replicas: the raw material of Raft's figure 8.
    public var newLeaderIsolationPercent: Int = 20
    /// Percent chance that a node restarting in the fault phase finds one replica's storage
    /// damaged: its log loses a random suffix, acknowledged entries included, and the replica
    /// rejoins refilling (at most one such replica per group at a time). 0 keeps
    /// every other seed's run as it was.
    public var storageLossPercent: Int = 0
    /// Per-mille chance per tick that a replica removes its log prefix up to what it applied.
    public var prefixRemovalPerMille: Int = 15
    /// Per-mille chance per tick that the leader proposes the next membership step (remove a
    /// voter, add it back as a learner, promote it), at most one voter away from all replicas.
    public var membershipChangePerMille: Int = 10
    /// Per-mille chance per tick that the leader hands leadership to another voter.
    public var leadershipTransferPerMille: Int = 10
    /// Most entries the workload proposes per tick.
    public var proposalsPerTickMax: Int = 2
    /// Most entry bytes per append message: small, so that a backlog takes several messages.
    public var appendBytesMax: Int = 160
    /// Most append messages in flight to one follower.
    public var inflightAppendCountMax: Int = 4
    /// Most events kept for the trace printed on a violation.
    public var traceEventCountMax: Int = 60
    /// Most events in one tick before the run is declared stuck in a message storm.
    public var eventsPerTickMax: Int = 20_000
    /// Deliberate bugs to prove the checks work.
    @_spi(Testing) public var plantedFaults: PlantedFaults = []

    /// Creates the default options (moderate faults, short runs) for `groupCount` groups of
    /// `nodeCount` replicas.
    public init(nodeCount: Int = 3, groupCount: Int = 1) {
        self.nodeCount = nodeCount
        self.groupCount = groupCount
    }

    /// The Raft configuration of replica `id` in a run with these options.
    func raftConfig(id: NodeID) -> RaftConfig {
        var config = RaftConfig(
            id: id, electionTimeoutTicks: 10, heartbeatIntervalTicks: 2, inflightAppendCountMax: inflightAppendCountMax,
            inflightAppendBytesMax: 4 * 512, appendBytesMax: appendBytesMax, uncommittedBytesMax: 8 * 1024, applyBytesMax: 512)
        config.plantedFaults = plantedFaults
        return config
    }
}
