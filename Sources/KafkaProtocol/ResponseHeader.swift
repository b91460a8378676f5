/// The header in front of every response body: the request's correlation id, plus (version 1,
/// flexible response versions) a tagged-field section.
///
/// ApiVersions responses always use version 0, whatever their body version: a client that
/// does not yet know what the broker speaks must be able to parse the answer.
public struct ResponseHeader: Hashable, Sendable {
    /// The correlation id of the request this answers.
    public var correlationId: Int32

    /// Creates a header.
    public init(correlationId: Int32) {
        self.correlationId = correlationId
    }

    /// The header version for a response to `apiKey` at body version `apiVersion`.
    public static func version(apiKey: ApiKey, apiVersion: Int16) -> Int16 {
        if apiKey == .apiVersions { return 0 }
        return apiKey.isFlexible(apiVersion) ? 1 : 0
    }

    /// Reads a header of the given version (0 or 1).
    public init(from reader: inout ByteReader, headerVersion: Int16) throws(KafkaDecodingError) {
        precondition(headerVersion == 0 || headerVersion == 1, "response header version \(headerVersion)")
        correlationId = try reader.readInt32()
        if headerVersion >= 1 {
            try reader.skipTaggedFields()
        }
    }

    /// Writes the header in the given version (0 or 1).
    public func encode(into writer: inout ByteWriter, headerVersion: Int16) {
        precondition(headerVersion == 0 || headerVersion == 1, "response header version \(headerVersion)")
        writer.writeInt32(correlationId)
        if headerVersion >= 1 {
            writer.writeEmptyTaggedFields()
        }
    }
}
