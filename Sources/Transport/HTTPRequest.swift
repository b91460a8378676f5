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
