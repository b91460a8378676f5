import Logging

/// A minimal HTTP/1.1 server on a loop for the admin endpoint (`/metrics`, `/health`,
/// `/v1/status`).
///
/// Routes map a path to a closure that runs on the loop and returns the response, or that is
/// handed a `respond` callback to call later from any thread (to gather state from other loops
/// first). Requests are answered in order on each connection: the next request on a connection
/// is read only once the previous one has been answered; keep-alive follows the request (`Connection` header and
/// version). A malformed request gets 400, a body 413, an over-long head 431, a method other than
/// GET 405, each followed by closing the connection; an unknown path gets 404. At most
/// ``TransportLimits/httpConnectionCountMax`` connections are open at once, and one that
/// completes no request for ``TransportLimits/httpIdleTimeout`` is closed.
///
/// Use it on its loop's thread only. It stays alive while listening, until ``close()`` or the
/// loop's shutdown.
public final class HTTPServer: @unchecked Sendable {
    /// Answers one request on the loop.
    public typealias Handler = (HTTPRequest) -> HTTPResponse
    /// Answers one request by calling `respond` exactly once, now or later, from any thread.
    public typealias DeferredHandler = (_ request: HTTPRequest, _ respond: @escaping @Sendable (HTTPResponse) -> Void) -> Void

    /// The loop the server runs on.
    public let loop: EventLoop
    private var listener: TCPListener?
    private var routes: [String: DeferredHandler] = [:]
    private var connections: [ObjectIdentifier: TCPConnection] = [:]

    /// Starts listening on `address` (port 0 picks a free port; see ``localAddress``).
    /// - Throws: ``TransportError`` when the address cannot be bound.
    public init(on loop: EventLoop, at address: SocketAddress) throws(TransportError) {
        self.loop = loop
        // The listener (held by the loop) holds the server until `close()` or shutdown.
        listener = try TCPListener(on: loop, at: address) { connection in self.accept(connection) }
    }

    /// The address the server listens on.
    public var localAddress: SocketAddress? { listener?.localAddress }

    /// Answers GET requests for `path` (exact match, query ignored) with `handler`, replacing
    /// any earlier handler for it.
    public func route(_ path: String, _ handler: @escaping Handler) {
        route(path, deferred: { request, respond in respond(handler(request)) })
    }

    /// Answers GET requests for `path` through `handler`, which calls its `respond` argument
    /// exactly once, from any thread, possibly after `handler` returned; the response is
    /// written on the server's loop. Replaces any earlier handler for the path.
    public func route(_ path: String, deferred handler: @escaping DeferredHandler) {
        loop.assertInLoop()
        precondition(path.first == "/", "route paths start with '/': \(path)")
        routes[path] = handler
    }

    /// Stops listening and closes every open connection.
    public func close() {
        loop.assertInLoop()
        listener?.close()
        listener = nil
        for connection in connections.values { connection.close() }
    }

    private func accept(_ connection: TCPConnection) {
        guard connections.count < loop.limits.httpConnectionCountMax else {
            loop.logger.warning("admin HTTP: \(connections.count) connections open; closing a new one from \(connection.remoteDescription)")
            return connection.close()
        }
        let key = ObjectIdentifier(connection)
        connections[key] = connection
        let idleTimer = LoopTimer(loop: loop)
        let closeWhenIdle = { [weak connection, loop] in
            guard let connection else { return }
            loop.logger.debug("admin HTTP: closing idle connection from \(connection.remoteDescription)")
            connection.close()
        }
        idleTimer.schedule(after: loop.limits.httpIdleTimeout, closeWhenIdle)
        connection.onClose = { [weak self] _ in
            idleTimer.close()
            self?.connections.removeValue(forKey: key)
        }
        connection.startReading(with: HTTPRequestDecoder(headerBytesMax: loop.limits.httpHeaderBytesMax)) { [weak self, unowned connection] head in
            idleTimer.schedule(after: connection.loop.limits.httpIdleTimeout, closeWhenIdle)
            self?.answer(head, on: connection)
        }
    }

    private func answer(_ head: HTTPRequestHead, on connection: TCPConnection) {
        switch head {
        case .rejected(let status, let reason):
            loop.logger.warning("admin HTTP: \(status) to \(connection.remoteDescription): \(reason)")
            respond(HTTPResponse(status: status, text: "\(status.reason)\n"), keepAlive: false, on: connection)
        case .request(let request):
            guard let handler = routes[request.path] else {
                return respond(HTTPResponse(status: .notFound, text: "no route for \(request.path)\n"), keepAlive: request.keepsAlive, on: connection)
            }
            // No further request is read until this one is answered, so answers keep their order.
            connection.pauseReading()
            let isAnswered = Locked(false)
            handler(request) { [weak self, weak connection] response in
                let isFirstAnswer = isAnswered.withLock { answered in
                    defer { answered = true }
                    return !answered
                }
                precondition(isFirstAnswer, "HTTP handler for \(request.path) responded twice")
                guard let self else { return }
                let write: @Sendable () -> Void = { [weak connection] in
                    guard let connection else { return }
                    self.respond(response, keepAlive: request.keepsAlive, on: connection)
                    if request.keepsAlive { connection.resumeReading() }
                }
                if loop.inLoopThread { return write() }
                do throws(TransportError) {
                    try loop.execute(write)
                } catch {
                    // The connection stays paused until its idle timeout closes it.
                    loop.logger.warning("admin HTTP: response to \(request.path) dropped: \(error.message)")
                }
            }
        }
    }

    private func respond(_ response: HTTPResponse, keepAlive: Bool, on connection: TCPConnection) {
        switch connection.send(bytes: response.encoded(keepAlive: keepAlive)) {
        case .queued, .queuedAboveHighWater: break
        case .rejectedClosed: return  // closed meanwhile (idle timeout, shutdown): nobody to answer
        case .rejectedQueueFull, .rejectedFrameTooLarge:
            loop.logger.warning("admin HTTP: response of \(response.body.count) bytes does not fit the send queue; closing \(connection.remoteDescription)")
            return connection.close()
        }
        if !keepAlive { connection.closeWhenFlushed() }
    }
}
