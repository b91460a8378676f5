import Foundation
import KafkaProtocol
import Logging
import Storage
import Testing
import Transport
import TributaryClient
@testable import Node

/// The idempotent producer on a real node run in-process (real sockets, disk and Raft): the
/// sequence rules of Kafka, and the producer state rebuilt from the log after a restart.
@Suite struct IdempotentProduceTests {
    static let topic = "idempotent"

    @Test func duplicatesGetTheirOriginalOffsetsGapsAndFencedEpochsAreRejectedAndARestartRemembers() async throws {
        let directory = NSTemporaryDirectory() + "tributary-idempotence-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (config, client, _) = try loneNodeConfig(directory: directory)
        let clientLoop = try EventLoop(name: "idempotence-client")
        defer { clientLoop.shutdown() }
        let address = try SocketAddress(host: "127.0.0.1", port: client)

        var server = try await NodeServer.start(config: config, logger: Logger(label: "idempotence-test"))
        var connection = try await Self.connectWhenLeading(server, at: address, on: clientLoop, createTopic: true)
        let initialized = try await connection.send(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: -1))
        #expect(initialized.errorCode == 0)
        let id = initialized.producerId
        try #require(id >= 0)

        let first = try await Self.produce(connection, id: id, epoch: 0, sequence: 0, records: 2)
        #expect(first.error == 0)
        let again = try await Self.produce(connection, id: id, epoch: 0, sequence: 0, records: 2)
        #expect(again.error == 0 && again.offset == first.offset, "a duplicate is acknowledged with the original offset")
        let second = try await Self.produce(connection, id: id, epoch: 0, sequence: 2, records: 1)
        #expect(second.error == 0 && second.offset == first.offset + 2, "the next sequence follows densely")
        let gap = try await Self.produce(connection, id: id, epoch: 0, sequence: 7, records: 1)
        #expect(gap.error == ErrorCode.outOfOrderSequenceNumber.rawValue)
        let newEpochMidSequence = try await Self.produce(connection, id: id, epoch: 1, sequence: 3, records: 1)
        #expect(newEpochMidSequence.error == ErrorCode.outOfOrderSequenceNumber.rawValue)
        let newEpoch = try await Self.produce(connection, id: id, epoch: 1, sequence: 0, records: 1)
        #expect(newEpoch.error == 0 && newEpoch.offset == second.offset + 1)
        let zombie = try await Self.produce(connection, id: id, epoch: 0, sequence: 3, records: 1)
        #expect(zombie.error == ErrorCode.invalidProducerEpoch.rawValue, "the old epoch is fenced")
        connection.close()
        await server.stop()

        server = try await NodeServer.start(config: config, logger: Logger(label: "idempotence-test"))
        connection = try await Self.connectWhenLeading(server, at: address, on: clientLoop, createTopic: false)
        let afterRestart = try await Self.produce(connection, id: id, epoch: 1, sequence: 0, records: 1)
        #expect(afterRestart.error == 0 && afterRestart.offset == newEpoch.offset, "the rebuilt state still knows the batch")
        let next = try await Self.produce(connection, id: id, epoch: 1, sequence: 1, records: 1)
        #expect(next.error == 0 && next.offset > newEpoch.offset)
        let reinitialized = try await connection.send(InitProducerIdRequest(transactionalId: nil, transactionTimeoutMs: -1))
        #expect(reinitialized.errorCode == 0 && reinitialized.producerId != id, "producer ids are never handed out twice")
        connection.close()
        await server.stop()
    }

    /// Waits (bounded) until the node is registered, creates the topic if asked, and waits until
    /// the node leads its partition.
    private static func connectWhenLeading(
        _ server: NodeServer, at address: SocketAddress, on loop: EventLoop, createTopic: Bool
    ) async throws -> BrokerConnection {
        try #require(await poll { try await server.loop.submit { server.servesClients } }, "the node never became ready")
        let connection = try await BrokerConnection.connect(to: address, on: loop, options: ConnectionOptions())
        if createTopic {
            let created = try await connection.send(CreateTopicsRequest(
                topics: [.init(name: topic, numPartitions: 1, replicationFactor: 1)], timeoutMs: 10_000))
            #expect(created.topics.first?.errorCode == 0)
        }
        let leads = await poll {
            let metadata = try await connection.send(MetadataRequest(topics: [.init(name: topic)], allowAutoTopicCreation: false))
            return metadata.topics.first?.partitions.first?.leaderId == 1
        }
        try #require(leads, "the node never led the partition")
        // A leader answers a duplicate only once its term's first entry is committed (before, with
        // the retriable NOT_ENOUGH_REPLICAS_AFTER_APPEND, which a client retries): wait for that.
        let committed = await poll {
            try await server.loop.submit {
                server.groupStatuses.contains { $0.group != .controller && $0.role == .leader && $0.commitIndex == $0.lastIndex }
            }
        }
        try #require(committed, "the leader never committed its term's first entry")
        return connection
    }

    /// A batch of `records` records from producer `id`; the partition's error and base offset.
    private static func produce(
        _ connection: BrokerConnection, id: Int64, epoch: Int16, sequence: Int32, records: Int
    ) async throws -> (error: Int16, offset: Int64) {
        let batch = RecordBatchBuilder.batch(
            (0..<records).map { NewRecord(value: Array("v\(sequence)-\($0)".utf8), timestamp: 1_700_000_000_000) },
            producer: ProducerIdentity(producerId: id, producerEpoch: epoch, baseSequence: sequence))
        let response = try await connection.send(ProduceRequest(
            acks: -1, timeoutMs: 10_000,
            topicData: [.init(name: topic, partitionData: [.init(index: 0, records: batch.bytes)])]))
        let partition = try #require(response.responses.first?.partitionResponses.first)
        return (partition.errorCode, partition.baseOffset)
    }
}
