import Testing
@testable import Transport

/// An admin server on its own loop with `/health` and `/echo-query` routes.
final class TestHTTPServer: Sendable {
    let loop: EventLoop
    let port: UInt16

    let helper: EventLoop

    init(limits: TransportLimits = .testMin) throws {
        let loop = try EventLoop.forTest("http", limits: limits)
        let helper = try EventLoop.forTest("http-helper")
        self.loop = loop
        self.helper = helper
        port = try loop.sync {
            let server = try HTTPServer(on: loop, at: loopback)
            server.route("/health") { _ in HTTPResponse(status: .ok, text: "ok\n") }
            server.route("/echo-query") { request in HTTPResponse(status: .ok, text: request.query ?? "") }
            // Answered from another loop's thread.
            server.route("/status", deferred: { _, respond in
                try! helper.execute {
                    respond(HTTPResponse(status: .ok, contentType: "application/json", text: "gathered on \(helper.name)"))
                }
            })
            return server.localAddress!.port
        }
    }

    func shutdown() {
        loop.shutdown()
        helper.shutdown()
    }
}

extension RawClient {
    /// Reads one response: its status code, headers (lower-cased names) and body.
    func readResponse() -> (status: Int, headers: [String: String], body: String)? {
        var head: [UInt8] = []
        while !head.ends(with: Array("\r\n\r\n".utf8)) {
            let byte = read(count: 1)
            guard byte.count == 1 else { return nil }
            head += byte
        }
        let lines = String(decoding: head, as: UTF8.self).split(separator: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ")[1]) else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            headers[parts[0].lowercased()] = parts[1].trimmingCharacters(in: " ")
        }
        let length = Int(headers["content-length"] ?? "0") ?? 0
        return (status, headers, String(decoding: read(count: length), as: UTF8.self))
    }
}

extension Array where Element == UInt8 {
    func ends(with suffix: [UInt8]) -> Bool { count >= suffix.count && Array(self[(count - suffix.count)...]) == suffix }
}

extension Substring {
    func trimmingCharacters(in set: Character) -> String { String(drop { $0 == set }) }
}

@Suite struct HTTPServerTests {
    @Test func aRoutedGetIsAnsweredAndTheConnectionIsKeptAliveForTheNextRequest() throws {
        let server = try TestHTTPServer()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        client.send("GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
        let first = try #require(client.readResponse())
        #expect(first.status == 200 && first.body == "ok\n")
        #expect(first.headers["connection"] == "keep-alive")
        client.send("GET /echo-query?a=1 HTTP/1.1\r\n\r\n")
        let second = try #require(client.readResponse())
        #expect(second.status == 200 && second.body == "a=1")
    }

    @Test func aDeferredRouteAnswersLaterAndPipelinedRequestsBehindItWaitTheirTurn() throws {
        let server = try TestHTTPServer()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        client.send("GET /status HTTP/1.1\r\n\r\nGET /echo-query?after HTTP/1.1\r\n\r\n")
        let first = try #require(client.readResponse())
        #expect(first.status == 200 && first.body == "gathered on http-helper")
        #expect(first.headers["content-type"] == "application/json")
        #expect(client.readResponse()?.body == "after")
    }

    @Test func pipelinedRequestsAreAnsweredInOrderAndConnectionCloseEndsTheConnection() throws {
        let server = try TestHTTPServer()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        client.send("GET /echo-query?1 HTTP/1.1\r\n\r\nGET /nowhere HTTP/1.1\r\n\r\nGET /echo-query?3 HTTP/1.1\r\nConnection: close\r\n\r\n")
        #expect(client.readResponse()?.body == "1")
        #expect(client.readResponse()?.status == 404)
        let last = try #require(client.readResponse())
        #expect(last.body == "3" && last.headers["connection"] == "close")
        #expect(client.readToEnd().isEmpty)
    }

    @Test(arguments: [
        ("\u{16}\u{03}\u{01}\u{02}\u{00}\u{01}binary", 400),
        ("GET /health\r\n\r\n", 400),
        ("GET health HTTP/1.1\r\n\r\n", 400),
        ("GET /health HTTP/1.1\r\nno colon here\r\n\r\n", 400),
        ("GET /health HTTP/2.0\r\n\r\n", 400),
        ("POST /health HTTP/1.1\r\n\r\n", 405),
        ("GET /health HTTP/1.1\r\nContent-Length: 5\r\n\r\nhello", 413),
        ("GET /health HTTP/1.1\r\nX-Long: " + String(repeating: "a", count: 2_000) + "\r\n\r\n", 431),
    ])
    func aBadRequestIsAnsweredWithItsErrorStatusAndTheConnectionClosed(request: String, status: Int) throws {
        let server = try TestHTTPServer()
        defer { server.shutdown() }
        let client = try RawClient(port: server.port)
        client.send(request)
        let response = try #require(client.readResponse())
        #expect(response.status == status)
        #expect(response.headers["connection"] == "close")
        #expect(client.readToEnd().isEmpty)

        let other = try RawClient(port: server.port)
        other.send("GET /health HTTP/1.1\r\n\r\n")
        #expect(other.readResponse()?.status == 200, "the server stopped answering after \(request.debugDescription)")
    }

    @Test func aConnectionThatCompletesNoRequestIsClosedAfterTheIdleTimeout() throws {
        var limits = TransportLimits.testMin
        limits.httpIdleTimeout = .milliseconds(50)
        let server = try TestHTTPServer(limits: limits)
        defer { server.shutdown() }
        let silent = try RawClient(port: server.port)
        #expect(silent.readUntilServerCloses() == [])
        let trickling = try RawClient(port: server.port)
        trickling.send("GET /hea")
        #expect(trickling.readUntilServerCloses() == [])
    }

    @Test func connectionsBeyondTheBoundAreClosedAtOnce() throws {
        let server = try TestHTTPServer()
        defer { server.shutdown() }
        let open = try (0..<server.loop.limits.httpConnectionCountMax).map { _ in try RawClient(port: server.port) }
        for client in open {
            client.send("GET /health HTTP/1.1\r\n\r\n")
            #expect(client.readResponse()?.status == 200)
        }
        let extra = try RawClient(port: server.port)
        extra.send("GET /health HTTP/1.1\r\n\r\n")
        #expect(extra.readToEnd().isEmpty)
    }
}
