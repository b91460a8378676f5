import CLibUV
import Logging

/// A listening TCP socket on a loop that hands each accepted ``TCPConnection`` to a closure.
///
/// Use it only on its loop's thread. Closing the listener does not close the connections it
/// accepted.
public final class TCPListener: LoopResource, @unchecked Sendable {
    /// The loop this listener and its connections live on.
    public let loop: EventLoop
    /// The address actually bound (with the kernel's port when asked for port 0).
    public private(set) var localAddress: SocketAddress
    private let handle: UnsafeMutablePointer<uv_tcp_t>
    private var onAccept: ((TCPConnection) -> Void)?
    private var isClosing = false

    /// Binds `address` and listens; `onAccept` runs on the loop for every new connection (call
    /// ``TCPConnection/startReading(with:onFrame:)`` on it to receive frames).
    ///
    /// Call on the loop's thread.
    /// - Throws: ``TransportError`` when the address cannot be bound (in use, not local).
    public init(on loop: EventLoop, at address: SocketAddress, onAccept: @escaping (TCPConnection) -> Void) throws(TransportError) {
        loop.assertInLoop()
        self.loop = loop
        self.localAddress = address
        self.onAccept = onAccept
        handle = .allocate(capacity: 1)
        let code = uv_tcp_init(loop.uvLoop, handle)
        precondition(code == 0, "uv_tcp_init cannot fail on an open loop: \(code)")
        uv_handle_set_data(EventLoop.handle(handle), Unmanaged.passUnretained(self).toOpaque())
        loop.register(self)
        do {
            try bindAndListen(address)
        } catch {
            close()
            throw error
        }
    }

    private func bindAndListen(_ address: SocketAddress) throws(TransportError) {
        var storage = try address.makeStorage()
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_bind(handle, $0, 0) }
        }
        try TransportError.check(bound, "bind \(address)")
        let stream = UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_stream_t.self)
        try TransportError.check(uv_listen(stream, loop.limits.listenBacklogCount, onIncoming), "listen on \(address)")
        var local = sockaddr_storage()
        var length = Int32(MemoryLayout<sockaddr_storage>.size)
        let named = withUnsafeMutablePointer(to: &local) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { uv_tcp_getsockname(handle, $0, &length) }
        }
        try TransportError.check(named, "getsockname of \(address)")
        localAddress = try SocketAddress(storage: local)
    }

    fileprivate func acceptOne(status: Int32) {
        guard !isClosing else { return }
        guard status == 0 else {
            loop.logger.warning("listener \(localAddress): accept failed: \(TransportError.libuv("listen", status).message)")
            return
        }
        let stream = UnsafeMutableRawPointer(handle).assumingMemoryBound(to: uv_stream_t.self)
        guard let connection = TCPConnection.accept(on: loop, from: stream) else { return }
        onAccept?(connection)
    }

    /// Stops listening and releases the port.
    public func close() {
        loop.assertInLoop()
        guard !isClosing else { return }
        isClosing = true
        onAccept = nil
        uv_close(EventLoop.handle(handle), onListenerClosed)
    }

    fileprivate func didClose() {
        handle.deallocate()
        loop.unregister(self)
    }

    fileprivate static func from(_ pointer: UnsafeMutableRawPointer?) -> TCPListener {
        let handle = pointer!.assumingMemoryBound(to: uv_handle_t.self)
        return Unmanaged<TCPListener>.fromOpaque(uv_handle_get_data(handle)!).takeUnretainedValue()
    }
}

private let onIncoming: uv_connection_cb = { stream, status in
    TCPListener.from(UnsafeMutableRawPointer(stream)).acceptOne(status: status)
}

private let onListenerClosed: uv_close_cb = { handle in
    TCPListener.from(UnsafeMutableRawPointer(handle)).didClose()
}
