/// Kafka's framing: every request and response is an int32 byte count, then that many bytes.
///
/// Transport reads the 4-byte prefix with `bodyByteCount`, waits for the body, then hands the
/// body to `RequestDecoder`; responses go out as `response(_:version:correlationId:)` builds them.
public enum KafkaFrame {
    /// Bytes of the size prefix.
    public static let sizePrefixByteCount = 4

    /// A sensible `requestFrameBytesMax`: Kafka's `socket.request.max.bytes` default (100 MiB).
    /// The node's limits decide the bound actually used.
    public static let requestFrameBytesMaxDefault = 100 * 1024 * 1024

    /// Reads a size prefix and checks it against the bound.
    /// - Parameters:
    ///   - sizePrefix: at least the first 4 bytes of a frame.
    ///   - frameBytesMax: the largest body accepted (for requests: `requestFrameBytesMax`).
    /// - Returns: the body's byte count, which is at least 8 for a request (its header's fixed part)
    ///   but is not checked here beyond being non-negative.
    /// - Throws: if the size is negative or above `frameBytesMax`; the connection should close.
    public static func bodyByteCount<Bytes: Collection<UInt8>>(
        sizePrefix: Bytes, frameBytesMax: Int
    ) throws(KafkaDecodingError) -> Int {
        precondition(frameBytesMax > 0, "frameBytesMax must be positive")
        var reader = ByteReader(Array(sizePrefix.prefix(sizePrefixByteCount)))
        let size = Int(try reader.readInt32())
        guard size >= 0 else { throw KafkaDecodingError("negative frame size \(size)") }
        guard size <= frameBytesMax else {
            throw KafkaDecodingError("frame of \(size) bytes exceeds the \(frameBytesMax)-byte bound")
        }
        return size
    }

    /// Builds a request frame: size prefix, header (v1 or v2 as the version requires) and body.
    /// - Parameters:
    ///   - body: the request body.
    ///   - version: the body version; must be implemented.
    ///   - correlationId: the id the response will echo.
    ///   - clientId: the client's name, or nil.
    public static func request<Request: KafkaRequestMessage>(
        _ body: Request, version: Int16, correlationId: Int32, clientId: String?
    ) -> [UInt8] {
        let header = RequestHeader(apiKey: Request.apiKey.rawValue, apiVersion: version,
                                   correlationId: correlationId, clientId: clientId)
        return framed { writer in
            header.encode(into: &writer, headerVersion: Request.apiKey.isFlexible(version) ? 2 : 1)
            body.encode(into: &writer, version: version)
        }
    }

    /// Builds a response frame: size prefix, header (v0 or v1 as the API and version require) and body.
    /// - Parameters:
    ///   - body: the response body.
    ///   - version: the body version: the version of the request it answers.
    ///   - correlationId: the request's correlation id.
    public static func response<Response: KafkaResponseMessage>(
        _ body: Response, version: Int16, correlationId: Int32
    ) -> [UInt8] {
        let headerVersion = ResponseHeader.version(apiKey: Response.apiKey, apiVersion: version)
        return framed { writer in
            ResponseHeader(correlationId: correlationId).encode(into: &writer, headerVersion: headerVersion)
            body.encode(into: &writer, version: version)
        }
    }

    /// Reads a response frame's body (after the size prefix): header, then a body of `version`.
    /// - Throws: if the bytes are malformed or not all used.
    public static func decodeResponse<Response: KafkaResponseMessage>(
        _: Response.Type, frameBody: [UInt8], version: Int16
    ) throws(KafkaDecodingError) -> (header: ResponseHeader, body: Response) {
        var reader = ByteReader(frameBody)
        let headerVersion = ResponseHeader.version(apiKey: Response.apiKey, apiVersion: version)
        let header = try ResponseHeader(from: &reader, headerVersion: headerVersion)
        let body = try Response(from: &reader, version: version)
        try reader.expectEnd(of: "\(Response.self) v\(version)")
        return (header, body)
    }

    private static func framed(_ write: (inout ByteWriter) -> Void) -> [UInt8] {
        var writer = ByteWriter(capacity: 256)
        writer.writeInt32(0)
        write(&writer)
        let bodyByteCount = writer.count - sizePrefixByteCount
        precondition(bodyByteCount <= Int(Int32.max), "frame body of \(bodyByteCount) bytes")
        writer.patchInt32(Int32(bodyByteCount), at: 0)
        return writer.bytes
    }
}
