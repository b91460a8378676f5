import Logging

/// Keeps exactly one connection with each peer node and carries frames both ways on it.
///
/// Of two nodes, the one the ``DialRule`` names dials (reconnecting with
/// ``ReconnectBackoff`` when the connection fails) and opens with a hello frame naming itself,
/// the node it meant to reach and its cluster;
/// the other accepts on the address given to ``listen(at:)`` and adopts the connection for that
/// peer. A node may also accept up to `unknownPeerCountMax` dialers it was never told of (a new
/// node that must reach the controller to register): they become peers of their own. Frames sent to a peer go out in order on that connection; frames arriving on it reach
/// `onFrame` with the peer's id. While a peer is not connected, sends are rejected
/// (``SendOutcome/rejectedClosed``): Raft resends what matters, and queueing for an absent peer
/// would only grow memory. Every state change reaches `onStateChange`.
///
/// An inbound connection that does not open, within ``TransportLimits/connectTimeout``, with a
/// hello from a peer that should dial this node (a known one, or an unknown one while there is
/// room for it), addressed to this node and in this cluster, is closed with a log line; at most
/// ``TransportLimits/inboundHandshakeCountMax`` such connections wait at once.
///
/// Use it on its loop's thread only, and keep a reference to it (``close()`` ends it).
public final class PeerConnector: @unchecked Sendable {
    /// The loop the connections live on.
    public let loop: EventLoop
    /// This node's id, sent in the hello of every connection it dials.
    public let localID: PeerID
    /// The cluster this node belongs to; hellos from other clusters are refused.
    public let clusterID: String
    /// Who dials whom.
    public let dialRule: DialRule
    /// Peers that dialed in without having been added, at most (0: none are accepted).
    public let unknownPeerCountMax: Int
    private var unknownPeerCount = 0
    private var links: [PeerID: PeerLink] = [:]
    private var listener: TCPListener?
    /// The local address outbound connections are bound to: the listener's host (so every link
    /// runs between the two nodes' own addresses); nil until ``listen(at:)``.
    private(set) var dialSource: SocketAddress?
    private var handshakes: [ObjectIdentifier: TCPConnection] = [:]
    private var backoff: ReconnectBackoff
    private let onFrame: (PeerID, PeerFrame) -> Void
    private let onStateChange: (PeerID, PeerLinkState) -> Void

    /// Makes a connector with no peers.
    /// - Parameters:
    ///   - loop: where connections and timers live; limits come from it.
    ///   - localID: this node's id.
    ///   - clusterID: the cluster's id (at most 255 UTF-8 bytes).
    ///   - seed: seeds the reconnect jitter (log it to reproduce a run).
    ///   - dialRule: who dials whom (both ends must use the same).
    ///   - unknownPeerCountMax: dialers never added with ``addPeer(_:at:)`` that are accepted.
    ///   - onFrame: receives each frame a peer sends, with the peer's id.
    ///   - onStateChange: receives every link state change.
    public init(
        loop: EventLoop,
        localID: PeerID,
        clusterID: String,
        seed: UInt64,
        dialRule: DialRule = DialRule(),
        unknownPeerCountMax: Int = 0,
        onFrame: @escaping (PeerID, PeerFrame) -> Void,
        onStateChange: @escaping (PeerID, PeerLinkState) -> Void = { _, _ in }
    ) {
        loop.assertInLoop()
        self.loop = loop
        precondition(clusterID.utf8.count <= PeerHello.clusterIDBytesMax, "cluster id longer than \(PeerHello.clusterIDBytesMax) bytes")
        self.localID = localID
        self.clusterID = clusterID
        precondition(unknownPeerCountMax >= 0, "unknownPeerCountMax is a count")
        self.dialRule = dialRule
        self.unknownPeerCountMax = unknownPeerCountMax
        self.backoff = ReconnectBackoff(delayMin: loop.limits.reconnectDelayMin, delayMax: loop.limits.reconnectDelayMax, seed: seed)
        self.onFrame = onFrame
        self.onStateChange = onStateChange
    }

    /// Accepts connections from the peers that dial this node at `address`.
    /// - Returns: the address bound (with the kernel's port when `address` has port 0).
    /// - Throws: ``TransportError`` when the address cannot be bound.
    public func listen(at address: SocketAddress) throws(TransportError) -> SocketAddress {
        loop.assertInLoop()
        precondition(listener == nil, "PeerConnector.listen called twice")
        let listener = try TCPListener(on: loop, at: address) { [weak self] connection in
            guard let self else { return connection.close() }
            accept(connection)
        }
        self.listener = listener
        dialSource = listener.localAddress.withPort(0)
        return listener.localAddress
    }

    /// Starts keeping a connection with `peer`, which listens at `address`. A peer that dialed
    /// in unknown is known from now on (it no longer counts toward `unknownPeerCountMax`).
    public func addPeer(_ peer: PeerID, at address: SocketAddress) {
        loop.assertInLoop()
        precondition(peer != localID, "a node is not its own peer")
        if let link = links[peer] {
            precondition(link.address == nil, "\(peer) is already a peer")
            link.address = address
            unknownPeerCount -= 1
            return
        }
        let link = PeerLink(peer: peer, address: address, dials: dialRule.dials(from: localID, to: peer), connector: self)
        links[peer] = link
        link.start()
    }

    /// Stops connecting to `peer` and closes its connection.
    public func removePeer(_ peer: PeerID) {
        loop.assertInLoop()
        guard let link = links.removeValue(forKey: peer) else { return }
        if link.address == nil { unknownPeerCount -= 1 }
        link.stop()
    }

    /// Queues `frame` for `peer` (see ``TCPConnection`` for the outcomes).
    /// - Returns: ``SendOutcome/rejectedClosed`` when the peer is unknown or not connected.
    public func send(_ frame: PeerFrame, to peer: PeerID) -> SendOutcome {
        loop.assertInLoop()
        guard let connection = links[peer]?.openConnection else { return .rejectedClosed }
        return connection.send(frame)
    }

    /// The state of every peer link.
    public var states: [PeerID: PeerLinkState] {
        loop.assertInLoop()
        return links.mapValues(\.state)
    }

    /// Stops listening, removes every peer and closes connections still in their handshake.
    public func close() {
        loop.assertInLoop()
        listener?.close()
        listener = nil
        for peer in Array(links.keys) { removePeer(peer) }
        for connection in handshakes.values { connection.close() }
    }

    // MARK: Inbound handshake

    private func accept(_ connection: TCPConnection) {
        let remote = connection.remoteDescription
        guard handshakes.count < loop.limits.inboundHandshakeCountMax else {
            loop.logger.warning("peer listener: \(handshakes.count) handshakes pending; closing \(remote)")
            return connection.close()
        }
        let key = ObjectIdentifier(connection)
        handshakes[key] = connection
        let deadline = LoopTimer(loop: loop)
        deadline.schedule(after: loop.limits.connectTimeout) { [weak connection, loop] in
            loop.logger.warning("peer listener: no hello from \(remote) within \(loop.limits.connectTimeout); closing")
            connection?.close()
        }
        connection.onClose = { [weak self] _ in
            deadline.close()
            self?.handshakes.removeValue(forKey: key)
        }
        var sender: PeerID?
        connection.startReading(with: PeerFrameDecoder(frameBytesMax: loop.limits.frameBytesMax)) { [weak self, unowned connection] frame in
            guard let self else { return }
            if let sender { return onFrame(sender, frame) }
            deadline.close()
            handshakes.removeValue(forKey: key)
            guard let hello = PeerHello(frame), hello.receiver == localID, hello.clusterID == clusterID,
                  hello.sender != localID, !dialRule.dials(from: localID, to: hello.sender),
                  let link = links[hello.sender] ?? adoptUnknown(hello.sender) else {
                loop.logger.warning("peer listener: \(remote) did not open with a hello from a peer that dials \(localID) in cluster \(clusterID); closing")
                return connection.close()
            }
            sender = hello.sender
            link.adopt(connection)
        }
    }

    /// A link for a dialer never added, while there is room for one.
    private func adoptUnknown(_ peer: PeerID) -> PeerLink? {
        guard unknownPeerCount < unknownPeerCountMax else { return nil }
        unknownPeerCount += 1
        let link = PeerLink(peer: peer, address: nil, dials: false, connector: self)
        links[peer] = link
        link.start()
        loop.logger.info("peer listener: accepting \(peer), not yet known, as a peer (\(unknownPeerCount) of at most \(unknownPeerCountMax))")
        return link
    }

    // MARK: For links

    func nextDelay(afterFailures failureCount: Int) -> Duration {
        backoff.delay(afterFailures: failureCount)
    }

    func deliver(_ frame: PeerFrame, from peer: PeerID) { onFrame(peer, frame) }
    func report(_ state: PeerLinkState, of peer: PeerID) { onStateChange(peer, state) }
}
