/// A value with a versioned Kafka layout: it can be read and written in each version the
/// module implements.
///
/// Conforming types are generated from Kafka's JSON message definitions (see `Generated/`).
/// A field absent from a version is skipped when writing and left at its default when reading.
public protocol KafkaVersionedCodable: Hashable, Sendable {
    /// Reads the value at `version`; `version` must be implemented.
    init(from reader: inout ByteReader, version: Int16) throws(KafkaDecodingError)

    /// Writes the value at `version`; `version` must be implemented.
    func encode(into writer: inout ByteWriter, version: Int16)
}

/// A Kafka request or response body; its implemented versions are `apiKey.supportedVersions`.
public protocol KafkaMessage: KafkaVersionedCodable {
    /// The API this message belongs to.
    static var apiKey: ApiKey { get }
}

/// A request body; `Response` is the body that answers it.
public protocol KafkaRequestMessage: KafkaMessage {
    /// The response body type for this request.
    associatedtype Response: KafkaResponseMessage
}

/// A response body.
public protocol KafkaResponseMessage: KafkaMessage {}
