import Logging
import Testing
@testable import Transport

/// A loop with a listener that echoes every peer frame back, recording how connections end.
final class PeerEchoServer: Sendable {
    let loop: EventLoop
    let port: UInt16
    let closes = Shared<[TransportError?]>([])
    let closed = Signal()
    let logLines = Shared<[(level: Logger.Level, message: String)]>([])

    init(limits: TransportLimits = .testMin) throws {
        loop = try EventLoop.forTest("echo-server", limits: limits, logger: CapturingLogHandler.logger(into: logLines))
        let closes = self.closes, closed = self.closed, loop = self.loop
        port = try loop.sync {
            try TCPListener(on: loop, at: loopback) { connection in
                connection.onClose = { error in
                    closes.withValue { $0.append(error) }
                    closed.fire()
                }
                connection.startReading(with: PeerFrameDecoder(frameBytesMax: loop.limits.frameBytesMax)) { frame in
                    _ = connection.send(frame)
                }
            }.localAddress.port
        }
    }

    func shutdown() { loop.shutdown() }
}

@Suite struct TCPFramingTests {
    static func frames(count: Int, bodyBytesMax: Int) -> [PeerFrame] {
        (0..<count).map { PeerFrame(kind: UInt8($0 % 7), body: (0..<($0 * 37 % bodyBytesMax)).map { UInt8(truncatingIfNeeded: $0) }) }
    }

    /// Connects a client on `loop`, sends `frames` in one loop turn and waits for as many echoes.
    static func echo(_ frames: [PeerFrame], port: UInt16, on loop: EventLoop) throws -> [PeerFrame] {
        let received = Shared<[PeerFrame]>([])
        let done = Signal()
        let outcomes = try loop.sync {
            let connection = TCPConnection.connect(on: loop, to: loopback.withPort(port)) { error in
                if let error { Issue.record("connect failed: \(error)") }
            }
            connection.startReading(with: PeerFrameDecoder(frameBytesMax: loop.limits.frameBytesMax)) { frame in
                if received.withValue({ $0.append(frame); return $0.count }) == frames.count {
                    connection.close()
                    done.fire()
                }
            }
            return frames.map { connection.send($0) }
        }
        #expect(outcomes.allSatisfy { $0.isQueued })
        #expect(done.wait())
        return received.snapshot
    }

    @Test func peerFramesSentToAnEchoServerComeBackInOrder() throws {
        let server = try PeerEchoServer()
        defer { server.shutdown() }
        let client = try EventLoop.forTest("client")
        defer { client.shutdown() }
        let frames = Self.frames(count: 20, bodyBytesMax: 300)
        #expect(try Self.echo(frames, port: server.port, on: client) == frames)
    }

    @Test func aThousandFramesSentInOneTurnArriveInOrder() throws {
        var limits = TransportLimits.testMin
        limits.sendQueueBytesMax = 1 << 20
        limits.sendQueueBytesHighWater = 1 << 20
        let server = try PeerEchoServer(limits: limits)
        defer { server.shutdown() }
        let client = try EventLoop.forTest("client", limits: limits)
        defer { client.shutdown() }
        let frames = Self.frames(count: 1_000, bodyBytesMax: 64)
        #expect(try Self.echo(frames, port: server.port, on: client) == frames)
    }

    @Test func framesSentInOneLoopTurnGoOutInOneWrite() throws {
        let server = try PeerEchoServer()
        defer { server.shutdown() }
        let loop = try EventLoop.forTest("coalescing")
        defer { loop.shutdown() }
        let echoed = Shared(0), allEchoed = Signal()
        let frames = Self.frames(count: 100, bodyBytesMax: 40)
        let connection = try loop.sync {
            let connection = TCPConnection.connect(on: loop, to: loopback.withPort(server.port)) { _ in }
            connection.startReading(with: PeerFrameDecoder(frameBytesMax: 64)) { _ in
                if echoed.withValue({ $0 += 1; return $0 }) == frames.count { allEchoed.fire() }
            }
            for frame in frames { _ = connection.send(frame) }
            return connection
        }
        #expect(allEchoed.wait())
        #expect(try loop.sync { connection.writeCount } == 1)
    }

    @Test func aFrameSplitAcrossManySmallReadsIsReassembled() throws {
        var limits = TransportLimits.testMin
        limits.readChunkBytes = 7  // the server reads at most 7 bytes at a time
        let server = try PeerEchoServer(limits: limits)
        defer { server.shutdown() }
        let frame = PeerFrame(kind: 3, body: (0..<2_000).map { UInt8(truncatingIfNeeded: $0 * 31) })
        let client = try RawClient(port: server.port)
        client.send(frame.encoded())
        #expect(client.read(count: frame.encodedByteCount) == frame.encoded(), "echo differs")
    }

    enum BadInput: String, CaseIterable, Sendable {
        case garbage, oversized, badChecksum, badVersion, truncated

        var bytes: [UInt8] {
            let valid = PeerFrame(kind: 1, body: Array(repeating: 0xAB, count: 100)).encoded()
            switch self {
            case .garbage: return Array("GET / HTTP/1.1\r\n\r\n".utf8)
            case .oversized:
                var header = Array(valid.prefix(PeerFrameHeader.byteCount))
                let length = UInt32(TransportLimits.testMin.frameBytesMax + 1).bigEndian
                withUnsafeBytes(of: length) { header.replaceSubrange(8..<12, with: $0) }
                return header
            case .badChecksum:
                var bytes = valid
                bytes[bytes.count - 1] ^= 0x01
                return bytes
            case .badVersion:
                var bytes = valid
                bytes[4] = 2
                return bytes
            case .truncated: return Array(valid.prefix(60))
            }
        }

        var expectedKind: TransportError.Kind {
            switch self {
            case .garbage, .badChecksum, .badVersion: .malformedFrame
            case .oversized: .frameTooLarge
            case .truncated: .truncatedFrame
            }
        }
    }

    @Test(arguments: BadInput.allCases)
    func aBadFrameClosesOnlyItsOwnConnection(_ input: BadInput) throws {
        let server = try PeerEchoServer()
        defer { server.shutdown() }
        let good = try RawClient(port: server.port)
        let probe = PeerFrame(kind: 9, body: [1, 2, 3]).encoded()
        good.send(probe)
        #expect(good.read(count: probe.count) == probe)

        let bad = try RawClient(port: server.port)
        bad.send(input.bytes)
        if input == .truncated { bad.finishSending() }
        #expect(server.closed.wait(), "the server did not close the connection that sent \(input)")
        #expect(server.closes.snapshot.map { $0?.kind } == [input.expectedKind])
        let warnings = server.logLines.snapshot.filter { $0.level == .warning }.map(\.message)
        #expect(warnings.count == 1 && warnings[0].hasPrefix("closing connection: "), "log: \(warnings)")
        #expect(bad.readToEnd().isEmpty)

        good.send(probe)
        #expect(good.read(count: probe.count) == probe, "the other connection stopped working")
    }

    @Test func kafkaFramesAreSplitByTheirSizePrefixAndANegativeSizeCloses() throws {
        let loop = try EventLoop.forTest("kafka")
        defer { loop.shutdown() }
        let closes = Shared<[TransportError?]>([]), closed = Signal()
        let port = try loop.sync {
            try TCPListener(on: loop, at: loopback) { connection in
                connection.onClose = { error in closes.withValue { $0.append(error) }; closed.fire() }
                connection.startReading(with: KafkaFrameDecoder(frameBytesMax: loop.limits.frameBytesMax)) { body in
                    _ = connection.sendKafkaFrame(body.reversed())
                }
            }.localAddress.port
        }
        let client = try RawClient(port: port)
        client.send([0, 0, 0, 3, 1, 2, 3, 0, 0, 0, 0, 0, 0, 0, 1, 9])
        #expect(client.read(count: 16) == [0, 0, 0, 3, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 1, 9])
        client.send([0xFF, 0xFF, 0xFF, 0xFE])
        #expect(closed.wait())
        #expect(closes.snapshot.map { $0?.kind } == [.malformedFrame])
    }

    @Test func sendsBeyondTheQueueBoundAreRejectedAndOnWritableFollowsTheDrain() throws {
        let loop = try EventLoop.forTest("backpressure")
        defer { loop.shutdown() }
        let outcomes = Shared<[SendOutcome]>([])
        let pausedWhileOverHighWater = Shared(false)
        let writable = Signal()
        let port = try loop.sync {
            try TCPListener(on: loop, at: loopback) { connection in
                connection.startReading(with: PeerFrameDecoder(frameBytesMax: 64)) { _ in }
                connection.onWritable = {
                    pausedWhileOverHighWater.withValue { $0 = $0 && !connection.isReadingPaused }
                    writable.fire()
                }
                // All in one turn: nothing is written before the turn ends, so the queue only grows.
                let frame = PeerFrame(kind: 0, body: Array(repeating: 7, count: 1_000))
                var sent: [SendOutcome] = []
                repeat { sent.append(connection.send(frame)) } while sent.last != .rejectedQueueFull
                outcomes.withValue { $0 = sent }
                pausedWhileOverHighWater.withValue { $0 = connection.isReadingPaused }
            }.localAddress.port
        }
        let client = try RawClient(port: port)
        #expect(writable.wait())
        let limits = loop.limits, frameBytes = 1_000 + PeerFrameHeader.byteCount
        let queuedCount = limits.sendQueueBytesMax / frameBytes
        let belowHighWaterCount = limits.sendQueueBytesHighWater / frameBytes
        var expected = Array(repeating: SendOutcome.queued, count: belowHighWaterCount)
        expected += Array(repeating: .queuedAboveHighWater, count: queuedCount - belowHighWaterCount)
        expected.append(.rejectedQueueFull)
        #expect(outcomes.snapshot == expected)
        #expect(pausedWhileOverHighWater.snapshot, "reading was not paused over the high-water mark, or not resumed after")
        #expect(client.read(count: queuedCount * frameBytes).count == queuedCount * frameBytes)
    }

    @Test func aPausedConnectionDeliversNoFramesUntilResumedThenDeliversTheBufferedOnes() throws {
        let loop = try EventLoop.forTest("pause")
        defer { loop.shutdown() }
        let delivered = Shared<[PeerFrame]>([]), arrived = Signal()
        let accepted = Shared<TCPConnection?>(nil)
        let port = try loop.sync {
            try TCPListener(on: loop, at: loopback) { connection in
                accepted.withValue { $0 = connection }
                connection.startReading(with: PeerFrameDecoder(frameBytesMax: 64)) { frame in
                    if delivered.withValue({ $0.append(frame); return $0.count }) == 1 { connection.pauseReading() }
                    arrived.fire()
                }
            }.localAddress.port
        }
        let frames = (1...3).map { PeerFrame(kind: 0, body: [UInt8($0)]) }
        let client = try RawClient(port: port)
        client.send(frames.flatMap { $0.encoded() })
        #expect(arrived.wait())
        let whilePaused = try loop.sync { () -> (count: Int, paused: Bool) in
            (delivered.snapshot.count, accepted.snapshot!.isReadingPaused)
        }
        #expect(whilePaused.count == 1 && whilePaused.paused)
        try loop.sync { accepted.snapshot!.resumeReading() }
        #expect(arrived.wait() && arrived.wait())
        #expect(delivered.snapshot == frames)
    }

    @Test func framesForwardedWhileBufferedFramesAreDeliveredAtTheEndOfATurnAreStillWritten() throws {
        let loop = try EventLoop.forTest("forward")
        defer { loop.shutdown() }
        let accepted = Shared<[TCPConnection]>([]), sourcePaused = Signal()
        let port = try loop.sync {
            try TCPListener(on: loop, at: loopback) { connection in
                let index = accepted.withValue { $0.append(connection); return $0.count - 1 }
                guard index == 0 else { return }  // the second connection is the sink
                connection.startReading(with: PeerFrameDecoder(frameBytesMax: 64)) { frame in
                    if !connection.isReadingPaused && accepted.snapshot.count < 2 {
                        connection.pauseReading()
                        return sourcePaused.fire()
                    }
                    _ = accepted.snapshot[1].send(frame)
                }
            }.localAddress.port
        }
        let source = try RawClient(port: port)
        let frames = (1...3).map { PeerFrame(kind: 0, body: [UInt8($0)]) }
        source.send(frames.flatMap { $0.encoded() })
        #expect(sourcePaused.wait())
        let sink = try RawClient(port: port)
        try loop.sync { #expect(accepted.snapshot.count == 2) }
        // Frames 2 and 3 wait in the source's buffer; resuming delivers them at the end of the
        // turn, and what they trigger on the sink must be written without another wake-up.
        try loop.sync { accepted.snapshot[0].resumeReading() }
        let expected = frames.dropFirst().flatMap { $0.encoded() }
        #expect(sink.read(count: expected.count) == expected)
    }

    @Test func shutdownClosesOpenConnectionsAndTheirPeersSeeTheEnd() throws {
        let server = try PeerEchoServer()
        let client = try RawClient(port: server.port)
        let probe = PeerFrame(kind: 1, body: [42]).encoded()
        client.send(probe)
        #expect(client.read(count: probe.count) == probe)
        server.loop.shutdown()
        #expect(server.closes.snapshot.count == 1)
        #expect(server.closes.snapshot.first! == nil)
        #expect(client.readToEnd().isEmpty)
    }

    @Test func aConnectThatGetsNoAnswerTimesOut() throws {
        var limits = TransportLimits.testMin
        limits.connectTimeout = .milliseconds(100)
        let loop = try EventLoop.forTest("timeout", limits: limits)
        defer { loop.shutdown() }
        let listener = try UnacceptingListener()
        let filler = try RawClient(port: listener.port)  // fills the accept queue of length 1
        let failure = Shared<TransportError?>(nil), done = Signal()
        let port = listener.port
        try loop.sync {
            _ = TCPConnection.connect(on: loop, to: loopback.withPort(port)) { error in
                failure.withValue { $0 = error }
                done.fire()
            }
        }
        #expect(done.wait())
        #expect(failure.snapshot?.kind == .timedOut)
        withExtendedLifetime((listener, filler)) {}
    }

    @Test func aFrameLargerThanTheLimitIsRejectedBeforeItIsQueued() throws {
        let server = try PeerEchoServer()
        defer { server.shutdown() }
        let loop = server.loop
        let outcomes = try loop.sync { () -> [SendOutcome] in
            let connection = TCPConnection.connect(on: loop, to: loopback.withPort(server.port)) { _ in }
            defer { connection.close() }
            let tooLarge = Array(repeating: UInt8(1), count: loop.limits.frameBytesMax + 1)
            return [connection.send(PeerFrame(kind: 0, body: tooLarge)), connection.sendKafkaFrame(tooLarge),
                    connection.send(PeerFrame(kind: 0, body: Array(tooLarge.dropLast())))]
        }
        #expect(outcomes == [.rejectedFrameTooLarge, .rejectedFrameTooLarge, .queued])
    }

    @Test func connectingToAPortNobodyListensOnReportsTheFailure() throws {
        let loop = try EventLoop.forTest("refused")
        defer { loop.shutdown() }
        // Bind then close a listener to get a port that is (almost surely) free.
        let port = try loop.sync {
            let listener = try TCPListener(on: loop, at: loopback) { _ in }
            listener.close()
            return listener.localAddress.port
        }
        let failure = Shared<TransportError?>(nil), done = Signal()
        try loop.sync {
            _ = TCPConnection.connect(on: loop, to: loopback.withPort(port)) { error in
                failure.withValue { $0 = error }
                done.fire()
            }
        }
        #expect(done.wait())
        #expect(failure.snapshot?.kind == .libuv(-111))  // ECONNREFUSED
    }
}
