import ClusterMetadata
import Foundation
import Logging
import Raft
import Storage
import Transport

/// A running node: its event loop, the peer transport, the Raft host with its replica of the
/// controller group (a voter on the configured controller voters, a learner elsewhere) and the
/// partition groups the metadata places here, the Kafka listener, and the admin HTTP endpoint.
///
/// Everything but ``start(config:logger:)`` and ``stop()`` runs on the node's loop thread.
public final class NodeServer: @unchecked Sendable {
    /// The configuration the node runs with.
    public let config: NodeConfig
    let loop: EventLoop
    let logger: Logger
    /// Set on the loop during start-up; everything below is used on the loop only.
    var connector: PeerConnector?
    var host: RaftHost?
    private var admin: HTTPServer?
    var kafka: KafkaBroker?
    var controller: ControllerService?
    private var housekeepingTimer: LoopTimer?
    /// What `/metrics` reports; updated on each scrape.
    let metrics: NodeMetrics
    /// The cluster metadata as far as this node applied the controller log.
    let applier = MetadataApplier()
    /// Who leads each group, as this node last heard.
    var leaders = LeaderDirectory()
    /// Nodes the connector has a link to (the controller voters from the start, then every
    /// registered node).
    var knownPeers: Set<BrokerID> = []
    /// Where each hosted partition group keeps its log.
    var partitionDirectories: [RaftGroupID: String] = [:]
    var isRegistering = false
    var isProposingLiveness = false
    var isAddingControllerLearner = false
    /// Partition groups whose reassignment step is under way (``driveReassignments()``).
    var reassigning: Set<RaftGroupID> = []
    /// Whether the applied metadata says this node was decommissioned and removed.
    var wasRemoved = false
    /// Whether the node has caught up with the metadata once since it started: until then it
    /// refuses Kafka clients, whom its stale view would mislead (topics missing, leaders wrong),
    /// as a KRaft broker stays fenced until it caught up with the metadata log.
    var servesClients = false
    var isStopping = false
    var housekeepingRounds: UInt64 = 0
    /// Hands led partitions to their preferred replicas; nil when balancing is off.
    var leaderBalancer: LeaderBalancer?
    /// Leadership transfers the balancer started (for `/metrics`).
    var leaderBalanceTransfers: UInt64 = 0
    /// How often the node applies metadata, registers, reconciles and reports leaders.
    static let housekeepingInterval: Duration = .milliseconds(100)
    /// Nodes that may connect before this node knows of them (new nodes reaching the controller
    /// voters to register), at most.
    static let unregisteredPeerCountMax = 256

    private init(config: NodeConfig, loop: EventLoop, logger: Logger) {
        self.config = config
        self.loop = loop
        self.logger = logger
        self.metrics = NodeMetrics(unsafeTesting: config.unsafeTesting.enabledNames)
        self.leaderBalancer = config.leaderBalance.intervalMs.map { intervalMs in
            let roundMs = Int(Self.housekeepingInterval / .milliseconds(1))
            return LeaderBalancer(policy: .init(
                checkIntervalRounds: UInt64(max(1, intervalMs / roundMs)),
                cooldownRounds: UInt64((config.leaderBalance.cooldownMs + roundMs - 1) / roundMs),
                transfersPerCheckMax: config.leaderBalance.transfersPerCheckMax))
        }
    }

    /// Claims the data directory, binds the peer and admin listeners and starts the node's
    /// replica of the controller group.
    /// - Throws: ``NodeIdentityError`` for another node's data, transport errors for addresses
    ///   that cannot be bound, storage errors for a damaged controller log.
    public static func start(config: NodeConfig, logger: Logger) async throws -> NodeServer {
        // Every start, before anything else, so that no log of a run with lost data lacks it.
        for warning in config.unsafeTesting.warnings { logger.error("\(warning)") }
        try NodeIdentity(nodeID: config.nodeID, clusterID: config.clusterID).claim(directory: config.dataDirectory)
        let loop = try EventLoop(name: "node\(config.nodeID)", logger: logger)
        let server = NodeServer(config: config, loop: loop, logger: logger)
        do {
            try await loop.submit { try server.startOnLoop() }
        } catch {
            loop.shutdown()
            throw error
        }
        return server
    }

    private func startOnLoop() throws {
        let localID = NodeID(UInt64(config.nodeID))
        let options = config.raftHostOptions
        try options.validate(frameBytesMax: loop.limits.frameBytesMax)
        let slot = ServerSlot()
        let connector = PeerConnector(
            loop: loop, localID: PeerID(UInt32(config.nodeID)), clusterID: config.clusterID, seed: UInt64(config.nodeID),
            dialRule: DialRule(hubs: Set(config.controllerVoters.map { PeerID(UInt32($0.nodeID)) })),
            unknownPeerCountMax: Self.unregisteredPeerCountMax, onFrame: { peer, frame in slot.server?.receive(frame, from: NodeID(UInt64(peer.rawValue))) })
        let host = try RaftHost(loop: loop, localID: localID, options: options, seed: UInt64(config.nodeID)) { node, frame in
            connector.send(frame, to: PeerID(UInt32(node.rawValue)))
        }
        slot.server = self
        // Listen first: outbound links are then bound to this node's own address.
        _ = try connector.listen(at: Self.socketAddress(config.listen.peer))
        for voter in config.controllerVoters where voter.nodeID != config.nodeID {
            connector.addPeer(PeerID(UInt32(voter.nodeID)), at: try Self.socketAddress(voter.peer))
            knownPeers.insert(BrokerID(voter.nodeID))
        }
        // Every node replicates the metadata log: the voters decide it, every other node follows
        // as a learner (KRaft's observers), which the controller leader adds once it registered.
        let voters = config.controllerVoters.map { NodeID(UInt64($0.nodeID)) }
        let directory = config.dataDirectory + "/controller"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let learners = voters.contains(localID) ? [] : [localID]
        try host.addGroup(.controller, directory: directory, membership: Membership(voters: voters, learners: learners))
        let admin = try HTTPServer(on: loop, at: Self.socketAddress(config.listen.admin))
        self.connector = connector
        self.host = host
        self.admin = admin
        host.onStatusChange = { [weak self] status in self?.groupStatusChanged(status) }
        controller = ControllerService(
            host: host, applier: applier, logger: logger, leader: { [weak self] in self?.knownControllerLeader },
            sendFrame: { node, frame in connector.send(frame, to: PeerID(UInt32(node.rawValue))).isQueued })
        kafka = try KafkaBroker(node: self, at: Self.socketAddress(config.listen.client))
        AdminRoutes(server: self).install(on: admin)
        let timer = LoopTimer(loop: loop)
        timer.schedule(after: Self.housekeepingInterval, repeating: Self.housekeepingInterval) { [weak self] in self?.housekeeping() }
        housekeepingTimer = timer
        logger.info(
            "node \(config.nodeID) of cluster '\(config.clusterID)' serving: peer \(config.listen.peer), client \(config.listen.client), admin \(config.listen.admin)")
    }

    /// Routes a peer frame by its kind: Raft traffic to the host, node messages to the server.
    private func receive(_ frame: PeerFrame, from peer: NodeID) {
        switch frame.kind {
        case RaftBatchFrame.kind: host?.receive(frame, from: peer)
        case NodeMessage.kind: receiveNodeMessage(frame, from: peer)
        default: logger.warning("dropping a peer frame of unknown kind \(frame.kind) from \(peer)")
        }
    }

    /// Hands leadership of every group it leads to other replicas, then closes the host and the
    /// transport and stops the loop: the graceful shutdown of SIGTERM.
    public func stop() async {
        let handed = (try? await loop.submit { [self] in host?.handOffLeadership() ?? [] }) ?? []
        if !handed.isEmpty {
            logger.info("handing off leadership of \(handed.count) group(s)")
            await waitForHandOff(of: handed)
        }
        try? await loop.submit { [self] in
            isStopping = true
            housekeepingTimer?.close()
            kafka?.close()
            controller?.close()
            admin?.close()
            host?.close()
            connector?.close()
        }
        loop.shutdown()
    }

    /// Waits, one tick at a time and at most one election timeout (after which the core
    /// abandons a transfer), until this node leads none of `groups`.
    private func waitForHandOff(of groups: [RaftGroupID]) async {
        let localID = NodeID(UInt64(config.nodeID))
        let ticks = max(1, config.raft.electionTimeoutMs / config.raft.tickMs)
        for _ in 0..<ticks {
            let stillLeading = (try? await loop.submit { [self] in
                groups.contains { host?.status(of: $0)?.leader == localID }
            }) ?? false
            if !stillLeading { return }
            try? await Task.sleep(for: .milliseconds(config.raft.tickMs))
        }
        logger.warning("leadership hand-off incomplete after \(config.raft.electionTimeoutMs) ms; stopping anyway")
    }

    // MARK: - What the admin endpoints read (on the loop)

    /// The controller group's status on this node, if it hosts a replica of it.
    var controllerStatus: GroupStatus? { host?.status(of: .controller) }

    /// The controller leader this node knows of: from its own controller replica, else from
    /// the leaders other nodes report.
    var knownControllerLeader: NodeID? { controllerStatus?.leader ?? leaders.leader(of: .controller) }

    /// Whether the node is ready for clients: it knows the controller leader, and the applied
    /// metadata records it as registered with its current addresses and alive.
    var isReady: Bool {
        guard knownControllerLeader != nil, let registered = applier.state.node(localBrokerID) else { return false }
        return registered.isAlive && registered.addresses == registration
    }

    /// Whether this node's view of the metadata is current: it is ready, its controller replica
    /// heard from a leader (so its commit index is the leader's, not what it had at start), and
    /// it applied everything committed.
    var hasCaughtUpWithMetadata: Bool {
        guard isReady, let status = controllerStatus, status.leader != nil else { return false }
        return applier.appliedEnd >= status.highWatermark
    }

    var groupStatuses: [GroupStatus] { host?.statuses ?? [] }

    var peerStates: [PeerID: PeerLinkState] { connector?.states ?? [:] }

    /// What `/metrics` reads from the host and the loop.
    var metricsSample: NodeMetrics.Sample {
        NodeMetrics.Sample(
            groups: groupStatuses, peers: peerStates, counters: host?.counters ?? RaftHostCounters(),
            leaderBalanceTransfers: leaderBalanceTransfers,
            pendingJobCount: loop.pendingJobCount, offloadInFlightCount: loop.offloadInFlightCount)
    }

    private static func socketAddress(_ address: HostPort) throws -> SocketAddress {
        try SocketAddress(host: address.host, port: address.port)
    }
}

extension NodeConfig {
    /// The options of the node's Raft host: the configured timings, and the durability mode of
    /// every partition log the host opens (partition replicas and the controller log alike).
    var raftHostOptions: RaftHostOptions {
        let durability: DurabilityMode = unsafeTesting.simulatedPowerLoss ? .unsafeSimulatedPowerLoss : .normal
        let tickMs = Int64(raft.tickMs)
        return RaftHostOptions(
            tickInterval: .milliseconds(raft.tickMs), electionTimeoutTicks: raft.electionTimeoutTicks,
            heartbeatIntervalTicks: raft.heartbeatIntervalTicks,
            preferredCampaignTicks: max(1, min(3, raft.electionTimeoutTicks / 2)),
            filesystemSyncGroupsMin: log.syncfsMinPartitions ?? .max,
            scrubBytesPerTick: Int(max(1, log.scrubBytesPerSecond * tickMs / 1_000)),
            scrubIntervalTicks: UInt64(max(1, log.scrubIntervalMs / tickMs)),
            retentionCheckIntervalTicks: UInt64(max(1, log.retentionCheckIntervalMs / tickMs)),
            logOptions: PartitionLogOptions(durability: durability))
    }
}

/// Lets the connector's frame handler reach the server once it is set up.
private final class ServerSlot: @unchecked Sendable {
    weak var server: NodeServer?
}
