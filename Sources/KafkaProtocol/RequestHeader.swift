/// The header in front of every request body.
///
/// Version 1 (non-flexible request versions) is api key, api version, correlation id and a
/// nullable client id; version 2 (flexible request versions) adds a tagged-field section. The
/// client id stays a classic int16-length string even in version 2, as in Kafka.
public struct RequestHeader: Hashable, Sendable {
    /// The API being called, as sent (it may be one this module does not know).
    public var apiKey: Int16
    /// The version of the request body.
    public var apiVersion: Int16
    /// Echoed in the response so the client can match it to its request.
    public var correlationId: Int32
    /// The client's self-chosen name (librdkafka: `client.id`), nil if the client sent none.
    public var clientId: String?

    /// Creates a header.
    public init(apiKey: Int16, apiVersion: Int16, correlationId: Int32, clientId: String?) {
        self.apiKey = apiKey
        self.apiVersion = apiVersion
        self.correlationId = correlationId
        self.clientId = clientId
    }

    /// Reads a header of the given version (1 or 2).
    /// - Parameters:
    ///   - reader: positioned at the start of the request (after the frame's size prefix).
    ///   - headerVersion: 2 if the request version is flexible, else 1.
    public init(from reader: inout ByteReader, headerVersion: Int16) throws(KafkaDecodingError) {
        precondition(headerVersion == 1 || headerVersion == 2, "request header version \(headerVersion)")
        apiKey = try reader.readInt16()
        apiVersion = try reader.readInt16()
        correlationId = try reader.readInt32()
        clientId = try reader.readNullableString(compact: false)
        if headerVersion >= 2 {
            try reader.skipTaggedFields()
        }
    }

    /// Writes the header in the given version (1 or 2).
    public func encode(into writer: inout ByteWriter, headerVersion: Int16) {
        precondition(headerVersion == 1 || headerVersion == 2, "request header version \(headerVersion)")
        writer.writeInt16(apiKey)
        writer.writeInt16(apiVersion)
        writer.writeInt32(correlationId)
        writer.writeNullableString(clientId, compact: false)
        if headerVersion >= 2 {
            writer.writeEmptyTaggedFields()
        }
    }
}
