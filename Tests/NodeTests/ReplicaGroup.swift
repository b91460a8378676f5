import Foundation
import Raft
import Storage
import Testing
@testable import Node
import SeededRandom

/// Three (or more) partition replicas on real disks in one process, with an in-memory, ordered
/// network: deterministic, so every test run takes the same steps.
final class ReplicaGroup {
    let root: String
    let ids: [NodeID]
    let logOptions = PartitionLogOptions(limits: .testMin)
    var replicas: [NodeID: PartitionReplica] = [:]
    /// Messages in flight, delivered in order.
    var network: [Message] = []
    private var seed: UInt64

    init(size: Int = 3, seed: UInt64 = 1) throws {
        root = NSTemporaryDirectory() + "tributary-replicas-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        ids = (1...size).map { NodeID(UInt64($0)) }
        self.seed = seed
        for id in ids { try start(id) }
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func directory(of id: NodeID) -> String { "\(root)/n\(id.rawValue)-topic-0" }

    /// Opens the replica from its directory, as a restarted node would.
    func start(_ id: NodeID) throws {
        seed &+= 1
        replicas[id] = try PartitionReplica(
            directory: directory(of: id), config: RaftConfig(id: id, electionTimeoutTicks: 10),
            membership: Membership(voters: ids), logOptions: logOptions, random: SplitMix64(seed: seed &* 7919))
    }

    /// Drops the replica (its files stay), as a crashed node would; its messages are lost.
    func stop(_ id: NodeID) {
        replicas[id] = nil
        network.removeAll { $0.to == id || $0.from == id }
    }

    /// Runs every replica's Ready cycle and delivers messages until nothing moves.
    func settle(stepsMax: Int = 10_000) throws {
        for _ in 0..<stepsMax {
            var moved = false
            for id in ids {
                guard let replica = replicas[id] else { continue }
                if let ready = try replica.takeReady() {
                    moved = true
                    network += ready.messages
                    try replica.persist(ready)
                    network += replica.complete(ready)
                }
            }
            let delivering = network
            network = []
            for message in delivering {
                moved = true
                try replicas[message.to]?.step(message)
            }
            if !moved { return }
        }
        Issue.record("the group did not settle within \(stepsMax) steps")
    }

    /// Ticks every live replica until one is leader of a term all live replicas agree on.
    @discardableResult
    func electLeader(ticksMax: Int = 500) throws -> NodeID {
        for _ in 0..<ticksMax {
            for id in ids { try replicas[id]?.tick() }
            try settle()
            let live = replicas.values
            if let leader = live.first(where: { $0.core.currentRole == .leader }),
               live.allSatisfy({ $0.core.currentLeader == leader.core.id && $0.core.currentTerm == leader.core.currentTerm })
            {
                return leader.core.id
            }
        }
        throw ReplicaGroupError.noLeader
    }

    /// The stored bytes of a replica's log from its start.
    func logBytes(of id: NodeID) throws -> [UInt8] {
        try batches(of: id).flatMap(\.bytes)
    }

    /// Every stored batch of a replica's log from its start, read in bounded pieces.
    func batches(of id: NodeID) throws -> [RecordBatch] {
        let log = replicas[id]!.log
        var batches: [RecordBatch] = []
        var next = log.logStartOffset
        while next < log.nextOffset {
            let read = try log.read(from: next, maxBytes: log.limits.readBytesMax)
            batches += try read.batches()
            next = read.nextOffset
        }
        return batches
    }
}

enum ReplicaGroupError: Error { case noLeader }
