import KafkaProtocol
import Testing

/// The consumer protocol's payloads, which clients carry inside JoinGroup and SyncGroup.
@Suite struct ConsumerProtocolTests {
    @Test("subscriptions and assignments round-trip in every version")
    func payloadsRoundTrip() throws {
        for type in allDataTypes {
            try roundTrip(type)
        }
    }

    private func roundTrip<Payload: ArbitraryData>(_: Payload.Type) throws {
        for version in Payload.supportedVersions {
            for seed in UInt64(0)..<40 {
                var random = TestRandom(seed: seed &* 31 &+ UInt64(version))
                let original = Payload.arbitrary(version: version, using: &random)
                let decoded = try Payload(versionPrefixed: original.versionPrefixedBytes(version: version))
                #expect(decoded == original, "\(Payload.self) v\(version) seed \(seed)")
            }
        }
    }

    @Test("the JoinGroup metadata librdkafka and kafka-python send is a subscription to capture-topic")
    func realClientsSubscriptionsDecode() throws {
        for name in ["confluent_JoinGroup_v5", "kafkapython_JoinGroup_v7"] {
            guard case .joinGroup(let join) = try FixtureTests.decode(name).body else {
                Issue.record("\(name) is not JoinGroup")
                continue
            }
            for proposal in join.protocols {
                let subscription = try ConsumerProtocolSubscription(versionPrefixed: proposal.metadata)
                #expect(subscription.topics == ["capture-topic"], "\(name) \(proposal.name)")
            }
        }
    }

    @Test("a payload from a newer version is read with the newest known layout, ignoring what follows")
    func newerVersionsAreReadForwardCompatibly() throws {
        let subscription = ConsumerProtocolSubscription(topics: ["t"], userData: nil, ownedPartitions: [],
                                                        generationId: 4, rackId: "r1")
        var bytes = subscription.versionPrefixedBytes(version: 3)
        bytes[1] = 9  // a future version with a field appended
        bytes += [0, 0, 0, 1]
        #expect(try ConsumerProtocolSubscription(versionPrefixed: bytes) == subscription)
        #expect(throws: KafkaDecodingError.self) { try ConsumerProtocolSubscription(versionPrefixed: [0xFF, 0xFF]) }
    }
}
