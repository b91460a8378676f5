import Foundation
import KafkaProtocol
import Testing

/// Request frames captured byte for byte from kcat 1.7.1 (librdkafka 2.0.2), confluent-kafka
/// 2.16.1 (librdkafka 2.16.0) and kafka-python 3.0.12 by Fixtures/capture.py.
@Suite struct FixtureTests {
    static let directory = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!

    static let names: [String] = (try? FileManager.default.contentsOfDirectory(atPath: directory.path))?
        .filter { $0.hasSuffix(".hex") }.map { String($0.dropLast(4)) }.sorted() ?? []

    static func frameBody(_ name: String) throws -> [UInt8] {
        let text = try String(contentsOf: directory.appendingPathComponent("\(name).hex"), encoding: .utf8)
        let hex = Array(text.trimmingCharacters(in: .whitespacesAndNewlines).utf8)
        try #require(hex.count % 2 == 0, "\(name): odd hex length")
        return try stride(from: 0, to: hex.count, by: 2).map { index in
            try #require(UInt8(String(decoding: hex[index..<index + 2], as: UTF8.self), radix: 16), "\(name): bad hex")
        }
    }

    static func decode(_ name: String) throws -> DecodedRequest {
        try RequestDecoder.decode(frameBody: try frameBody(name))
    }

    @Test("the three clients' captures are all present")
    func capturesArePresent() {
        #expect(Self.names.count >= 29)
        for client in ["kcat", "confluent", "kafkapython"] {
            #expect(Self.names.contains { $0.hasPrefix("\(client)_ApiVersions_") }, "\(client)")
            #expect(Self.names.contains { $0.hasPrefix("\(client)_Produce_") }, "\(client)")
            #expect(Self.names.contains { $0.hasPrefix("\(client)_Fetch_") }, "\(client)")
        }
    }

    @Test("every captured frame decodes with the api, version and client id its name states, and re-encodes to the same bytes",
          arguments: names)
    func decodesAndReencodesExactly(name: String) throws {
        let parts = name.split(separator: "_")
        try #require(parts.count == 3)
        let body = try Self.frameBody(name)
        let request = try RequestDecoder.decode(frameBody: body)
        #expect("\(request.body.apiKey)".lowercased() == parts[1].lowercased())
        #expect("v\(request.header.apiVersion)" == parts[2])
        #expect(request.header.clientId?.hasPrefix("capture-") == true)

        var writer = ByteWriter()
        let headerVersion: Int16 = request.body.apiKey.isFlexible(request.header.apiVersion) ? 2 : 1
        request.header.encode(into: &writer, headerVersion: headerVersion)
        request.body.encode(into: &writer, version: request.header.apiVersion)
        #expect(writer.bytes == body, "\(name) re-encodes differently")
    }

    @Test("ApiVersions requests name each client's software")
    func apiVersionsNameTheSoftware() throws {
        let expected = [("kcat_ApiVersions_v3", "librdkafka", "2.0.2"),
                        ("confluent_ApiVersions_v3", "confluent-kafka-python", "2.16.1-rdkafka-2.16.0"),
                        ("kafkapython_ApiVersions_v4", "kafka-python", "3.0.12")]
        for (name, software, version) in expected {
            guard case .apiVersions(let body) = try Self.decode(name).body else {
                Issue.record("\(name) is not ApiVersions")
                continue
            }
            #expect(body.clientSoftwareName == software)
            #expect(body.clientSoftwareVersion == version)
        }
    }

    @Test("produce requests carry one v2 record batch for capture-topic partition 0 with the acks asked for")
    func produceRequestsCarryABatch() throws {
        for (name, acks) in [("kcat_Produce_v7", Int16(-1)), ("confluent_Produce_v10", -1), ("kafkapython_Produce_v9", 1)] {
            guard case .produce(let body) = try Self.decode(name).body else {
                Issue.record("\(name) is not Produce")
                continue
            }
            #expect(body.acks == acks, "\(name)")
            #expect(body.transactionalId == nil, "\(name)")
            let topic = try #require(body.topicData.first)
            #expect(topic.name == "capture-topic")
            let partition = try #require(topic.partitionData.first)
            #expect(partition.index == 0)
            let records = try #require(partition.records)
            // Record batch v2: baseOffset(8) batchLength(4) partitionLeaderEpoch(4) magic(1).
            try #require(records.count > 61, "\(name): batch too short")
            #expect(records[16] == 2, "\(name): magic")
        }
    }

    @Test("fetch requests ask capture-topic partition 0 from offset 5, by id from v13 on")
    func fetchRequestsAskFromOffsetFive() throws {
        for name in ["kcat_Fetch_v11", "confluent_Fetch_v16", "kafkapython_Fetch_v12"] {
            let request = try Self.decode(name)
            guard case .fetch(let body) = request.body else {
                Issue.record("\(name) is not Fetch")
                continue
            }
            let topic = try #require(body.topics.first)
            if request.header.apiVersion >= 13 {
                #expect(topic.topicId == KafkaUUID(high: 0x5a1e_5c0f_fee0_4000, low: 0x8000_1234_5678_90ab))
            } else {
                #expect(topic.topic == "capture-topic")
            }
            #expect(topic.partitions.first?.fetchOffset == 5, "\(name)")
        }
    }

    @Test("list offsets requests ask for the earliest offset")
    func listOffsetsAskEarliest() throws {
        for name in ["kcat_ListOffsets_v2", "kafkapython_ListOffsets_v10"] {
            guard case .listOffsets(let body) = try Self.decode(name).body else {
                Issue.record("\(name) is not ListOffsets")
                continue
            }
            #expect(body.topics.first?.name == "capture-topic")
            #expect(body.topics.first?.partitions.first?.timestamp == -2, "\(name): -2 means earliest")
        }
    }

    @Test("group requests name capture-group")
    func groupRequestsNameTheGroup() throws {
        guard case .findCoordinator(let v2) = try Self.decode("confluent_FindCoordinator_v2").body,
              case .findCoordinator(let v6) = try Self.decode("kafkapython_FindCoordinator_v6").body,
              case .joinGroup(let join5) = try Self.decode("confluent_JoinGroup_v5").body,
              case .joinGroup(let join7) = try Self.decode("kafkapython_JoinGroup_v7").body else {
            Issue.record("unexpected request types")
            return
        }
        #expect(v2.key == "capture-group")
        #expect(v6.coordinatorKeys == ["capture-group"])
        for join in [join5, join7] {
            #expect(join.groupId == "capture-group")
            #expect(join.protocolType == "consumer")
            #expect(join.memberId == "")
            #expect(!join.protocols.isEmpty)
        }
    }

    @Test("admin requests carry the topic, partition and offset arguments given")
    func adminRequestsCarryTheirArguments() throws {
        for name in ["confluent_CreateTopics_v4", "kafkapython_CreateTopics_v7"] {
            guard case .createTopics(let body) = try Self.decode(name).body else {
                Issue.record("\(name) is not CreateTopics")
                continue
            }
            #expect(body.topics.map(\.name) == ["capture-new-topic"], "\(name)")
            #expect(body.topics.first?.numPartitions == 3)
            #expect(body.topics.first?.replicationFactor == 1)
        }
        if case .createPartitions(let body) = try Self.decode("kafkapython_CreatePartitions_v3").body {
            #expect(body.topics.first?.name == "capture-topic")
            #expect(body.topics.first?.count == 4)
        } else { Issue.record("CreatePartitions") }
        if case .deleteRecords(let body) = try Self.decode("kafkapython_DeleteRecords_v2").body {
            #expect(body.topics.first?.partitions.first?.offset == 3)
        } else { Issue.record("DeleteRecords") }
        if case .deleteTopics(let body) = try Self.decode("confluent_DeleteTopics_v4").body {
            #expect(body.topicNames == ["capture-topic"])
        } else { Issue.record("DeleteTopics v4") }
        if case .deleteTopics(let body) = try Self.decode("kafkapython_DeleteTopics_v6").body {
            #expect(body.topics.first?.name == "capture-topic")
        } else { Issue.record("DeleteTopics v6") }
        for name in ["confluent_DescribeConfigs_v1", "kafkapython_DescribeConfigs_v4"] {
            guard case .describeConfigs(let body) = try Self.decode(name).body else {
                Issue.record("\(name) is not DescribeConfigs")
                continue
            }
            #expect(body.resources.first?.resourceType == 2, "\(name): 2 is TOPIC")
            #expect(body.resources.first?.resourceName == "capture-topic")
        }
    }

    @Test("the idempotent producer asks for a new producer id")
    func initProducerIdAsksForANewId() throws {
        guard case .initProducerId(let body) = try Self.decode("confluent_InitProducerId_v4").body else {
            Issue.record("not InitProducerId")
            return
        }
        #expect(body.transactionalId == nil)
        #expect(body.producerId == -1)
        #expect(body.producerEpoch == -1)
    }
}
