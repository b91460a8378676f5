import Logging

/// One peer's connection.
///
/// A dialing link cycles connecting → connected → (lost) → backoff → connecting …; an accepting
/// link waits for the peer's connection (awaitingInbound → connected → awaitingInbound …).
final class PeerLink {
    let peer: PeerID
    /// Where the peer listens; nil for a peer that dialed in before it was added.
    var address: SocketAddress?
    /// Whether this node dials the peer (``DialRule``) rather than waiting for it.
    let dials: Bool
    unowned let connector: PeerConnector
    private(set) var state: PeerLinkState
    private var connection: TCPConnection?
    private let retryTimer: LoopTimer
    private var failureCount = 0
    private var isStopped = false
    private var logger: Logger

    init(peer: PeerID, address: SocketAddress?, dials: Bool, connector: PeerConnector) {
        precondition(!dials || address != nil, "a link that dials needs an address")
        self.peer = peer
        self.address = address
        self.dials = dials
        self.connector = connector
        state = dials ? .connecting(attempt: 1) : .awaitingInbound
        retryTimer = LoopTimer(loop: connector.loop)
        logger = connector.loop.logger
        logger[metadataKey: "peer"] = "\(peer)"
    }

    var openConnection: TCPConnection? {
        guard state == .connected, let connection, connection.isOpen else { return nil }
        return connection
    }

    private var isActive: Bool { !isStopped && !connector.loop.isStopping }

    func start() {
        if dials { attempt() } else { enter(.awaitingInbound) }
    }

    // MARK: Dialing

    private func attempt() {
        guard isActive, let address else { return }
        enter(.connecting(attempt: failureCount + 1))
        let loop = connector.loop
        let connection = TCPConnection.connect(on: loop, to: address, from: connector.dialSource) { [weak self] error in
            guard let self, isActive else { return }
            if let error { return failed(error, wasConnected: false) }
            failureCount = 0
            enter(.connected)
            logger.info("connected to \(address)")
        }
        _ = connection.send(PeerHello(sender: connector.localID, receiver: peer, clusterID: connector.clusterID).frame)  // first on the wire
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
        guard isActive else { return }
        failureCount += 1
        let delay = connector.nextDelay(afterFailures: failureCount)
        let target = address.map { "\($0)" } ?? "\(peer)"
        if wasConnected {
            logger.info("lost connection to \(target): \(error.message); reconnecting in \(delay)")
        } else {
            logger.debug("connect to \(target) failed: \(error.message); retrying in \(delay)")
        }
        enter(.backoff(failures: failureCount, delay: delay))
        retryTimer.schedule(after: delay) { [weak self] in self?.attempt() }
    }

    // MARK: Accepting

    /// Takes over an inbound connection whose hello named this peer, replacing any earlier one
    /// (the peer reconnected, so the old connection is dead even if this side has not noticed).
    func adopt(_ inbound: TCPConnection) {
        precondition(!dials, "\(peer) is dialed by this node, not accepted")
        guard isActive else { return inbound.close() }
        if let old = connection {
            connection = nil
            old.close()
        }
        connection = inbound
        inbound.onClose = { [weak self, weak inbound] error in
            guard let self, let inbound, connection === inbound else { return }
            connection = nil
            guard isActive else { return }
            logger.info("peer connection closed: \(error?.message ?? "closed by the peer"); waiting for it to reconnect")
            enter(.awaitingInbound)
        }
        enter(.connected)
        logger.info("accepted connection from \(inbound.remoteDescription)")
    }

    // MARK: Both

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
