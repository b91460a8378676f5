import Testing
@testable import Transport

@Suite struct PeerConnectorTests {
    @Test(arguments: [UInt64(11), 12, 13])
    func backoffDelaysDoubleUpToTheCapWithJitterInTheUpperHalf(seed: UInt64) {
        var backoff = ReconnectBackoff(delayMin: .milliseconds(10), delayMax: .milliseconds(300), seed: seed)
        var replay = ReconnectBackoff(delayMin: .milliseconds(10), delayMax: .milliseconds(300), seed: seed)
        for failures in 1...40 {
            let base = Duration.milliseconds(min(300, 10 << min(failures - 1, 20)))
            let delay = backoff.delay(afterFailures: failures)
            #expect(delay >= base / 2 && delay <= base, "seed \(seed), failures \(failures): \(delay) outside [\(base / 2), \(base)]")
            #expect(replay.delay(afterFailures: failures) == delay, "seed \(seed) did not reproduce")
        }
    }

    /// A connector on its own loop whose every state change and received frame is recorded.
    final class Harness: Sendable {
        let loop: EventLoop
        let states = Shared<[PeerLinkState]>([])
        let frames = Shared<[PeerFrame]>([])
        /// Fired on every state change and every frame.
        let changed = Signal()
        let connector: PeerConnector

        init(seed: UInt64 = 7) throws {
            let loop = try EventLoop.forTest("connector")
            let states = self.states, frames = self.frames, changed = self.changed
            self.loop = loop
            connector = try loop.sync {
                PeerConnector(loop: loop, seed: seed,
                              onFrame: { _, frame in frames.withValue { $0.append(frame) }; changed.fire() },
                              onStateChange: { _, state in states.withValue { $0.append(state) }; changed.fire() })
            }
        }

        /// Waits until `condition` holds, checking it after every recorded change.
        func waitUntil(_ condition: () -> Bool) -> Bool {
            while !condition() {
                guard changed.wait() else { return false }
            }
            return true
        }
    }

    @Test func framesSentThroughTheConnectorArriveInOrderAndEchoesComeBack() throws {
        let server = try PeerEchoServer()
        defer { server.shutdown() }
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        let peer = PeerID(2)
        try harness.loop.sync {
            harness.connector.addPeer(peer, at: loopback.withPort(server.port))
        }
        #expect(harness.waitUntil { harness.states.snapshot.last == .connected })
        let frames = (0..<50).map { PeerFrame(kind: 1, body: [UInt8($0)]) }
        let outcomes = try harness.loop.sync { frames.map { harness.connector.send($0, to: peer) } }
        #expect(outcomes == Array(repeating: .queued, count: frames.count))
        #expect(harness.waitUntil { harness.frames.snapshot.count == frames.count })
        #expect(harness.frames.snapshot == frames)
        #expect(harness.states.snapshot == [.connecting(attempt: 1), .connected])
        #expect(try harness.loop.sync { harness.connector.send(frames[0], to: PeerID(99)) } == .rejectedClosed)
    }

    @Test func theConnectorReconnectsWithBackoffAfterTheListenerRestarts() throws {
        let serverLoop = try EventLoop.forTest("restarting-server")
        defer { serverLoop.shutdown() }
        let accepted = Shared<[TCPConnection]>([])
        let received = Shared<[PeerFrame]>([])
        let arrived = Signal()
        @Sendable func listen(port: UInt16) throws -> TCPListener {
            try TCPListener(on: serverLoop, at: loopback.withPort(port)) { connection in
                accepted.withValue { $0.append(connection) }
                connection.startReading(with: PeerFrameDecoder(frameBytesMax: 64)) { frame in
                    received.withValue { $0.append(frame) }
                    arrived.fire()
                }
            }
        }
        let firstListener = try serverLoop.sync { try listen(port: 0) }
        let port = firstListener.localAddress.port
        let harness = try Harness()
        defer { harness.loop.shutdown() }
        try harness.loop.sync { harness.connector.addPeer(PeerID(3), at: loopback.withPort(port)) }
        #expect(harness.waitUntil { harness.states.snapshot.last == .connected })

        // Stop the server: listener and accepted connection. The link must fail over and over.
        try serverLoop.sync {
            firstListener.close()
            for connection in accepted.snapshot { connection.close() }
        }
        #expect(harness.waitUntil {
            harness.states.snapshot.filter { if case .backoff = $0 { true } else { false } }.count >= 3
        })
        let secondListener = try serverLoop.sync { try listen(port: port) }
        defer { try? serverLoop.sync { secondListener.close() } }
        #expect(harness.waitUntil { harness.states.snapshot.last == .connected })
        let outcome = try harness.loop.sync { harness.connector.send(PeerFrame(kind: 4, body: [9]), to: PeerID(3)) }
        #expect(outcome == .queued)
        #expect(arrived.wait())
        #expect(received.snapshot == [PeerFrame(kind: 4, body: [9])])

        let states = harness.states.snapshot
        let failures = states.compactMap { if case .backoff(let failures, _) = $0 { failures } else { nil } }
        #expect(failures == Array(1...failures.count), "consecutive failures should count up: \(states)")
        #expect(states.last == .connected)
        #expect(try harness.loop.sync { harness.connector.states } == [PeerID(3): .connected])
    }
}
