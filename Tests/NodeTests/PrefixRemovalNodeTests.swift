import ClusterMetadata
import Foundation
import KafkaProtocol
import Logging
import Storage
import Testing
import Transport
import TributaryClient
@testable import Node

/// Retention and DeleteRecords on a real node run in-process: which retention each topic's
/// replicas are kept to, and DeleteRecords' answers.
@Suite struct PrefixRemovalNodeTests {
    @Test func topicsAreKeptToTheirOwnRetentionOrTheNodesAndConsumerOffsetsToNone() async throws {
        let directory = NSTemporaryDirectory() + "tributary-retention-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (config, client, _) = try loneNodeConfig(directory: directory, extraTOML: "[log]\nretention_bytes = 1073741824")
        let clientLoop = try EventLoop(name: "retention-client")
        defer { clientLoop.shutdown() }
        let server = try await NodeServer.start(config: config, logger: Logger(label: "retention-test"))
        try #require(await poll { try await server.loop.submit { server.servesClients } }, "the node never became ready")
        let connection = try await BrokerConnection.connect(
            to: SocketAddress(host: "127.0.0.1", port: client), on: clientLoop, options: ConnectionOptions())

        let created = try await connection.send(CreateTopicsRequest(topics: [
            .init(name: "defaults", numPartitions: 1, replicationFactor: 1),
            .init(name: "overridden", numPartitions: 2, replicationFactor: 1, configs: [
                .init(name: "retention.ms", value: "-1"), .init(name: "retention.bytes", value: "2000000"),
            ]),
        ], timeoutMs: 10_000))
        #expect(created.topics.allSatisfy { $0.errorCode == 0 })
        // The first FindCoordinator creates __consumer_offsets.
        _ = try await connection.send(FindCoordinatorRequest(key: "a-group"))
        let offsetsCreated = await poll {
            try await server.loop.submit { server.applier.state.topic(named: KafkaBroker.offsetsTopic) != nil }
        }
        try #require(offsetsCreated)

        let (policies, state) = try await server.loop.submit { (server.host!.retentionPolicies, server.applier.state) }
        let groups = { (name: String) in state.topic(named: name)!.partitions.map(\.groupID) }
        #expect(groups("defaults").map { policies[$0] } == [RetentionPolicy(retentionMs: 7 * 24 * 3_600_000, retentionBytes: 1 << 30)])
        #expect(groups("overridden").map { policies[$0] } == Array(repeating: RetentionPolicy(retentionMs: nil, retentionBytes: 2_000_000), count: 2))
        #expect(groups(KafkaBroker.offsetsTopic).allSatisfy { policies[$0] == nil }, "group offsets are never trimmed")
        #expect(policies[.controller] == nil)

        let offsetsTopic = try await Self.deleteRecords(connection, topic: KafkaBroker.offsetsTopic, offset: 0)
        #expect(offsetsTopic.errorCode == ErrorCode.invalidTopicException.rawValue)
        let unknown = try await Self.deleteRecords(connection, topic: "no-such-topic", offset: 0)
        #expect(unknown.errorCode == ErrorCode.unknownTopicOrPartition.rawValue)
        let leads = await poll { try await Self.deleteRecords(connection, topic: "defaults", offset: 0).errorCode == 0 }
        try #require(leads, "the node never led the partition")
        let past = try await Self.deleteRecords(connection, topic: "defaults", offset: 1_000)
        #expect(past.errorCode == ErrorCode.offsetOutOfRange.rawValue && past.lowWatermark == -1)
        let negative = try await Self.deleteRecords(connection, topic: "defaults", offset: -2)
        #expect(negative.errorCode == ErrorCode.offsetOutOfRange.rawValue)
        // -1 is the high-water mark: past the new leader's no-op once that is committed.
        let everything = await poll {
            let answer = try await Self.deleteRecords(connection, topic: "defaults", offset: -1)
            return answer.errorCode == 0 && answer.lowWatermark > 0
        }
        #expect(everything)
        connection.close()
        await server.stop()
    }

    private static func deleteRecords(
        _ connection: BrokerConnection, topic: String, offset: Int64
    ) async throws -> DeleteRecordsResponse.DeleteRecordsPartitionResult {
        let response = try await connection.send(DeleteRecordsRequest(
            topics: [.init(name: topic, partitions: [.init(partitionIndex: 0, offset: offset)])], timeoutMs: 10_000))
        return try #require(response.topics.first?.partitions.first)
    }
}
