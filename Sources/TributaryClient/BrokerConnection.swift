import DequeModule
import KafkaProtocol
import Transport

/// One connection to one broker: pipelined requests matched to responses by correlation id,
/// API versions negotiated once at connect time, an async API.
///
/// Socket state lives on the client's ``EventLoop``; `send` may be called from any task.
/// Responses arrive in request order (Kafka answers each connection in order), so a response
/// whose correlation id is not the oldest outstanding one means the stream is garbage: the
/// connection closes and every outstanding request fails. A connection that closed stays closed;
/// the owner (``KafkaClient``) opens a new one.
public final class BrokerConnection: @unchecked Sendable {
    /// Where this connection goes.
    public let address: SocketAddress
    /// The loop the socket lives on.
    public let loop: EventLoop
    /// The bounds and client id in use.
    public let options: ConnectionOptions

    /// The version per API agreed with the broker. Written once on the loop before ``connect``
    /// returns (the continuation's resume orders that write before every read), never after.
    nonisolated(unsafe) public private(set) var versions: [ApiKey: Int16] = [:]

    /// Runs once on the loop when the connection has closed, with the reason.
    private var onClose: (@Sendable (KafkaClientError) -> Void)?

    // Loop-thread state.
    private var tcp: TCPConnection?
    private var closeReason: KafkaClientError?
    private var nextCorrelationId: Int32 = 1
    private var inFlight = Deque<Exchange>()
    private var waiting = Deque<Exchange>()
    private var timeoutTimer: LoopTimer?

    /// A request and what to do with its outcome.
    private struct Exchange: Sendable {
        var frame: [UInt8]
        var expectsResponse: Bool
        var correlationId: Int32 = 0
        let deadline: ContinuousClock.Instant
        let complete: @Sendable (Result<[UInt8], KafkaClientError>) -> Void
    }

    private init(address: SocketAddress, loop: EventLoop, options: ConnectionOptions) {
        self.address = address
        self.loop = loop
        self.options = options
    }

    /// Opens a connection and negotiates API versions (ApiVersions, then min(ours, broker's)).
    /// - Parameters:
    ///   - address: the broker's address.
    ///   - loop: the client's loop.
    ///   - options: bounds and client id.
    ///   - apiRanges: the versions the caller implements.
    ///   - onClose: runs once on the loop when the connection closes (also when opening fails).
    /// - Throws: ``KafkaClientError``: ``KafkaClientError/Kind/connectionClosed`` when the
    ///   connection fails, ``KafkaClientError/Kind/malformedResponse`` when ApiVersions is garbage.
    public static func connect(
        to address: SocketAddress, on loop: EventLoop, options: ConnectionOptions,
        apiRanges: ApiVersionRanges = .client,
        onClose: (@Sendable (KafkaClientError) -> Void)? = nil
    ) async throws -> BrokerConnection {
        try options.validate()
        let connection = BrokerConnection(address: address, loop: loop, options: options)
        connection.onClose = onClose
        try await connection.open()
        do {
            try await connection.negotiateVersions(apiRanges)
        } catch {
            connection.close()
            throw error
        }
        return connection
    }

    private func open() async throws {
        let _: Void = try await withCheckedThrowingContinuation { continuation in
            do {
                try loop.execute { [self] in
                    tcp = TCPConnection.connect(on: loop, to: address) { [self] error in
                        if let error {
                            let reason = KafkaClientError(.connectionClosed, error.message)
                            didClose(reason)
                            continuation.resume(throwing: reason)
                        } else {
                            didOpen()
                            continuation.resume()
                        }
                    }
                }
            } catch {
                continuation.resume(throwing: KafkaClientError(.closed, "client loop: \(error)"))
            }
        }
    }

    private func didOpen() {
        guard let tcp else { preconditionFailure("didOpen without a socket") }
        tcp.onClose = { [self] error in
            didClose(KafkaClientError(.connectionClosed, "connection to \(address) closed"
                + (error.map { ": \($0.message)" } ?? " by the broker")))
        }
        tcp.startReading(with: KafkaFrameDecoder(frameBytesMax: loop.limits.frameBytesMax)) { [self] body in
            didReceive(body)
        }
        let timer = LoopTimer(loop: loop)
        timer.schedule(after: options.timeoutCheckInterval, repeating: options.timeoutCheckInterval) { [self] in
            checkTimeouts()
        }
        timeoutTimer = timer
    }

    private func negotiateVersions(_ apiRanges: ApiVersionRanges) async throws {
        guard let ours = apiRanges.ranges[.apiVersions] else {
            preconditionFailure("the client's API table must include ApiVersions")
        }
        var request = ApiVersionsRequest()
        request.clientSoftwareName = "tributary-swift"
        request.clientSoftwareVersion = "0.1"
        var response = try await send(request, version: ours.upperBound, fallbackVersion: 0)
        if ErrorCode(rawValue: response.errorCode) == .unsupportedVersion {
            // The broker answered in v0 with the versions it has: retry with the best shared one.
            let shared = apiRanges.negotiated(with: response.apiKeys)
            guard let version = shared[.apiVersions] else {
                throw KafkaClientError(.unsupportedVersion, "\(address) supports no ApiVersions version we do")
            }
            response = try await send(request, version: version, fallbackVersion: nil)
        }
        guard ErrorCode(rawValue: response.errorCode) == .noError else {
            throw KafkaClientError(.broker(ErrorCode(rawValue: response.errorCode)),
                                   "ApiVersions from \(address): \(ErrorCode(rawValue: response.errorCode))")
        }
        let agreed = apiRanges.negotiated(with: response.apiKeys)
        try await loop.submit { [self] in versions = agreed }
    }

    // MARK: Sending

    /// The version used for `apiKey` on this connection.
    /// - Throws: ``KafkaClientError/Kind/unsupportedVersion`` when the broker and client share none.
    public func version(of apiKey: ApiKey) throws(KafkaClientError) -> Int16 {
        guard let version = versions[apiKey] else {
            throw KafkaClientError(.unsupportedVersion, "\(address) and this client share no version of \(apiKey)")
        }
        return version
    }

    /// Sends `request` at the negotiated version and waits for its response.
    /// - Parameters:
    ///   - request: the request body.
    ///   - timeout: how long the response may take; nil for ``ConnectionOptions/requestTimeout``
    ///     (a JoinGroup may legitimately wait for the whole rebalance timeout).
    /// - Returns: the decoded response body.
    /// - Throws: ``KafkaClientError``: the connection closed or timed out, the response was
    ///   garbage, the API has no shared version, or the waiting queue is full.
    public func send<Request: KafkaRequestMessage>(
        _ request: Request, timeout: Duration? = nil
    ) async throws -> Request.Response {
        try await send(request, version: try version(of: Request.apiKey), fallbackVersion: nil, timeout: timeout)
    }

    /// Sends `request` and returns once it is queued for writing: for requests the broker does
    /// not answer (Produce with acks=0).
    /// - Throws: ``KafkaClientError`` as for ``send(_:)``.
    public func sendWithoutResponse<Request: KafkaRequestMessage>(_ request: Request) async throws {
        let frame = KafkaFrame.request(request, version: try version(of: Request.apiKey), correlationId: 0,
                                       clientId: options.clientId)
        _ = try await exchange(frame, expectsResponse: false, timeout: nil)
    }

    /// Queues `request` at once, so that calls made one after another reach the broker in that
    /// order (the async ``send(_:timeout:)`` queues only when its task runs), and calls
    /// `completion` on the client's loop with the decoded response, or with an empty response
    /// as soon as the request is queued when `expectsResponse` is false (Produce with acks=0).
    public func start<Request: KafkaRequestMessage>(
        _ request: Request, expectsResponse: Bool = true,
        completion: @escaping @Sendable (Result<Request.Response?, KafkaClientError>) -> Void
    ) {
        let version: Int16
        do { version = try self.version(of: Request.apiKey) } catch { return completion(.failure(error)) }
        let frame = KafkaFrame.request(request, version: version, correlationId: 0, clientId: options.clientId)
        startExchange(frame, expectsResponse: expectsResponse, timeout: nil) { [self] outcome in
            switch outcome {
            case .failure(let error): completion(.failure(error))
            case .success where !expectsResponse: completion(.success(nil))
            case .success(let body):
                do {
                    completion(.success(try KafkaFrame.decodeResponse(Request.Response.self, frameBody: body, version: version).body))
                } catch {
                    // As in send(_:): a response that does not decode leaves the stream in doubt.
                    let failure = KafkaClientError(.malformedResponse, "\(Request.apiKey) v\(version) response from \(address): \(error)")
                    try? loop.execute { [self] in fail(failure) }
                    completion(.failure(failure))
                }
            }
        }
    }

    /// Sends at an explicit version; when decoding at `version` fails and `fallbackVersion` is
    /// given, tries that one (ApiVersions: a broker answers an unsupported version in v0).
    private func send<Request: KafkaRequestMessage>(
        _ request: Request, version: Int16, fallbackVersion: Int16?, timeout: Duration? = nil
    ) async throws -> Request.Response {
        let frame = KafkaFrame.request(request, version: version, correlationId: 0, clientId: options.clientId)
        let body = try await exchange(frame, expectsResponse: true, timeout: timeout)
        do {
            return try KafkaFrame.decodeResponse(Request.Response.self, frameBody: body, version: version).body
        } catch {
            if let fallbackVersion,
               let response = try? KafkaFrame.decodeResponse(Request.Response.self, frameBody: body, version: fallbackVersion) {
                return response.body
            }
            let failure = KafkaClientError(.malformedResponse,
                                           "\(Request.apiKey) v\(version) response from \(address): \(error.message)")
            try? loop.execute { [self] in fail(failure) }
            throw failure
        }
    }

    /// Queues a frame (correlation id 0, patched on the loop) and waits for the response body.
    private func exchange(_ frame: [UInt8], expectsResponse: Bool, timeout: Duration?) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            startExchange(frame, expectsResponse: expectsResponse, timeout: timeout) { continuation.resume(with: $0) }
        }
    }

    /// Hands a frame to the loop now (calls are queued in call order); `complete` gets the
    /// response body, or the failure.
    private func startExchange(
        _ frame: [UInt8], expectsResponse: Bool, timeout: Duration?,
        complete: @escaping @Sendable (Result<[UInt8], KafkaClientError>) -> Void
    ) {
        let deadline = ContinuousClock.now.advanced(by: timeout ?? options.requestTimeout)
        let exchange = Exchange(frame: frame, expectsResponse: expectsResponse, deadline: deadline, complete: complete)
        do {
            try loop.execute { [self] in enqueue(exchange) }
        } catch {
            complete(.failure(KafkaClientError(.closed, "client loop: \(error)")))
        }
    }

    private func enqueue(_ exchange: Exchange) {
        if let closeReason {
            // Later requests learn that the connection is gone; only those outstanding at the
            // time learn why (a timeout, garbage).
            let kind: KafkaClientError.Kind = closeReason.kind == .closed ? .closed : .connectionClosed
            return exchange.complete(.failure(KafkaClientError(kind, "connection to \(address) is closed: \(closeReason.message)")))
        }
        if inFlight.count < options.inFlightRequestCountMax && waiting.isEmpty {
            dispatch(exchange)
        } else if waiting.count < options.waitingRequestCountMax {
            waiting.append(exchange)
        } else {
            exchange.complete(.failure(KafkaClientError(
                .queueFull, "\(address): \(options.waitingRequestCountMax) requests already wait for a slot")))
        }
    }

    private func dispatch(_ exchange: Exchange) {
        guard let tcp else { preconditionFailure("dispatch before the connection opened") }
        var exchange = exchange
        exchange.correlationId = nextCorrelationId
        nextCorrelationId = nextCorrelationId == Int32.max ? 1 : nextCorrelationId + 1
        // Size prefix (4), api key (2), api version (2), then the correlation id.
        withUnsafeBytes(of: exchange.correlationId.bigEndian) { exchange.frame.replaceSubrange(8..<12, with: $0) }
        let outcome = tcp.send(bytes: exchange.frame)
        guard outcome.isQueued else {
            return exchange.complete(.failure(KafkaClientError(
                outcome == .rejectedQueueFull ? .queueFull : .connectionClosed, "\(address): request not queued (\(outcome))")))
        }
        exchange.frame = []
        if exchange.expectsResponse {
            inFlight.append(exchange)
        } else {
            exchange.complete(.success([]))
        }
    }

    private func dispatchWaiting() {
        while inFlight.count < options.inFlightRequestCountMax, closeReason == nil, let next = waiting.popFirst() {
            dispatch(next)
        }
    }

    // MARK: Receiving

    private func didReceive(_ body: [UInt8]) {
        guard body.count >= 4 else {
            return fail(KafkaClientError(.malformedResponse, "\(address): response of \(body.count) bytes has no header"))
        }
        let correlationId = body.prefix(4).reduce(Int32(0)) { $0 << 8 | Int32($1) }
        guard let oldest = inFlight.first, oldest.correlationId == correlationId else {
            return fail(KafkaClientError(.malformedResponse,
                "\(address): response with correlation id \(correlationId), expected \(inFlight.first.map { "\($0.correlationId)" } ?? "none")"))
        }
        inFlight.removeFirst()
        oldest.complete(.success(body))
        dispatchWaiting()
    }

    private func checkTimeouts() {
        let now = ContinuousClock.now
        // Requests may carry longer timeouts than those behind them, so check every one.
        if inFlight.contains(where: { $0.deadline <= now }) || waiting.contains(where: { $0.deadline <= now }) {
            fail(KafkaClientError(.timedOut, "\(address): a request got no response within its timeout"))
        }
    }

    // MARK: Closing

    /// Closes the connection; outstanding requests fail with ``KafkaClientError/Kind/closed``.
    /// Callable from any thread.
    public func close() {
        try? loop.execute { [self] in fail(KafkaClientError(.closed, "connection to \(address) closed by the client")) }
    }

    private func fail(_ reason: KafkaClientError) {
        guard closeReason == nil else { return }
        closeReason = reason
        tcp?.onClose = nil
        tcp?.close()
        didClose(reason)
    }

    private func didClose(_ reason: KafkaClientError) {
        if closeReason == nil { closeReason = reason }
        let reason = closeReason ?? reason
        timeoutTimer?.close()
        timeoutTimer = nil
        tcp = nil
        let outstanding = inFlight + waiting
        inFlight.removeAll()
        waiting.removeAll()
        for exchange in outstanding { exchange.complete(.failure(reason)) }
        let onClose = self.onClose
        self.onClose = nil
        onClose?(reason)
    }
}
