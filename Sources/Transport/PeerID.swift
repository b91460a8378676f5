/// Identifies a peer node to the transport.
public struct PeerID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The node's number.
    public let rawValue: UInt32
    /// Wraps a node number.
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (a: PeerID, b: PeerID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "node-\(rawValue)" }
}
