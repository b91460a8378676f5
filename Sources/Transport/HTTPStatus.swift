/// An HTTP status code with its reason phrase.
public struct HTTPStatus: Sendable, Equatable, CustomStringConvertible {
    /// The three-digit code.
    public let code: Int
    /// The reason phrase sent after the code.
    public let reason: String

    /// Makes a status; `code` must have three digits.
    public init(code: Int, reason: String) {
        precondition((100...999).contains(code), "HTTP status \(code) is not three digits")
        self.code = code
        self.reason = reason
    }

    /// 200: the request succeeded.
    public static let ok = HTTPStatus(code: 200, reason: "OK")
    /// 400: the request is malformed.
    public static let badRequest = HTTPStatus(code: 400, reason: "Bad Request")
    /// 404: no route for the path.
    public static let notFound = HTTPStatus(code: 404, reason: "Not Found")
    /// 405: only GET is served.
    public static let methodNotAllowed = HTTPStatus(code: 405, reason: "Method Not Allowed")
    /// 413: the request has a body, which this server does not accept.
    public static let contentTooLarge = HTTPStatus(code: 413, reason: "Content Too Large")
    /// 431: the request head exceeds its bound.
    public static let requestHeaderFieldsTooLarge = HTTPStatus(code: 431, reason: "Request Header Fields Too Large")
    /// 500: the server failed to answer.
    public static let internalServerError = HTTPStatus(code: 500, reason: "Internal Server Error")
    /// 503: not ready (for `/health` before the node has joined).
    public static let serviceUnavailable = HTTPStatus(code: 503, reason: "Service Unavailable")

    public var description: String { "\(code) \(reason)" }
}
