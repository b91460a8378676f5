/// A response: status, content type and body. The server adds the framing headers.
public struct HTTPResponse: Sendable, Equatable {
    /// The status line's status.
    public var status: HTTPStatus
    /// The `Content-Type` header, for example `"text/plain; version=0.0.4"`.
    public var contentType: String
    /// The body bytes.
    public var body: [UInt8]

    /// Makes a response with a byte body.
    public init(status: HTTPStatus, contentType: String, body: [UInt8]) {
        self.status = status
        self.contentType = contentType
        self.body = body
    }

    /// Makes a response with a UTF-8 text body.
    public init(status: HTTPStatus, contentType: String = "text/plain; charset=utf-8", text: String) {
        self.init(status: status, contentType: contentType, body: Array(text.utf8))
    }

    /// The response as sent, with `Content-Length` and `Connection` headers.
    func encoded(keepAlive: Bool) -> [UInt8] {
        var head = "HTTP/1.1 \(status.code) \(status.reason)\r\n"
        head += "Content-Type: \(contentType)\r\n"
        head += "Content-Length: \(body.count)\r\n"
        if status == .methodNotAllowed { head += "Allow: GET\r\n" }
        head += keepAlive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n"
        return Array(head.utf8) + body
    }
}
