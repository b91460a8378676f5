/// The first frame on every peer connection: the dialing node says who it is, whom it meant to
/// reach, and in which cluster.
///
/// The accepting node learns the peer's id from it (an address says nothing reliable: nodes
/// dial from ephemeral ports), and refuses a node of another cluster or one that dialed a stale
/// address. After the hello, frame kinds are free for the layer above.
///
/// Body: sender id (4 bytes, big-endian), receiver id (4 bytes), cluster id (UTF-8, the rest,
/// at most ``clusterIDBytesMax`` bytes).
struct PeerHello: Equatable {
    /// The kind byte of a hello frame (meaningful only as the first frame of a connection).
    static let kind: UInt8 = 0
    /// The longest cluster id a hello carries.
    static let clusterIDBytesMax = 255
    /// The node that dialed.
    let sender: PeerID
    /// The node the dialer meant to reach.
    let receiver: PeerID
    /// The cluster the dialer belongs to.
    let clusterID: String

    init(sender: PeerID, receiver: PeerID, clusterID: String) {
        precondition(clusterID.utf8.count <= Self.clusterIDBytesMax, "cluster id longer than \(Self.clusterIDBytesMax) bytes")
        self.sender = sender
        self.receiver = receiver
        self.clusterID = clusterID
    }

    /// Reads a hello; nil if `frame` is not one.
    init?(_ frame: PeerFrame) {
        let body = frame.body
        guard frame.kind == Self.kind, body.count >= 8, body.count <= 8 + Self.clusterIDBytesMax,
              let clusterID = String(validating: body[8...], as: UTF8.self) else { return nil }
        let ids = body.withUnsafeBytes { (UnsafeRawBufferPointer($0).bigEndianUInt32(at: 0), UnsafeRawBufferPointer($0).bigEndianUInt32(at: 4)) }
        sender = PeerID(ids.0)
        receiver = PeerID(ids.1)
        self.clusterID = clusterID
    }

    /// The hello as a frame.
    var frame: PeerFrame {
        var body = withUnsafeBytes(of: sender.rawValue.bigEndian) { Array($0) }
        body += withUnsafeBytes(of: receiver.rawValue.bigEndian) { Array($0) }
        body += Array(clusterID.utf8)
        return PeerFrame(kind: Self.kind, body: body)
    }
}
