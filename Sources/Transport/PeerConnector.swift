import Logging

/// Keeps one outbound connection to each peer node, reconnecting with ``ReconnectBackoff``.
///
/// Frames sent to a peer go out in order on its current connection; frames the peer sends back
/// on that connection reach `onFrame`. While a peer is not connected, sends are rejected
/// (``SendOutcome/rejectedClosed``): Raft resends what matters, and queueing for an absent peer
/// would only grow memory. Every state change reaches `onStateChange`.
///
/// Use it on its loop's thread only.
public final class PeerConnector: @unchecked Sendable {
    /// The loop the connections live on.
    public let loop: EventLoop
    private var links: [PeerID: PeerLink] = [:]
    private var backoff: ReconnectBackoff
    private let onFrame: (PeerID, PeerFrame) -> Void
    private let onStateChange: (PeerID, PeerLinkState) -> Void

    /// Makes a connector with no peers.
    /// - Parameters:
    ///   - loop: where connections and timers live; limits come from it.
    ///   - seed: seeds the reconnect jitter (log it to reproduce a run).
    ///   - onFrame: receives each frame a peer sends back on its connection.
    ///   - onStateChange: receives every link state change.
    public init(
        loop: EventLoop,
        seed: UInt64,
        onFrame: @escaping (PeerID, PeerFrame) -> Void,
        onStateChange: @escaping (PeerID, PeerLinkState) -> Void = { _, _ in }
    ) {
        loop.assertInLoop()
        self.loop = loop
        self.backoff = ReconnectBackoff(delayMin: loop.limits.reconnectDelayMin, delayMax: loop.limits.reconnectDelayMax, seed: seed)
        self.onFrame = onFrame
        self.onStateChange = onStateChange
    }

    /// Starts keeping a connection to `peer` at `address`.
    public func addPeer(_ peer: PeerID, at address: SocketAddress) {
        loop.assertInLoop()
        precondition(links[peer] == nil, "\(peer) is already a peer")
        let link = PeerLink(peer: peer, address: address, connector: self)
        links[peer] = link
        link.attempt()
    }

    /// Stops connecting to `peer` and closes its connection.
    public func removePeer(_ peer: PeerID) {
        loop.assertInLoop()
        links.removeValue(forKey: peer)?.stop()
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

    /// Removes every peer.
    public func close() {
        for peer in Array(links.keys) { removePeer(peer) }
    }

    fileprivate func nextDelay(afterFailures failureCount: Int) -> Duration {
        backoff.delay(afterFailures: failureCount)
    }

    fileprivate func deliver(_ frame: PeerFrame, from peer: PeerID) { onFrame(peer, frame) }
    fileprivate func report(_ state: PeerLinkState, of peer: PeerID) { onStateChange(peer, state) }
}

/// One peer's connection and its reconnect cycle: connecting → connected → (lost) → backoff →
/// connecting …
private final class PeerLink {
    let peer: PeerID
    let address: SocketAddress
    unowned let connector: PeerConnector
    private(set) var state: PeerLinkState = .connecting(attempt: 1)
    private var connection: TCPConnection?
    private let retryTimer: LoopTimer
    private var failureCount = 0
    private var isStopped = false
    private var logger: Logger

    init(peer: PeerID, address: SocketAddress, connector: PeerConnector) {
        self.peer = peer
        self.address = address
        self.connector = connector
        retryTimer = LoopTimer(loop: connector.loop)
        logger = connector.loop.logger
        logger[metadataKey: "peer"] = "\(peer)"
    }

    var openConnection: TCPConnection? {
        guard state == .connected, let connection, connection.isOpen else { return nil }
        return connection
    }

    func attempt() {
        guard !isStopped, !connector.loop.isStopping else { return }
        enter(.connecting(attempt: failureCount + 1))
        let loop = connector.loop
        let connection = TCPConnection.connect(on: loop, to: address) { [weak self] error in
            guard let self, !isStopped else { return }
            if let error { return failed(error, wasConnected: false) }
            enter(.connected)
            failureCount = 0
            logger.info("connected to \(address)")
        }
        connection.onClose = { [weak self] error in
            self?.failed(error ?? TransportError(.closed, "closed by the peer"), wasConnected: true)
        }
        connection.startReading(with: PeerFrameDecoder(frameBytesMax: loop.limits.frameBytesMax)) { [weak self] frame in
            guard let self else { return }
            connector.deliver(frame, from: peer)
        }
        self.connection = connection
    }

    private func failed(_ error: TransportError, wasConnected: Bool) {
        connection = nil
        guard !isStopped, !connector.loop.isStopping else { return }
        failureCount += 1
        let delay = connector.nextDelay(afterFailures: failureCount)
        if wasConnected {
            logger.info("lost connection to \(address): \(error.message); reconnecting in \(delay)")
        } else {
            logger.debug("connect to \(address) failed: \(error.message); retrying in \(delay)")
        }
        enter(.backoff(failures: failureCount, delay: delay))
        retryTimer.schedule(after: delay) { [weak self] in self?.attempt() }
    }

    private func enter(_ newState: PeerLinkState) {
        state = newState
        connector.report(newState, of: peer)
    }

    func stop() {
        isStopped = true
        retryTimer.close()
        connection?.close()
        connection = nil
    }
}
