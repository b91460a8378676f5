/// A Kafka request or response body that can be read and written in every version this
/// module implements (`apiKey.supportedVersions`).
///
/// Conforming types are generated from Kafka's JSON message definitions (see `Generated/`).
/// A field absent from a version is skipped when writing and left at its default when reading.
public protocol KafkaMessage: Hashable, Sendable {
    /// The API this message belongs to.
    static var apiKey: ApiKey { get }

    /// Reads the body at `version`; `version` must be in `apiKey.supportedVersions`.
    init(from reader: inout ByteReader, version: Int16) throws(KafkaDecodingError)

    /// Writes the body at `version`; `version` must be in `apiKey.supportedVersions`.
    func encode(into writer: inout ByteWriter, version: Int16)
}

/// A request body; `Response` is the body that answers it.
public protocol KafkaRequestMessage: KafkaMessage {
    /// The response body type for this request.
    associatedtype Response: KafkaResponseMessage
}

/// A response body.
public protocol KafkaResponseMessage: KafkaMessage {}
