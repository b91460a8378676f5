import ClusterMetadata
import Foundation
import Logging
import Raft
import Transport

/// A running node: its event loop, the peer transport, the Raft host with the controller group
/// (on controller voters), and the admin HTTP endpoint.
///
/// Everything but ``start(config:logger:)`` and ``stop()`` runs on the node's loop thread.
public final class NodeServer: @unchecked Sendable {
    /// The configuration the node runs with.
    public let config: NodeConfig
    let loop: EventLoop
    let logger: Logger
    /// Set on the loop during start-up, used only there.
    private var connector: PeerConnector?
    private var host: RaftHost?
    private var admin: HTTPServer?
    /// What `/metrics` reports; updated on each scrape.
    let metrics = NodeMetrics()

    private init(config: NodeConfig, loop: EventLoop, logger: Logger) {
        self.config = config
        self.loop = loop
        self.logger = logger
    }

    /// Claims the data directory, binds the peer and admin listeners and starts the controller
    /// group's replica when this node is a controller voter.
    /// - Throws: ``NodeIdentityError`` for another node's data, transport errors for addresses
    ///   that cannot be bound, storage errors for a damaged controller log.
    public static func start(config: NodeConfig, logger: Logger) async throws -> NodeServer {
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
        let options = RaftHostOptions(
            tickInterval: .milliseconds(config.raft.tickMs), electionTimeoutTicks: config.raft.electionTimeoutTicks,
            heartbeatIntervalTicks: config.raft.heartbeatIntervalTicks)
        try options.validate(frameBytesMax: loop.limits.frameBytesMax)
        let slot = HostSlot()
        let connector = PeerConnector(
            loop: loop, localID: PeerID(UInt32(config.nodeID)), clusterID: config.clusterID,
            seed: UInt64(config.nodeID), onFrame: { peer, frame in slot.host?.receive(frame, from: NodeID(UInt64(peer.rawValue))) })
        let host = try RaftHost(loop: loop, localID: localID, options: options, seed: UInt64(config.nodeID)) { node, frame in
            connector.send(frame, to: PeerID(UInt32(node.rawValue)))
        }
        slot.host = host
        // Listen first: outbound links are then bound to this node's own address.
        _ = try connector.listen(at: Self.socketAddress(config.listen.peer))
        for voter in config.controllerVoters where voter.nodeID != config.nodeID {
            connector.addPeer(PeerID(UInt32(voter.nodeID)), at: try Self.socketAddress(voter.peer))
        }
        let voters = config.controllerVoters.map { NodeID(UInt64($0.nodeID)) }
        if voters.contains(localID) {
            let directory = config.dataDirectory + "/controller"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try host.addGroup(.controller, directory: directory, membership: Membership(voters: voters))
        }
        let admin = try HTTPServer(on: loop, at: Self.socketAddress(config.listen.admin))
        self.connector = connector
        self.host = host
        self.admin = admin
        AdminRoutes(server: self).install(on: admin)
        logger.info("node \(config.nodeID) of cluster '\(config.clusterID)' serving: peer \(config.listen.peer), admin \(config.listen.admin)")
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

    /// The controller leader this node knows of (only controller voters know, for now).
    var knownControllerLeader: NodeID? { controllerStatus?.leader }

    var groupStatuses: [GroupStatus] { host?.statuses ?? [] }

    var peerStates: [PeerID: PeerLinkState] { connector?.states ?? [:] }

    /// What `/metrics` reads from the host and the loop.
    var metricsSample: NodeMetrics.Sample {
        NodeMetrics.Sample(
            groups: groupStatuses, peers: peerStates, counters: host?.counters ?? RaftHostCounters(),
            pendingJobCount: loop.pendingJobCount, offloadInFlightCount: loop.offloadInFlightCount)
    }

    private static func socketAddress(_ address: HostPort) throws -> SocketAddress {
        try SocketAddress(host: address.host, port: address.port)
    }
}

/// Lets the connector's frame handler reach the host made after it.
private final class HostSlot: @unchecked Sendable {
    weak var host: RaftHost?
}
