import CLibUV
import Logging

/// One TCP connection on a loop: reads frames through a ``FrameDecoder`` and writes through a
/// bounded, coalescing send queue.
///
/// Use it only on its loop's thread. It stays alive while open (the loop holds it) and reports
/// its end once through ``onClose``.
///
/// **Reading.** ``startReading(with:onFrame:)`` installs a decoder; bytes accumulate in a read
/// buffer of at most ``TransportLimits/readBufferBytesMax`` bytes and every complete frame is
/// handed to `onFrame` in stream order. A malformed or oversized frame, or an end of stream in
/// the middle of a frame, closes this connection (and only it) with a log line and the error in
/// ``onClose``.
///
/// **Writing.** `send` methods append to a queue of at most ``TransportLimits/sendQueueBytesMax``
/// bytes and never block. Everything sent during one loop turn goes out in one `uv_write` at the
/// end of the turn (while a write is in flight, later sends wait and go out together after it).
/// Above ``TransportLimits/sendQueueBytesHighWater`` queued bytes, sends return
/// ``SendOutcome/queuedAboveHighWater`` and reading pauses (if
/// ``pausesReadingUnderBackpressure``) until the queue drains below the mark, when
/// ``onWritable`` runs.
public final class TCPConnection: LoopResource, EndOfTurnTask, @unchecked Sendable {
    /// The loop this connection lives on.
    public let loop: EventLoop
    /// The other end's address, when the kernel reports one.
    public private(set) var remoteAddress: SocketAddress?
    /// The other end's address for log lines (`"?"` when unknown).
    public var remoteDescription: String { remoteAddress.map { "\($0)" } ?? "?" }
    /// Runs once when the connection has closed: `nil` after ``close()`` or an orderly end of
    /// stream between frames, the error otherwise (connect failure, bad frame, socket error).
    public var onClose: ((TransportError?) -> Void)?
    /// Runs when the send queue drains below its high-water mark after having been above it.
    public var onWritable: (() -> Void)?
    /// Whether reading stops while the send queue is above its high-water mark (default true:
    /// a client that does not read its responses cannot make this node buffer without bound).
    public var pausesReadingUnderBackpressure = true

    private enum State { case connecting, open, closing, closed }

    private var state: State
    private let handle: UnsafeMutablePointer<uv_tcp_t>
    private let writeRequest: UnsafeMutablePointer<uv_write_t> = .allocate(capacity: 1)
    private let shutdownRequest: UnsafeMutablePointer<uv_shutdown_t> = .allocate(capacity: 1)
    private var connectRequest: UnsafeMutablePointer<uv_connect_t>?
    private var connectTimer: LoopTimer?
    private var connectCompletion: ((TransportError?) -> Void)?
    private var logger: Logger
    private let inbound: ByteBuffer
    private var pending: ByteBuffer
    private var writing: ByteBuffer
    private var consumeInbound: (() -> Void)?
    private var closeError: TransportError?
    private var isReadPausedByCaller = false
    private var isBackpressured = false
    private var isUVReading = false
    private var isWriteInFlight = false
    private var isEndOfTurnScheduled = false
    private var closesWhenFlushed = false

    private init(loop: EventLoop, state: State) {
        loop.assertInLoop()
        self.loop = loop
        self.state = state
        self.logger = loop.logger
        handle = .allocate(capacity: 1)
        let chunk = loop.limits.readChunkBytes
        inbound = ByteBuffer(initialCapacity: chunk)
        pending = ByteBuffer(initialCapacity: chunk)
        writing = ByteBuffer(initialCapacity: chunk)
        let code = uv_tcp_init(loop.uvLoop, handle)
        precondition(code == 0, "uv_tcp_init cannot fail on an open loop: \(code)")
        uv_handle_set_data(EventLoop.handle(handle), Unmanaged.passUnretained(self).toOpaque())
        loop.register(self)
    }

    deinit {
        writeRequest.deallocate()
        shutdownRequest.deallocate()
        connectRequest?.deallocate()
    }

    /// The stream this connection's handle is, for libuv calls.
    var stream: UnsafeMutablePointer<uv_stream_t> {
        UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_stream_t.self)
    }

    // MARK: Opening

    /// Opens a connection to `address`; `completion` runs once, later, on the loop: with `nil`
    /// when connected, or with the error (refused, unreachable, ``TransportError/Kind/timedOut``
    /// after ``TransportLimits/connectTimeout``, ``TransportError/Kind/closed`` if closed first)
    /// once the connection has closed; ``onClose`` then does not run.
    ///
    /// Sends made before the connection completes are queued and written once it does.
    /// Call on the loop's thread. With `source`, the connection is bound to that local address
    /// (port 0: any port) first.
    public static func connect(
        on loop: EventLoop,
        to address: SocketAddress,
        from source: SocketAddress? = nil,
        completion: @escaping (TransportError?) -> Void
    ) -> TCPConnection {
        let connection = TCPConnection(loop: loop, state: .connecting)
        connection.beginConnect(to: address, from: source, completion: completion)
        return connection
    }

    private func beginConnect(
        to address: SocketAddress, from source: SocketAddress?, completion: @escaping (TransportError?) -> Void
    ) {
        logger[metadataKey: "remote"] = "\(address)"
        remoteAddress = address
        connectCompletion = completion
        do {
            if let source {
                // A node with its own address must also send from it: a fault injected between
                // two node addresses must cut exactly that link, whatever the kernel's default
                // source address would have been.
                var local = try source.makeStorage()
                let code = withUnsafePointer(to: &local) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(handle, $0, 0) }
                }
                try TransportError.check(code, "bind to \(source) before connecting")
            }
            var storage = try address.makeStorage()
            let request = UnsafeMutablePointer<uv_connect_t>.allocate(capacity: 1)
            connectRequest = request
            let code = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_connect(request, handle, $0, onConnected) }
            }
            try TransportError.check(code, "connect to \(address)")
        } catch {
            close(error: error)
            return
        }
        let timer = LoopTimer(loop: loop)
        connectTimer = timer
        timer.schedule(after: loop.limits.connectTimeout) { [unowned self] in
            close(error: TransportError(.timedOut, "connect to \(address) took over \(loop.limits.connectTimeout)"))
        }
    }

    fileprivate func didConnect(status: Int32) {
        connectTimer?.close()
        connectTimer = nil
        guard state == .connecting else { return }  // closed meanwhile; completion already called
        if status < 0 {
            close(error: .libuv("connect to \(remoteDescription)", status))
            return
        }
        state = .open
        configureSocket()
        let completion = connectCompletion
        connectCompletion = nil
        completion?(nil)
        updateReading()
        if !pending.isEmpty { scheduleEndOfTurn() }
    }

    /// Accepts a pending connection of `listener`; returns nil (after logging) if accept fails.
    static func accept(on loop: EventLoop, from listener: UnsafeMutablePointer<uv_stream_t>) -> TCPConnection? {
        let connection = TCPConnection(loop: loop, state: .open)
        let code = uv_accept(listener, connection.stream)
        guard code == 0 else {
            connection.close(error: .libuv("uv_accept", code))
            return nil
        }
        var storage = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let peerCode = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getpeername(connection.handle, $0, &length) }
        }
        if peerCode == 0, let address = try? SocketAddress(storage: storage) {
            connection.remoteAddress = address
            connection.logger[metadataKey: "remote"] = "\(address)"
        }
        connection.configureSocket()
        return connection
    }

    private func configureSocket() {
        // Frames are coalesced per loop turn already; Nagle would only add latency.
        uv_tcp_nodelay(handle, 1)
    }

    // MARK: Reading

    /// Starts handing complete frames to `onFrame`, in stream order, decoded by `decoder`.
    /// Call once, on the loop's thread.
    public func startReading<Decoder: FrameDecoder>(
        with decoder: Decoder,
        onFrame: @escaping (Decoder.Frame) -> Void
    ) {
        loop.assertInLoop()
        precondition(consumeInbound == nil, "startReading called twice on one connection")
        consumeInbound = { [unowned self] in
            while isDelivering {
                let decoded: DecodedFrame<Decoder.Frame>?
                do throws(TransportError) {
                    decoded = try decoder.decodeFrame(from: inbound.readable)
                } catch {
                    fail(error)
                    return
                }
                guard let decoded else { return }
                inbound.consume(decoded.byteCount)
                onFrame(decoded.frame)
            }
        }
        updateReading()
    }

    /// Stops reading from the socket (frames already buffered wait too) until ``resumeReading()``.
    public func pauseReading() {
        loop.assertInLoop()
        isReadPausedByCaller = true
        updateReading()
    }

    /// Undoes ``pauseReading()``; buffered frames are delivered at the end of this turn.
    public func resumeReading() {
        loop.assertInLoop()
        isReadPausedByCaller = false
        updateReading()
        if isDelivering && !inbound.isEmpty { scheduleEndOfTurn() }
    }

    /// Whether frames are being delivered (reading started, not paused, connection open).
    private var isDelivering: Bool {
        state == .open && consumeInbound != nil && !isReadPausedByCaller
            && !(isBackpressured && pausesReadingUnderBackpressure)
    }

    private func updateReading() {
        if isDelivering && !isUVReading {
            let code = uv_read_start(stream, allocateReadBuffer, onRead)
            if code < 0 { return fail(.libuv("uv_read_start", code)) }
            isUVReading = true
        } else if !isDelivering && isUVReading {
            uv_read_stop(stream)
            isUVReading = false
        }
    }

    fileprivate func readRegion() -> uv_buf_t {
        let region = inbound.writableRegion(upTo: loop.limits.readChunkBytes, capacityMax: loop.limits.readBufferBytesMax)
        return uv_buf_init(region.baseAddress?.assumingMemoryBound(to: CChar.self), UInt32(region.count))
    }

    fileprivate func didRead(_ count: Int) {
        if count > 0 {
            inbound.commit(count)
            consumeInbound?()
            inbound.releaseExcessCapacity(keeping: loop.limits.idleBufferBytesMax)
        } else if count == Int(UV_EOF.rawValue) {
            if inbound.isEmpty {
                close(error: nil)
            } else {
                fail(TransportError(.truncatedFrame, "stream ended inside a frame (\(inbound.count) bytes of it received)"))
            }
        } else if count < 0 {
            fail(.libuv("read", Int32(count)))
        }
    }

    // MARK: Writing

    /// Queues `byteCount` bytes that `encode` appends to the send queue.
    func send(byteCount: Int, _ encode: (ByteBuffer) -> Void) -> SendOutcome {
        loop.assertInLoop()
        guard state == .open || state == .connecting, !closesWhenFlushed else { return .rejectedClosed }
        guard queuedByteCount + byteCount <= loop.limits.sendQueueBytesMax else { return .rejectedQueueFull }
        let countBefore = pending.count
        encode(pending)
        precondition(pending.count - countBefore == byteCount, "encoder wrote \(pending.count - countBefore) bytes, announced \(byteCount)")
        scheduleEndOfTurn()
        guard queuedByteCount > loop.limits.sendQueueBytesHighWater else { return .queued }
        if !isBackpressured {
            isBackpressured = true
            updateReading()
        }
        return .queuedAboveHighWater
    }

    /// Queues raw bytes (an HTTP response, say).
    public func send(bytes: [UInt8]) -> SendOutcome {
        send(byteCount: bytes.count) { buffer in bytes.withUnsafeBytes { buffer.append($0) } }
    }

    /// Queues a peer frame.
    public func send(_ frame: PeerFrame) -> SendOutcome {
        guard frame.body.count <= loop.limits.frameBytesMax else { return .rejectedFrameTooLarge }
        return send(byteCount: frame.encodedByteCount) { frame.encode(into: $0) }
    }

    /// Queues a Kafka frame: the int32 size of `body`, then `body`.
    public func sendKafkaFrame(_ body: [UInt8]) -> SendOutcome {
        guard body.count <= loop.limits.frameBytesMax else { return .rejectedFrameTooLarge }
        return send(byteCount: KafkaFrameDecoder.sizePrefixByteCount + body.count) { buffer in
            buffer.appendBigEndian(UInt32(body.count))
            body.withUnsafeBytes { buffer.append($0) }
        }
    }

    /// `uv_write` calls issued so far: with coalescing, at most one per loop turn (for metrics).
    public private(set) var writeCount = 0

    /// Bytes queued and not yet confirmed written to the socket.
    public var queuedByteCount: Int { pending.count + writing.count }

    /// Whether reading has started but is paused, by ``pauseReading()`` or by backpressure.
    public var isReadingPaused: Bool {
        consumeInbound != nil && state == .open && !isDelivering
    }

    /// Whether the connection is open (connected and not closing).
    public var isOpen: Bool { state == .open }

    private func scheduleEndOfTurn() {
        guard !isEndOfTurnScheduled, state == .open || state == .connecting else { return }
        isEndOfTurnScheduled = true
        loop.runAtEndOfTurn(self)
    }

    func runAtEndOfTurn() {
        isEndOfTurnScheduled = false
        guard state == .open else { return }
        consumeInbound?()
        flush()
    }

    private func flush() {
        guard state == .open, !isWriteInFlight, !pending.isEmpty else { return }
        swap(&pending, &writing)
        let bytes = writing.readable
        var buffer = uv_buf_init(UnsafeMutablePointer(mutating: bytes.baseAddress!.assumingMemoryBound(to: CChar.self)), UInt32(bytes.count))
        let code = uv_write(writeRequest, stream, &buffer, 1, onWritten)
        if code < 0 { return fail(.libuv("uv_write", code)) }
        isWriteInFlight = true
        writeCount += 1
    }

    fileprivate func didWrite(status: Int32) {
        isWriteInFlight = false
        writing.removeAll()
        writing.releaseExcessCapacity(keeping: loop.limits.idleBufferBytesMax)
        guard state == .open else { return }  // cancelled by close
        if status < 0 { return fail(.libuv("write", status)) }
        if isBackpressured && queuedByteCount <= loop.limits.sendQueueBytesHighWater {
            isBackpressured = false
            updateReading()
            if !inbound.isEmpty { scheduleEndOfTurn() }
            onWritable?()
        }
        if !pending.isEmpty {
            scheduleEndOfTurn()
        } else if closesWhenFlushed {
            shutDownWriting()
        }
    }

    // MARK: Closing

    /// Closes once everything queued is written: stops reading, rejects further sends, writes
    /// the queue, sends FIN, then closes. Used after an HTTP response with `Connection: close`.
    public func closeWhenFlushed() {
        loop.assertInLoop()
        guard state == .open, !closesWhenFlushed else { return close() }
        closesWhenFlushed = true
        isReadPausedByCaller = true
        updateReading()
        if queuedByteCount == 0 { shutDownWriting() }
    }

    private func shutDownWriting() {
        let code = uv_shutdown(shutdownRequest, stream, onShutDown)
        if code < 0 { close(error: nil) }
    }

    /// Closes now, dropping anything still queued. ``onClose`` runs with `nil`.
    public func close() {
        close(error: nil)
    }

    private func fail(_ error: TransportError) {
        logger.warning("closing connection: \(error.message)")
        close(error: error)
    }

    private func close(error: TransportError?) {
        loop.assertInLoop()
        guard state == .open || state == .connecting else { return }
        state = .closing
        closeError = error
        connectTimer?.close()
        connectTimer = nil
        if isUVReading { uv_read_stop(stream) }
        isUVReading = false
        uv_close(EventLoop.handle(handle), onConnectionClosed)
    }

    fileprivate func didClose() {
        state = .closed
        handle.deallocate()
        consumeInbound = nil
        onWritable = nil
        let onClose = self.onClose
        self.onClose = nil
        loop.unregister(self)
        if let completion = connectCompletion {
            // Never connected: the connect completion reports the failure, not `onClose`.
            connectCompletion = nil
            completion(closeError ?? TransportError(.closed, "connection closed while connecting"))
        } else {
            onClose?(closeError)
        }
    }

    fileprivate static func from(_ pointer: UnsafeMutableRawPointer?) -> TCPConnection {
        let handle = pointer!.assumingMemoryBound(to: uv_handle_t.self)
        return Unmanaged<TCPConnection>.fromOpaque(uv_handle_get_data(handle)!).takeUnretainedValue()
    }
}

private let allocateReadBuffer: uv_alloc_cb = { handle, _, buffer in
    buffer!.pointee = TCPConnection.from(UnsafeMutableRawPointer(handle)).readRegion()
}

private let onRead: uv_read_cb = { stream, count, _ in
    TCPConnection.from(UnsafeMutableRawPointer(stream)).didRead(count)
}

private let onWritten: uv_write_cb = { request, status in
    TCPConnection.from(UnsafeMutableRawPointer(request!.pointee.handle)).didWrite(status: status)
}

private let onShutDown: uv_shutdown_cb = { request, _ in
    TCPConnection.from(UnsafeMutableRawPointer(request!.pointee.handle)).close()
}

private let onConnected: uv_connect_cb = { request, status in
    TCPConnection.from(UnsafeMutableRawPointer(request!.pointee.handle)).didConnect(status: status)
}

private let onConnectionClosed: uv_close_cb = { handle in
    TCPConnection.from(UnsafeMutableRawPointer(handle)).didClose()
}
