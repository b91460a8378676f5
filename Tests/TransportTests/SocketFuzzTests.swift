import Testing
@testable import Transport
import SeededRandom

/// Random and damaged byte streams sent to real servers over loopback: every stream ends with
/// the server closing the connection (never a hang), and the server keeps serving a well-behaved
/// client throughout.
@Suite struct SocketFuzzTests {
    /// A stream of valid peer frames with a few random mutations, or pure noise.
    static func peerStream(_ random: inout SplitMix64) -> [UInt8] {
        if Bool.random(using: &random) {
            return (0..<Int.random(in: 1...2_000, using: &random)).map { _ in .random(in: 0...255, using: &random) }
        }
        var bytes = (0..<Int.random(in: 1...5, using: &random)).flatMap { _ in
            PeerFrame(kind: 1, body: (0..<Int.random(in: 0...200, using: &random)).map { _ in .random(in: 0...255, using: &random) }).encoded()
        }
        for _ in 0..<Int.random(in: 0...3, using: &random) {
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] = .random(in: 0...255, using: &random)
        }
        return Array(bytes.prefix(Int.random(in: 1...bytes.count, using: &random)))
    }

    /// A request head with random damage, or pure noise.
    static func httpStream(_ random: inout SplitMix64) -> [UInt8] {
        if Bool.random(using: &random) {
            return (0..<Int.random(in: 1...2_000, using: &random)).map { _ in .random(in: 0...255, using: &random) }
        }
        var bytes = Array("GET /health HTTP/1.1\r\nHost: fuzz\r\nAccept: */*\r\n\r\n".utf8)
        for _ in 0..<Int.random(in: 0...4, using: &random) {
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] = .random(in: 0...255, using: &random)
        }
        return Array(bytes.prefix(Int.random(in: 1...bytes.count, using: &random)))
    }

    @Test(arguments: [UInt64(101), 102, 103])
    func thePeerServerClosesEveryFuzzedStreamAndKeepsServing(seed: UInt64) throws {
        let server = try PeerEchoServer()
        defer { server.shutdown() }
        var random = SplitMix64(seed: seed)
        let good = try RawClient(port: server.port)
        let probe = PeerFrame(kind: 7, body: [7]).encoded()
        for round in 0..<40 {
            let fuzz = try RawClient(port: server.port)
            fuzz.send(Self.peerStream(&random))
            fuzz.finishSending()
            #expect(fuzz.readUntilServerCloses() != nil, "seed \(seed) round \(round): the server kept the connection open")
            good.send(probe)
            #expect(good.read(count: probe.count) == probe, "seed \(seed) round \(round): the good client stopped being served")
        }
    }

    @Test(arguments: [UInt64(201), 202, 203])
    func theHTTPServerClosesEveryFuzzedStreamAndKeepsServing(seed: UInt64) throws {
        let server = try TestHTTPServer()
        defer { server.shutdown() }
        var random = SplitMix64(seed: seed)
        for round in 0..<40 {
            let fuzz = try RawClient(port: server.port)
            fuzz.send(Self.httpStream(&random))
            fuzz.finishSending()
            #expect(fuzz.readUntilServerCloses() != nil, "seed \(seed) round \(round): the server kept the connection open")
            let good = try RawClient(port: server.port)
            good.send("GET /health HTTP/1.1\r\n\r\n")
            #expect(good.readResponse()?.status == 200, "seed \(seed) round \(round): the server stopped answering")
        }
    }
}
