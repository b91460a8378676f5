import ClusterMetadata
import Foundation
import Raft
import Storage
import Testing
import Transport
@testable import Node

/// One node of a ``HostCluster``: its own event loop, peer connector and Raft host.
final class TestHost: @unchecked Sendable {
    let id: NodeID
    let loop: EventLoop
    let connector: PeerConnector
    let host: RaftHost
    let address: SocketAddress

    init(id: NodeID, loop: EventLoop, connector: PeerConnector, host: RaftHost, address: SocketAddress) {
        self.id = id
        self.loop = loop
        self.connector = connector
        self.host = host
        self.address = address
    }

    /// Runs `body` on the host's loop.
    func run<Result: Sendable>(_ body: @escaping @Sendable (RaftHost) throws -> Result) async throws -> Result {
        try await loop.submit { [host] in try body(host) }
    }
}

/// Lets the connector's frame handler reach the host made after it.
private final class HostSlot: @unchecked Sendable {
    weak var host: RaftHost?
}

/// Nodes on 127.0.0.1 (ephemeral ports, kept across restarts) hosting the same Raft groups in
/// real directories. Tests wait for conditions over the hosts' statuses; the hosts wake them on
/// every status change and once per tick, and every wait is bounded.
final class HostCluster: @unchecked Sendable {
    static let limits: TransportLimits = {
        var limits = TransportLimits.testMin
        limits.crossThreadJobCountMax = 4_096
        limits.offloadCountMax = 64
        limits.frameBytesMax = 64 << 10
        limits.sendQueueBytesMax = 4 << 20
        limits.sendQueueBytesHighWater = 2 << 20
        return limits
    }()

    let root: String
    let ids: [NodeID]
    let groups: [RaftGroupID]
    let options: RaftHostOptions
    private(set) var hosts: [NodeID: TestHost] = [:]
    private var addresses: [NodeID: SocketAddress] = [:]
    /// The groups each node hosts, with the membership they were added with.
    private var hosted: [NodeID: [RaftGroupID: Membership]] = [:]
    private let changes: AsyncStream<Void>
    private let signal: AsyncStream<Void>.Continuation

    /// Starts `nodeCount` nodes and `groupCount` groups whose voters are `voters` (all nodes when
    /// nil), each hosted on its voters.
    /// - Parameter root: the parent of the nodes' data directories (removed at the end).
    init(nodeCount: Int = 3, groupCount: Int, root: String, options: RaftHostOptions, voters: [NodeID]? = nil) async throws {
        self.root = (root as NSString).appendingPathComponent("tributary-hosts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: self.root, withIntermediateDirectories: true)
        ids = (1...nodeCount).map { NodeID(UInt64($0)) }
        groups = (1...groupCount).map { RaftGroupID(UInt64($0)) }
        self.options = options
        (changes, signal) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let voters = voters ?? ids
        for id in voters { hosted[id] = Dictionary(uniqueKeysWithValues: groups.map { ($0, Membership(voters: voters)) }) }
        for id in ids { try await start(id, listeningAt: SocketAddress(host: "127.0.0.1", port: 0)) }
        // Higher ids first: they accept, so they know their lower peers before those dial.
        for id in ids.reversed() { try await connectAndAddGroups(id) }
    }

    deinit {
        // A test that failed before stopAll() leaves loops running: stop them (closing every
        // handle) before the hosts go away.
        for node in hosts.values { node.loop.shutdown() }
        try? FileManager.default.removeItem(atPath: root)
    }

    func directory(of id: NodeID, group: RaftGroupID) -> String { "\(root)/n\(id.rawValue)/g\(group.rawValue)" }

    private func start(_ id: NodeID, listeningAt address: SocketAddress) async throws {
        let loop = try EventLoop(name: "n\(id.rawValue)", limits: Self.limits)
        let (options, signal, tick) = (self.options, self.signal, self.options.tickInterval)
        let started = try await loop.submit { () throws -> TestHost in
            let slot = HostSlot()
            let connector = PeerConnector(
                loop: loop, localID: PeerID(UInt32(id.rawValue)), clusterID: "host-tests", seed: id.rawValue,
                onFrame: { peer, frame in slot.host?.receive(frame, from: NodeID(UInt64(peer.rawValue))) })
            let host = try RaftHost(loop: loop, localID: id, options: options, seed: 0xC0FFEE &+ id.rawValue) { node, frame in
                connector.send(frame, to: PeerID(UInt32(node.rawValue)))
            }
            slot.host = host
            host.onStatusChange = { _ in signal.yield() }
            let bound = try connector.listen(at: address)
            LoopTimer(loop: loop).schedule(after: tick, repeating: tick) { signal.yield() }
            return TestHost(id: id, loop: loop, connector: connector, host: host, address: bound)
        }
        hosts[id] = started
        addresses[id] = started.address
    }

    private func connectAndAddGroups(_ id: NodeID) async throws {
        let peers = addresses.filter { $0.key != id }
        let connector = hosts[id]!.connector
        try FileManager.default.createDirectory(atPath: "\(root)/n\(id.rawValue)", withIntermediateDirectories: true)
        try await hosts[id]!.run { _ in
            for (peer, address) in peers { connector.addPeer(PeerID(UInt32(peer.rawValue)), at: address) }
        }
        for (group, membership) in (hosted[id] ?? [:]).sorted(by: { $0.key < $1.key }) {
            try await addGroup(group, on: id, membership: membership)
        }
    }

    /// Starts hosting `group` on node `id` (kept across restarts).
    func addGroup(_ group: RaftGroupID, on id: NodeID, membership: Membership) async throws {
        hosted[id, default: [:]][group] = membership
        let directory = directory(of: id, group: group)
        try await hosts[id]!.run { try $0.addGroup(group, directory: directory, membership: membership) }
    }

    /// Closes a node's host and transport and joins its loop, as a stopped process would; its
    /// directories stay.
    func stop(_ id: NodeID) async throws {
        let stopped = hosts.removeValue(forKey: id)!
        let connector = stopped.connector
        try await stopped.run { host in
            host.close()
            connector.close()
        }
        stopped.loop.shutdown()
    }

    /// Starts a stopped node again from its directories, on its old address.
    func restart(_ id: NodeID) async throws {
        try await start(id, listeningAt: addresses[id]!)
        try await connectAndAddGroups(id)
    }

    func stopAll() async throws {
        for id in Array(hosts.keys) { try await stop(id) }
    }

    // MARK: - Observing

    /// Every live node's status of every group.
    func statuses() async throws -> [NodeID: [RaftGroupID: GroupStatus]] {
        var all: [NodeID: [RaftGroupID: GroupStatus]] = [:]
        for (id, node) in hosts {
            let statuses = try await node.run { $0.statuses }
            all[id] = Dictionary(uniqueKeysWithValues: statuses.map { ($0.group, $0) })
        }
        return all
    }

    /// For each group, its leader's status when every live replica follows that leader in its
    /// term; nil while some group has none.
    func agreedLeaders() async throws -> [RaftGroupID: GroupStatus]? {
        let all = try await statuses()
        var leaders: [RaftGroupID: GroupStatus] = [:]
        for group in groups {
            let replicas = all.values.compactMap { $0[group] }
            guard let leader = replicas.first(where: { $0.role == .leader }),
                  replicas.allSatisfy({ $0.leader == leader.leader && $0.term == leader.term && $0.failure == nil })
            else { return nil }
            leaders[group] = leader
        }
        return leaders
    }

    /// Whether every live replica of every group holds and has committed its leader's whole log.
    func allCaughtUp() async throws -> Bool {
        guard let leaders = try await agreedLeaders() else { return false }
        let all = try await statuses()
        return groups.allSatisfy { group in
            let last = leaders[group]!.lastIndex
            // Written to its partition log too, not only known to its Raft core: the cycle that
            // writes a step's entries may not have run yet when a status is taken.
            return all.values.compactMap { $0[group] }.allSatisfy {
                $0.lastIndex == last && $0.commitIndex == last && $0.logEndOffset == last.offset.advanced(by: 1)
            }
        }
    }

    /// Whether every live replica has caught up (``allCaughtUp()``) and every leader knows it:
    /// its match for each live follower is its last index. From then on no leader re-sends old
    /// entries (only a rejection moves it back, and a follower that acknowledged everything
    /// rejects nothing), though re-sends made before may still be on their way.
    func leadersKnowAllCaughtUp() async throws -> Bool {
        guard try await allCaughtUp(), let leaders = try await agreedLeaders() else { return false }
        return leaders.values.allSatisfy { leader in
            hosts.keys.allSatisfy { $0 == leader.leader || leader.followerMatchIndexes[$0] == leader.lastIndex }
        }
    }

    /// Waits until `condition` holds, re-checking on every status change and tick.
    /// - Throws: ``HostClusterError/timedOut(_:)`` after `timeout`.
    func waitUntil(_ what: String, timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        let alarm = Task { [signal] in
            try? await Task.sleep(until: deadline)
            signal.yield()
        }
        defer { alarm.cancel() }
        var wakeups = changes.makeAsyncIterator()
        while true {
            if try await condition() { return }
            guard ContinuousClock.now < deadline else { throw HostClusterError.timedOut(what) }
            _ = await wakeups.next()
        }
    }

    /// The stored bytes of `group`'s log on node `id` from `offset`, read in bounded pieces.
    func logBytes(of id: NodeID, group: RaftGroupID, from offset: Offset = 0) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        var next = offset
        while true {
            let from = next
            let read = try await hosts[id]!.run { try $0.read(group, from: from, maxBytes: 64 << 10) }
            if read.batchCount == 0 { return bytes }
            bytes += read.bytes
            next = read.nextOffset
        }
    }

    /// Proposes `batch` to the current leader of `group`.
    func propose(_ batch: RecordBatch, to group: RaftGroupID, leader: NodeID) async -> Result<ClosedRange<Offset>, ProposalFailure> {
        await hosts[leader]!.host.propose(batch, to: group)
    }

    /// A producer's batch of `count` records whose values name the batch.
    static func batch(_ tag: Int, records count: Int = 2) -> RecordBatch {
        RecordBatchBuilder.batch((0..<count).map { i in
            NewRecord(key: Array("k\(tag)".utf8), value: Array("v\(tag)-\(i)".utf8), timestamp: 1_700_000_000_000 + Int64(tag))
        })
    }
}

enum HostClusterError: Error { case timedOut(String) }
