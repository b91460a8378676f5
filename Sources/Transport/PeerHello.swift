/// The first frame on every peer connection: the dialing node says who it is.
///
/// The accepting node learns the peer's id from it (an address says nothing reliable: nodes
/// dial from ephemeral ports). After the hello, frame kinds are free for the layer above.
struct PeerHello: Equatable {
    /// The kind byte of a hello frame (meaningful only as the first frame of a connection).
    static let kind: UInt8 = 0
    /// The node that dialed.
    let sender: PeerID

    init(sender: PeerID) { self.sender = sender }

    /// Reads a hello; nil if `frame` is not one.
    init?(_ frame: PeerFrame) {
        guard frame.kind == Self.kind, frame.body.count == 4 else { return nil }
        sender = PeerID(frame.body.withUnsafeBytes { UnsafeRawBufferPointer($0).bigEndianUInt32(at: 0) })
    }

    /// The hello as a frame.
    var frame: PeerFrame {
        PeerFrame(kind: Self.kind, body: withUnsafeBytes(of: sender.rawValue.bigEndian) { Array($0) })
    }
}
