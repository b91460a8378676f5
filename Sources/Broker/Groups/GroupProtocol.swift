/// One protocol a member supports (e.g. "range" for protocol type "consumer") and its metadata,
/// which the coordinator passes to the leader untouched.
public struct GroupProtocol: Sendable, Hashable {
    /// The protocol's name.
    public var name: String
    /// Opaque bytes (the consumer protocol's subscription).
    public var metadata: [UInt8]

    /// Creates a protocol entry.
    public init(name: String, metadata: [UInt8]) {
        self.name = name
        self.metadata = metadata
    }
}
