/// A request read from a frame: its header and its body.
public struct DecodedRequest: Hashable, Sendable {
    /// The header (api key, version, correlation id, client id).
    public var header: RequestHeader
    /// The body.
    public var body: KafkaRequest

    /// Creates a decoded request.
    public init(header: RequestHeader, body: KafkaRequest) {
        self.header = header
        self.body = body
    }
}

/// Why a frame could not be turned into a `DecodedRequest`, and so what the connection does.
public enum RequestDecodingError: Error, Hashable, Sendable {
    /// A known API at a version not implemented. For ApiVersions, answer an ApiVersions v0
    /// response with `ErrorCode.unsupportedVersion` and the supported table (the client then
    /// retries with a version from it, as Kafka brokers do); for other APIs the body layout is
    /// unknown, so close the connection.
    case unsupportedVersion(apiKey: ApiKey, apiVersion: Int16, correlationId: Int32)
    /// An API this module does not implement (never advertised): close the connection.
    case unsupportedApi(apiKey: Int16, apiVersion: Int16, correlationId: Int32)
    /// Bytes that are not a valid request: close the connection.
    case malformed(KafkaDecodingError)
}

/// The request decoder entry point: frame body in, typed request or typed failure out.
///
/// Pure and total: any byte sequence yields a value or a `RequestDecodingError`, never a trap
/// or a hang, and work is bounded by the input's length.
public enum RequestDecoder {
    /// Decodes a request frame's body (the bytes after the 4-byte size prefix).
    /// - Parameter frameBody: header and body; its size was already checked against
    ///   `requestFrameBytesMax` by whoever read it (see `KafkaFrame.bodyByteCount`).
    /// - Returns: the header and the body.
    /// - Throws: `RequestDecodingError` saying whether to answer or to close.
    public static func decode(frameBody: [UInt8]) throws(RequestDecodingError) -> DecodedRequest {
        // Api key, api version and correlation id come first in every header version, so an
        // unsupported request can still be answered with the right correlation id.
        var prefix = ByteReader(frameBody)
        let apiKeyValue: Int16
        let apiVersion: Int16
        let correlationId: Int32
        do {
            apiKeyValue = try prefix.readInt16()
            apiVersion = try prefix.readInt16()
            correlationId = try prefix.readInt32()
        } catch {
            throw .malformed(error)
        }
        guard let apiKey = ApiKey(rawValue: apiKeyValue) else {
            throw .unsupportedApi(apiKey: apiKeyValue, apiVersion: apiVersion, correlationId: correlationId)
        }
        guard apiKey.supportedVersions.contains(apiVersion) else {
            throw .unsupportedVersion(apiKey: apiKey, apiVersion: apiVersion, correlationId: correlationId)
        }
        do {
            var reader = ByteReader(frameBody)
            let header = try RequestHeader(from: &reader, headerVersion: apiKey.isFlexible(apiVersion) ? 2 : 1)
            let body = try KafkaRequest(apiKey: apiKey, version: apiVersion, from: &reader)
            try reader.expectEnd(of: "\(apiKey) v\(apiVersion) request")
            return DecodedRequest(header: header, body: body)
        } catch {
            throw .malformed(error)
        }
    }
}
