import Foundation
import KafkaProtocol
import Logging
import Raft
import Testing
import Transport
import TributaryClient
@testable import Node

/// A node outside the controller's voters joins: it dials the voter, registers, is added as a
/// learner of the controller group, replicates the metadata and hosts the partitions placed on
/// it, and comes back as a learner after a restart. Real sockets, disk and Raft, in-process.
@Suite struct ControllerLearnerTests {
    @Test func aNodeOutsideTheVotersRegistersFollowsTheMetadataAsALearnerAndHostsPartitions() async throws {
        let root = NSTemporaryDirectory() + "tributary-learner-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (voterConfig, voterClient, _) = try loneNodeConfig(directory: root + "/n1")
        // Node 2's configuration names node 1 as the only controller voter.
        let learnerConfig = try loneNodeConfig(directory: root + "/n2", nodeID: 2, voter: "1@\(voterConfig.listen.peer)").config
        let voter = try await NodeServer.start(config: voterConfig, logger: Logger(label: "learner-test-n1"))
        let learner = try await NodeServer.start(config: learnerConfig, logger: Logger(label: "learner-test-n2"))

        try #require(await poll { try await Self.isReady(learner) }, "the learner never registered")
        try #require(await poll { try await Self.isControllerLearner(learner) }, "the learner never joined the controller group")
        let status = try #require(try await learner.loop.submit { learner.controllerStatus })
        #expect(status.membership.voters == [NodeID(1)] && status.role != .leader)

        let clientLoop = try EventLoop(name: "learner-client")
        defer { clientLoop.shutdown() }
        let connection = try await BrokerConnection.connect(
            to: try SocketAddress(host: "127.0.0.1", port: voterClient), on: clientLoop, options: ConnectionOptions())
        defer { connection.close() }
        let created = try await connection.send(CreateTopicsRequest(
            topics: [.init(name: "spread", numPartitions: 2, replicationFactor: 2)], timeoutMs: 10_000))
        #expect(created.topics.first?.errorCode == 0)
        #expect(await poll { try await Self.hostedPartitionCount(learner) == 2 }, "both replicas of both partitions include the learner")

        await learner.stop()
        let restarted = try await NodeServer.start(config: learnerConfig, logger: Logger(label: "learner-test-n2"))
        #expect(await poll { try await Self.isReady(restarted) }, "the learner is ready again after a restart")
        #expect(await poll { try await Self.isControllerLearner(restarted) })
        #expect(await poll { try await Self.hostedPartitionCount(restarted) == 2 })
        await restarted.stop()
        await voter.stop()
    }

    /// Found by a 30-minute chaos run: a node that restarted took the producer-id block it had
    /// been granted before its restart (its metadata had not applied the new grant yet when the
    /// controller answered), so two producers got one id and one's batches were acknowledged as
    /// duplicates of the other's, and lost.
    @Test func aRestartedNodeNeverHandsOutAProducerIdItHandedOutBefore() async throws {
        let root = NSTemporaryDirectory() + "tributary-learner-ids-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let voterConfig = try loneNodeConfig(directory: root + "/n1").config
        let (learnerConfig, learnerClient, _) = try loneNodeConfig(directory: root + "/n2", nodeID: 2, voter: "1@\(voterConfig.listen.peer)")
        let voter = try await NodeServer.start(config: voterConfig, logger: Logger(label: "learner-ids-n1"))
        let clientLoop = try EventLoop(name: "learner-ids-client")
        defer { clientLoop.shutdown() }
        var ids: [Int64] = []
        for _ in 0..<4 {
            let learner = try await NodeServer.start(config: learnerConfig, logger: Logger(label: "learner-ids-n2"))
            try #require(await poll { try await Self.isReady(learner) }, "the learner never became ready")
            ids.append(try await Self.producerId(from: learnerClient, on: clientLoop))
            await learner.stop()
        }
        await voter.stop()
        #expect(Set(ids).count == ids.count, "producer ids handed out twice: \(ids)")
    }

    @Test func theBoundOfUsedProducerIdsSurvivesARestartAndACorruptBoundStopsTheNode() async throws {
        let root = NSTemporaryDirectory() + "tributary-producer-ids-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let (config, client, _) = try loneNodeConfig(directory: root)
        let clientLoop = try EventLoop(name: "producer-ids-client")
        defer { clientLoop.shutdown() }
        var server = try await NodeServer.start(config: config, logger: Logger(label: "producer-ids"))
        try #require(await poll { try await Self.isReady(server) })
        let first = try await Self.producerId(from: client, on: clientLoop)
        await server.stop()
        let bound = try KafkaBroker.producerIDsUsedBelow(in: root)
        #expect(bound > first, "the stored bound covers the id handed out")

        server = try await NodeServer.start(config: config, logger: Logger(label: "producer-ids"))
        try #require(await poll { try await Self.isReady(server) })
        #expect(try await Self.producerId(from: client, on: clientLoop) >= bound, "after a restart only ids above the bound")
        await server.stop()

        try Data("not a state file".utf8).write(to: URL(fileURLWithPath: KafkaBroker.producerIDStatePath(in: root)))
        await #expect(throws: (any Error).self, "a bound that cannot be read is not guessed") {
            _ = try await NodeServer.start(config: config, logger: Logger(label: "producer-ids"))
        }
    }

    /// An id from InitProducerId at the node's client port, asking again (bounded) while the
    /// node waits for its first block (COORDINATOR_LOAD_IN_PROGRESS).
    static func producerId(from port: UInt16, on loop: EventLoop) async throws -> Int64 {
        let connection = try await BrokerConnection.connect(
            to: try SocketAddress(host: "127.0.0.1", port: port), on: loop, options: ConnectionOptions())
        defer { connection.close() }
        var id: Int64 = -1
        let granted = await poll {
            let response = try await connection.send(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: -1))
            id = response.producerId
            return response.errorCode == 0
        }
        try #require(granted, "no producer id within 10 s")
        return id
    }

    static func isReady(_ node: NodeServer) async throws -> Bool {
        try await node.loop.submit { node.servesClients }
    }

    static func isControllerLearner(_ node: NodeServer) async throws -> Bool {
        try await node.loop.submit { node.controllerStatus?.membership.learners == [NodeID(2)] && node.controllerStatus?.leader == NodeID(1) }
    }

    static func hostedPartitionCount(_ node: NodeServer) async throws -> Int {
        try await node.loop.submit { node.groupStatuses.filter { $0.group != .controller }.count }
    }
}
