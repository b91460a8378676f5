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

    /// A node's connector on its own loop, listening, with every state change and frame recorded.
    final class Node: Sendable {
        let id: PeerID
        let loop: EventLoop
        let connector: PeerConnector
        let port: UInt16
        let states = Shared<[PeerID: [PeerLinkState]]>([:])
        let frames = Shared<[PeerID: [PeerFrame]]>([:])
        /// Fired on every state change and every frame.
        let changed = Signal()

        /// Starts node `id`; `peers` are added before it listens, so their hellos are expected.
        init(
            _ id: UInt32, port: UInt16 = 0, limits: TransportLimits = .testMin, peers: [Node] = [],
            dialRule: DialRule = DialRule(), unknownPeerCountMax: Int = 0
        ) throws {
            let loop = try EventLoop.forTest("node-\(id)", limits: limits)
            let states = self.states, frames = self.frames, changed = self.changed
            self.id = PeerID(id)
            self.loop = loop
            let peers = peers.map { ($0.id, $0.port) }
            (connector, self.port) = try loop.sync {
                let connector = PeerConnector(
                    loop: loop, localID: PeerID(id), clusterID: "test-cluster", seed: UInt64(id),
                    dialRule: dialRule, unknownPeerCountMax: unknownPeerCountMax,
                    onFrame: { peer, frame in frames.withValue { $0[peer, default: []].append(frame) }; changed.fire() },
                    onStateChange: { peer, state in states.withValue { $0[peer, default: []].append(state) }; changed.fire() })
                for (peer, port) in peers { connector.addPeer(peer, at: loopback.withPort(port)) }
                return (connector, try connector.listen(at: loopback.withPort(port)).port)
            }
        }

        func add(_ other: Node) throws {
            let connector = connector, peer = other.id, port = other.port
            try loop.sync { connector.addPeer(peer, at: loopback.withPort(port)) }
        }

        func send(_ frames: [PeerFrame], to other: Node) throws -> [SendOutcome] {
            let connector = connector, peer = other.id
            return try loop.sync { frames.map { connector.send($0, to: peer) } }
        }

        func states(of other: Node) -> [PeerLinkState] { states.snapshot[other.id] ?? [] }
        func frames(from other: Node) -> [PeerFrame] { frames.snapshot[other.id] ?? [] }

        /// Waits until `condition` holds, checking it after every recorded change.
        func waitUntil(_ condition: () -> Bool) -> Bool {
            while !condition() {
                guard changed.wait() else { return false }
            }
            return true
        }

        func isConnected(to other: Node) -> Bool { states(of: other).last == .connected }
    }

    static func pair() throws -> (Node, Node) {
        let one = try Node(1), two = try Node(2)
        try two.add(one)  // the acceptor knows its peer before the dialer's hello can arrive
        try one.add(two)
        #expect(one.waitUntil { one.isConnected(to: two) })
        #expect(two.waitUntil { two.isConnected(to: one) })
        return (one, two)
    }

    @Test func twoNodesShareOneConnectionThatTheLowerIdDialsAndFramesFlowBothWaysInOrder() throws {
        let (one, two) = try Self.pair()
        defer { one.loop.shutdown(); two.loop.shutdown() }
        #expect(one.states(of: two) == [.connecting(attempt: 1), .connected])
        #expect(two.states(of: one) == [.awaitingInbound, .connected])

        let oneToTwo = (0..<50).map { PeerFrame(kind: 1, body: [UInt8($0)]) }
        let twoToOne = (0..<50).map { PeerFrame(kind: 0, body: [UInt8($0), 2]) }
        #expect(try one.send(oneToTwo, to: two) == Array(repeating: .queued, count: 50))
        #expect(try two.send(twoToOne, to: one) == Array(repeating: .queued, count: 50))
        #expect(two.waitUntil { two.frames(from: one).count == 50 })
        #expect(one.waitUntil { one.frames(from: two).count == 50 })
        #expect(two.frames(from: one) == oneToTwo)
        #expect(one.frames(from: two) == twoToOne)
        let connector = one.connector
        #expect(try one.loop.sync { connector.send(PeerFrame(kind: 1, body: []), to: PeerID(9)) } == .rejectedClosed)
    }

    @Test func theDialerReconnectsWithBackoffAfterThePeerRestarts() throws {
        let (one, two) = try Self.pair()
        defer { one.loop.shutdown() }
        two.loop.shutdown()
        #expect(one.waitUntil {
            one.states(of: two).filter { if case .backoff = $0 { true } else { false } }.count >= 3
        })
        let restarted = try Node(2, port: two.port, peers: [one])
        defer { restarted.loop.shutdown() }
        #expect(one.waitUntil { one.isConnected(to: two) })
        #expect(restarted.waitUntil { restarted.isConnected(to: one) })
        #expect(try one.send([PeerFrame(kind: 4, body: [9])], to: restarted) == [.queued])
        #expect(restarted.waitUntil { restarted.frames(from: one).count == 1 })

        // Failures count up from 1 after every connection that was established. (A connect can
        // complete against the closing listener's backlog and be reset at once: that counts as a
        // connection, so the count starts again.)
        let states = one.states(of: two)
        var expectedFailures = 1
        for state in states {
            switch state {
            case .connected: expectedFailures = 1
            case .backoff(let failures, _):
                #expect(failures == expectedFailures, "consecutive failures should count up: \(states)")
                expectedFailures += 1
            default: break
            }
        }
        #expect(try one.loop.sync { one.connector.states } == [two.id: .connected])
    }

    @Test func anInboundConnectionWithoutAHelloFromALowerKnownPeerIsClosedAndOthersKeepWorking() throws {
        var limits = TransportLimits.testMin
        limits.connectTimeout = .milliseconds(100)
        let one = try Node(1, limits: limits), two = try Node(2, limits: limits)
        defer { one.loop.shutdown(); two.loop.shutdown() }
        try two.add(one)  // the acceptor knows its peer before the dialer's hello can arrive
        try one.add(two)
        #expect(two.waitUntil { two.isConnected(to: one) })

        func hello(from sender: UInt32, to receiver: UInt32 = 2, cluster: String = "test-cluster") -> [UInt8] {
            PeerHello(sender: PeerID(sender), receiver: PeerID(receiver), clusterID: cluster).frame.encoded()
        }
        let notAHello = PeerFrame(kind: 1, body: [0, 0, 0, 1, 0, 0, 0, 2]).encoded()
        let openings = [notAHello, hello(from: 9), hello(from: 3), hello(from: 1, to: 4), hello(from: 1, cluster: "other"), []]
        for opening in openings {  // [] sends nothing: times out
            let stranger = try RawClient(port: two.port)
            stranger.send(opening)
            #expect(stranger.readUntilServerCloses() == [], "opening \(opening) was not closed")
        }
        #expect(try one.send([PeerFrame(kind: 2, body: [5])], to: two) == [.queued])
        #expect(two.waitUntil { two.frames(from: one) == [PeerFrame(kind: 2, body: [5])] })
        #expect(two.states(of: one) == [.awaitingInbound, .connected])
    }

    @Test func everyNodeDialsTheHubsAndWithinAClassTheLowerIdDials() {
        let rule = DialRule(hubs: [PeerID(1), PeerID(2), PeerID(3)])
        #expect(rule.dials(from: PeerID(1), to: PeerID(2)) && !rule.dials(from: PeerID(2), to: PeerID(1)))
        #expect(rule.dials(from: PeerID(7), to: PeerID(1)) && !rule.dials(from: PeerID(1), to: PeerID(7)))
        #expect(rule.dials(from: PeerID(4), to: PeerID(7)) && !rule.dials(from: PeerID(7), to: PeerID(4)))
        let plain = DialRule()
        #expect(plain.dials(from: PeerID(1), to: PeerID(9)) && !plain.dials(from: PeerID(9), to: PeerID(1)))
    }

    @Test func aHubAcceptsANodeItWasNeverToldOfUpToItsBoundAndKnowsItOnceAdded() throws {
        let rule = DialRule(hubs: [PeerID(1)])
        let hub = try Node(1, dialRule: rule, unknownPeerCountMax: 1)
        let first = try Node(5, peers: [hub], dialRule: rule)
        defer { hub.loop.shutdown(); first.loop.shutdown() }
        #expect(first.waitUntil { first.isConnected(to: hub) }, "the new node dials the hub")
        #expect(hub.waitUntil { hub.isConnected(to: first) }, "the hub adopts a peer it was never told of")
        #expect(try hub.send([PeerFrame(kind: 3, body: [1])], to: first) == [.queued])
        #expect(first.waitUntil { first.frames(from: hub) == [PeerFrame(kind: 3, body: [1])] })

        // The one unknown slot is taken: a second stranger waits, with backoff, until the hub
        // learns of the first (its registration, in a node) and the slot frees.
        let second = try Node(6, peers: [hub], dialRule: rule)
        defer { second.loop.shutdown() }
        #expect(second.waitUntil { second.states(of: hub).contains { if case .backoff = $0 { true } else { false } } })
        #expect(!hub.isConnected(to: second))
        try hub.add(first)
        #expect(hub.waitUntil { hub.isConnected(to: second) })
        #expect(try hub.loop.sync { hub.connector.states.count } == 2)
    }
}
