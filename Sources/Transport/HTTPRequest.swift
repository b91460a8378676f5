/// The head of an HTTP/1.x request (this server accepts no request bodies).
public struct HTTPRequest: Sendable, Equatable {
    /// The method, for example `"GET"`.
    public let method: String
    /// The path of the target, without its query (`"/v1/status"`).
    public let path: String
    /// The query after `?`, if any, undecoded.
    public let query: String?
    /// `"HTTP/1.1"` or `"HTTP/1.0"`.
    public let version: String
    /// Header fields in the order received; names as sent.
    public let headers: [(name: String, value: String)]

    /// The value of the first header named `name` (compared without regard to case).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    /// Whether the client asked to keep the connection open after the response.
    public var keepsAlive: Bool {
        let connection = header("Connection")?.lowercased()
        return version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive"
    }

    public static func == (a: HTTPRequest, b: HTTPRequest) -> Bool {
        a.method == b.method && a.path == b.path && a.query == b.query && a.version == b.version
            && a.headers.elementsEqual(b.headers) { $0.name == $1.name && $0.value == $1.value }
    }
}

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
