/// A versioned payload carried as opaque bytes inside API messages, such as the consumer
/// protocol's subscription (JoinGroup metadata) and assignment (SyncGroup).
///
/// On the wire it is an int16 version, then the payload in that version's layout. Like Kafka's
/// `ConsumerProtocol`, a reader given a newer version than it knows reads that version's
/// known prefix with the newest layout it has and ignores the rest, so newer clients still
/// interoperate.
public protocol KafkaDataMessage: KafkaVersionedCodable {
    /// The versions implemented.
    static var supportedVersions: ClosedRange<Int16> { get }
}

extension KafkaDataMessage {
    /// Reads a version-prefixed payload.
    /// - Parameter bytes: the int16 version, then the payload.
    /// - Throws: if the version is below the lowest implemented or the payload is malformed.
    public init(versionPrefixed bytes: [UInt8]) throws(KafkaDecodingError) {
        var reader = ByteReader(bytes)
        let version = try reader.readInt16()
        guard version >= Self.supportedVersions.lowerBound else {
            throw KafkaDecodingError("\(Self.self) version \(version) is below \(Self.supportedVersions.lowerBound)")
        }
        try self.init(from: &reader, version: min(version, Self.supportedVersions.upperBound))
    }

    /// Writes the payload prefixed with its version.
    /// - Parameter version: an implemented version.
    public func versionPrefixedBytes(version: Int16) -> [UInt8] {
        var writer = ByteWriter()
        writer.writeInt16(version)
        encode(into: &writer, version: version)
        return writer.bytes
    }
}
