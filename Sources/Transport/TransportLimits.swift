/// Every bound the transport enforces, in one place.
///
/// Each queue and buffer of the transport is bounded by one of these fields; none of them is
/// ever 0 for "unlimited". ``validate()`` checks how the bounds relate (for example a send queue
/// must hold at least one largest frame) and is called by ``EventLoop/init(name:limits:logger:)``.
public struct TransportLimits: Sendable, Equatable {
    /// Jobs queued from other threads to one loop and not yet run; ``EventLoop/execute(_:)``
    /// throws ``TransportError/Kind/queueFull`` beyond it.
    public var crossThreadJobCountMax: Int
    /// Blocking jobs handed off by one loop (``EventLoop/offload(_:completion:)``) and not yet
    /// completed; further offloads throw ``TransportError/Kind/queueFull``.
    public var offloadCountMax: Int
    /// The largest frame body accepted or sent, for peer and Kafka frames alike.
    public var frameBytesMax: Int
    /// How many bytes one read from a socket may bring in at most.
    public var readChunkBytes: Int
    /// Memory a connection's read or write buffer keeps once it is empty; more is given back,
    /// so one large frame does not pin its size (too small a value makes busy connections
    /// reallocate on every burst).
    public var idleBufferBytesMax: Int
    /// Bytes queued for sending on one connection (written or not yet written to the socket);
    /// a send that would go beyond it is rejected.
    public var sendQueueBytesMax: Int
    /// Queued send bytes above which a connection reports backpressure and, if asked to,
    /// stops reading from its peer until the queue drains below it.
    public var sendQueueBytesHighWater: Int
    /// The longest request line plus headers the admin HTTP server reads before answering 431.
    public var httpHeaderBytesMax: Int
    /// Connections the admin HTTP server keeps open at once; it closes further ones at once.
    public var httpConnectionCountMax: Int
    /// How long an admin HTTP connection may go without completing a request before it is
    /// closed (a client trickling bytes cannot hold one of the few connections forever).
    public var httpIdleTimeout: Duration
    /// Inbound peer connections that have not yet sent their hello, at most; further ones are
    /// closed at once.
    public var inboundHandshakeCountMax: Int
    /// How long an outbound connection attempt may take before it is abandoned, and how long
    /// an inbound peer connection may take to send its hello.
    public var connectTimeout: Duration
    /// The first reconnect delay of a peer link; each failed attempt doubles it.
    public var reconnectDelayMin: Duration
    /// The longest reconnect delay of a peer link (before jitter).
    public var reconnectDelayMax: Duration
    /// Pending connections the kernel holds for a listener (`listen(2)` backlog).
    public var listenBacklogCount: Int32

    /// Bounds for a production node.
    public static let production = TransportLimits(
        crossThreadJobCountMax: 65_536,
        offloadCountMax: 4_096,
        frameBytesMax: 16 << 20,
        readChunkBytes: 64 << 10,
        idleBufferBytesMax: 1 << 20,
        sendQueueBytesMax: 64 << 20,
        sendQueueBytesHighWater: 32 << 20,
        httpHeaderBytesMax: 16 << 10,
        httpConnectionCountMax: 64,
        httpIdleTimeout: .seconds(30),
        inboundHandshakeCountMax: 64,
        connectTimeout: .seconds(3),
        reconnectDelayMin: .milliseconds(50),
        reconnectDelayMax: .seconds(2),
        listenBacklogCount: 511
    )

    /// The smallest sensible bounds, so that tests reach every limit quickly.
    public static let testMin = TransportLimits(
        crossThreadJobCountMax: 8,
        offloadCountMax: 4,
        frameBytesMax: 4 << 10,
        readChunkBytes: 512,
        idleBufferBytesMax: 1 << 10,
        sendQueueBytesMax: 16 << 10,
        sendQueueBytesHighWater: 8 << 10,
        httpHeaderBytesMax: 1 << 10,
        httpConnectionCountMax: 4,
        httpIdleTimeout: .seconds(10),
        inboundHandshakeCountMax: 4,
        connectTimeout: .seconds(2),
        reconnectDelayMin: .milliseconds(1),
        reconnectDelayMax: .milliseconds(20),
        listenBacklogCount: 64
    )

    /// Bytes a connection's read buffer may hold: one largest frame with its header, plus one
    /// read that began after it.
    public var readBufferBytesMax: Int {
        max(frameBytesMax + PeerFrameHeader.byteCount, httpHeaderBytesMax) + readChunkBytes
    }

    /// Checks that the bounds are positive and consistent with one another.
    /// - Throws: ``TransportError`` naming the first violated relation.
    public func validate() throws(TransportError) {
        func require(_ ok: Bool, _ relation: String) throws(TransportError) {
            if !ok { throw TransportError(.invalidLimits, "transport limits: \(relation)") }
        }
        try require(crossThreadJobCountMax > 0, "crossThreadJobCountMax > 0")
        try require(offloadCountMax > 0, "offloadCountMax > 0")
        try require(frameBytesMax > 0 && frameBytesMax <= Int(Int32.max) - 64,
                    "0 < frameBytesMax < 2^31 - 64 (Kafka's size prefix is an int32)")
        try require(readChunkBytes > 0, "readChunkBytes > 0")
        try require(idleBufferBytesMax >= readChunkBytes, "idleBufferBytesMax >= readChunkBytes")
        try require(sendQueueBytesMax >= frameBytesMax + PeerFrameHeader.byteCount,
                    "sendQueueBytesMax >= frameBytesMax + frame header (one largest frame fits)")
        try require(sendQueueBytesHighWater > 0 && sendQueueBytesHighWater <= sendQueueBytesMax,
                    "0 < sendQueueBytesHighWater <= sendQueueBytesMax")
        try require(httpHeaderBytesMax >= 64, "httpHeaderBytesMax >= 64")
        try require(httpConnectionCountMax > 0, "httpConnectionCountMax > 0")
        try require(httpIdleTimeout > .zero, "httpIdleTimeout > 0")
        try require(inboundHandshakeCountMax > 0, "inboundHandshakeCountMax > 0")
        try require(connectTimeout > .zero, "connectTimeout > 0")
        try require(reconnectDelayMin > .zero && reconnectDelayMin <= reconnectDelayMax,
                    "0 < reconnectDelayMin <= reconnectDelayMax")
        try require(listenBacklogCount > 0, "listenBacklogCount > 0")
    }
}
