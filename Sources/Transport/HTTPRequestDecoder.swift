/// What the HTTP decoder makes of a request head.
public enum HTTPRequestHead: Sendable, Equatable {
    /// A well-formed GET request without a body.
    case request(HTTPRequest)
    /// A request to answer with `status` and then close the connection; `reason` is for the log.
    case rejected(HTTPStatus, reason: String)
}

/// Reads HTTP/1.x request heads (request line and headers) of at most `headerBytesMax` bytes.
///
/// Only what an admin endpoint needs: GET requests in origin form, no bodies, CRLF line ends.
/// Everything else becomes ``HTTPRequestHead/rejected(_:reason:)`` (400, 405, 413 or 431), which
/// consumes all buffered bytes: the server answers and closes. Binary garbage is rejected as
/// soon as a byte that cannot appear in a request head arrives.
public struct HTTPRequestDecoder: FrameDecoder {
    /// The most bytes a request line plus headers may take, final blank line included.
    public let headerBytesMax: Int

    /// Makes a decoder for heads of at most `headerBytesMax` bytes.
    public init(headerBytesMax: Int) {
        precondition(headerBytesMax >= 4)
        self.headerBytesMax = headerBytesMax
    }

    public func decodeFrame(from bytes: UnsafeRawBufferPointer) throws(TransportError) -> DecodedFrame<HTTPRequestHead>? {
        let window = bytes.prefix(headerBytesMax)
        if let bad = window.firstIndex(where: { ($0 < 0x20 && $0 != 0x0D && $0 != 0x0A && $0 != 0x09) || $0 == 0x7F }) {
            return reject(.badRequest, "byte \(hex(window[bad])) in the request head", bytes)
        }
        guard let end = Self.endOfHead(in: window) else {
            if bytes.count >= headerBytesMax {
                return reject(.requestHeaderFieldsTooLarge, "request head longer than \(headerBytesMax) bytes", bytes)
            }
            return nil
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[..<end]), as: UTF8.self)
        return DecodedFrame(frame: Self.parse(head: text), byteCount: end + 4)
    }

    /// The offset of the blank line's CRLFCRLF, if present.
    private static func endOfHead(in bytes: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard bytes.count >= 4 else { return nil }
        var index = bytes.startIndex
        while index + 3 < bytes.endIndex {
            if bytes[index] == 0x0D && bytes[index + 1] == 0x0A && bytes[index + 2] == 0x0D && bytes[index + 3] == 0x0A {
                return index - bytes.startIndex
            }
            index += 1
        }
        return nil
    }

    private func reject(_ status: HTTPStatus, _ reason: String, _ bytes: UnsafeRawBufferPointer) -> DecodedFrame<HTTPRequestHead> {
        DecodedFrame(frame: .rejected(status, reason: reason), byteCount: bytes.count)
    }

    private static func parse(head: String) -> HTTPRequestHead {
        let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines[0].split(separator: " ", omittingEmptySubsequences: false)
        guard requestLine.count == 3 else { return .rejected(.badRequest, reason: "malformed request line") }
        let method = String(requestLine[0]), target = requestLine[1], version = String(requestLine[2])
        guard !method.isEmpty, method.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            return .rejected(.badRequest, reason: "malformed method")
        }
        guard target.first == "/" else { return .rejected(.badRequest, reason: "request target is not a path") }
        guard version == "HTTP/1.1" || version == "HTTP/1.0" else {
            return .rejected(.badRequest, reason: "unsupported version")
        }
        var headers: [(name: String, value: String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                  !line[..<colon].contains(where: { $0 == " " || $0 == "\t" }) else {
                return .rejected(.badRequest, reason: "malformed header line")
            }
            let value = line[line.index(after: colon)...].trimmingSpacesAndTabs()
            headers.append((String(line[..<colon]), String(value)))
        }
        let request = HTTPRequest(method: method, path: String(target.prefix { $0 != "?" }),
                                  query: target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) },
                                  version: version, headers: headers)
        if request.header("Transfer-Encoding") != nil || (request.header("Content-Length").map { $0 != "0" } ?? false) {
            return .rejected(.contentTooLarge, reason: "request has a body; this server accepts none")
        }
        guard method == "GET" else { return .rejected(.methodNotAllowed, reason: "method \(method)") }
        return .request(request)
    }
}

extension Substring {
    /// The substring without leading and trailing spaces and tabs (header values' optional
    /// whitespace).
    func trimmingSpacesAndTabs() -> Substring {
        let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isBlank($0) }), let last = lastIndex(where: { !isBlank($0) }) else { return "" }
        return self[first...last]
    }
}
