import Testing
@testable import ClusterMetadata

@Suite struct CodecTests {
    static let everyKind: [MetadataCommand] = [
        .registerNode(id: BrokerID(3), addresses: addresses(3), rack: "eu-1a"),
        .registerNode(id: BrokerID(4), addresses: addresses(4), rack: nil),
        .markNodeAlive(BrokerID(3)),
        .markNodeDown(BrokerID(3)),
        .createTopic(name: "orders", id: topicID(7), partitionCount: 12, replicationFactor: 3, configs: TopicConfigs(retentionMs: -1, segmentBytes: 1 << 24)),
        .createPartitions(topic: topicID(7), totalCount: 24),
        .deleteTopic(topicID(7)),
        .alterTopicConfigs(topic: topicID(7), update: TopicConfigUpdate(set: TopicConfigs(retentionBytes: 99), reset: [.segmentBytes, .retentionMs])),
        .decommissionNode(BrokerID(2)),
        .completeReassignment(topic: topicID(7), partition: 5, replicas: [BrokerID(1), BrokerID(3), BrokerID(4)]),
        .rebalancePreferredLeaders,
        .allocateProducerIDs(node: BrokerID(4)),
    ]

    @Test func everyCommandKindRoundTrips() throws {
        for command in Self.everyKind {
            #expect(try MetadataCommand(decoding: try command.encoded()) == command)
        }
    }

    @Test func aCommandThatBreaksTheRulesStillDecodesSoEveryReplicaRejectsItAlike() throws {
        let longAddress = NodeAddresses(peer: String(repeating: "h", count: 300), client: "h:1", admin: "h:2")
        let command = MetadataCommand.registerNode(id: BrokerID(1), addresses: longAddress, rack: nil)
        let decoded = try MetadataCommand(decoding: try command.encoded())
        #expect(decoded == command)
        var state = ClusterMetadataState()
        state.mustReject(decoded, .invalidRequest)
    }

    @Test func aCommandTooLargeForItsEncodingIsRefusedByTheEncoder() {
        let huge = NodeAddresses(peer: String(repeating: "h", count: 70_000), client: "h:1", admin: "h:2")
        #expect(throws: MetadataError.self) { try MetadataCommand.registerNode(id: BrokerID(1), addresses: huge, rack: nil).encoded() }
        let tooManyResets = TopicConfigUpdate(reset: Array(repeating: .retentionMs, count: MetadataLimits.configChangeCountMax + 1))
        #expect(throws: MetadataError.self) { try MetadataCommand.alterTopicConfigs(topic: topicID(2), update: tooManyResets).encoded() }
    }

    @Test func aFlippedBitIsCaughtByTheChecksum() throws {
        let bytes = try MetadataCommand.markNodeDown(BrokerID(1)).encoded()
        var damaged = bytes
        damaged[bytes.count - 1] ^= 0x10
        #expect(throws: MetadataDecodingError.self) { try MetadataCommand(decoding: damaged) }
    }

    @Test func truncatedOrExtendedCommandsAreRejected() throws {
        for command in Self.everyKind {
            let bytes = try command.encoded()
            for length in 0..<bytes.count {
                #expect(throws: MetadataDecodingError.self) { try MetadataCommand(decoding: Array(bytes.prefix(length))) }
            }
            #expect(throws: MetadataDecodingError.self) { try MetadataCommand(decoding: bytes + [0]) }
        }
    }

    @Test func aSnapshotIsNotACommandNorACommandASnapshot() throws {
        #expect(throws: MetadataDecodingError.self) { try MetadataCommand(decoding: cluster(nodes: 1).snapshot()) }
        #expect(throws: MetadataDecodingError.self) { try ClusterMetadataState(snapshot: try MetadataCommand.rebalancePreferredLeaders.encoded()) }
    }

    /// Random bytes, and valid commands with random bytes overwritten (their checksum fixed
    /// up, so the body decoder itself is exercised): decoding throws or yields a command that
    /// re-encodes to the same bytes; it never traps.
    @Test func garbageAndMutatedCommandsNeverCrashTheDecoder() throws {
        let seed: UInt64 = 0x5EED_C0DEC
        var random = SeededGenerator(seed: seed)
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = try? MetadataCommand(decoding: bytes)
        }
        for round in 0..<20_000 {
            var bytes = try Self.everyKind.randomElement(using: &random)!.encoded()
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            }
            let resealed = MetadataFrame.seal(kind: bytes[1], body: Array(bytes[MetadataFrame.headerBytes...]))
            if let command = try? MetadataCommand(decoding: resealed) {
                #expect(try command.encoded() == resealed, "seed \(seed) round \(round)")
            }
        }
    }

    @Test func mutatedSnapshotsAreRejectedOrDecodeToAValidState() throws {
        let seed: UInt64 = 0x5A4B
        var random = SeededGenerator(seed: seed)
        var state = cluster(nodes: 4)
        state.mustCreateTopic("a", id: 2, partitions: 5, replicationFactor: 3)
        state.mustApply(.decommissionNode(BrokerID(2)))
        state.mustApply(.allocateProducerIDs(node: BrokerID(3)))
        let snapshot = state.snapshot()
        for round in 0..<5_000 {
            var bytes = snapshot
            bytes[Int.random(in: MetadataFrame.headerBytes..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
            let resealed = MetadataFrame.seal(kind: bytes[1], body: Array(bytes[MetadataFrame.headerBytes...]))
            if let restored = try? ClusterMetadataState(snapshot: resealed) {
                #expect(restored.snapshot() == resealed, "seed \(seed) round \(round)")
            }
        }
    }

    @Test func aSnapshotWhoseNextGroupIsTheControllersIsRejected() {
        var body = MetadataWriter()
        body.write(UInt64(0))
        body.write(RaftGroupID.controller.rawValue)
        body.write(UInt32(0))
        body.write(UInt32(0))
        body.write(Int64(0))
        body.write(UInt32(0))
        let forged = MetadataFrame.seal(kind: MetadataFrame.snapshotKind, body: body.bytes)
        #expect(throws: MetadataDecodingError.self) { try ClusterMetadataState(snapshot: forged) }
    }

    @Test func exhaustedCountersFailCommandsInsteadOfTrapping() throws {
        var body = MetadataWriter()
        body.write(UInt64.max - 1)
        body.write(UInt64.max - 1)
        body.write(UInt32(1))
        body.write(Int32(1))
        for label in ["a:1", "a:2", "a:3"] { body.write(label) }
        body.write(false)
        body.write(NodeState.active.rawValue)
        body.write(true)
        body.write(UInt32(0))
        body.write(Int64.max - 1)
        body.write(UInt32(0))
        var state = try ClusterMetadataState(snapshot: MetadataFrame.seal(kind: MetadataFrame.snapshotKind, body: body.bytes))
        state.mustReject(.allocateProducerIDs(node: BrokerID(1)), .invalidRequest)
        state.mustReject(.createTopic(name: "a", id: topicID(2), partitionCount: 2, replicationFactor: 1, configs: TopicConfigs()), .invalidRequest)
        state.mustApply(.markNodeDown(BrokerID(1)))
        state.mustReject(.markNodeAlive(BrokerID(1)), .invalidRequest)
    }

    @Test func aCountLargerThanTheBytesLeftIsRejectedBeforeAllocating() {
        var body = MetadataWriter()
        body.write(UInt64(0))
        body.write(UInt64(1))
        body.write(UInt32(4_000))
        let forged = MetadataFrame.seal(kind: MetadataFrame.snapshotKind, body: body.bytes)
        #expect(throws: MetadataDecodingError.self) { try ClusterMetadataState(snapshot: forged) }
    }
}
