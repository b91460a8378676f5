import KafkaProtocol
import Testing

/// Every implemented API, every implemented version, requests and responses: writing a random
/// value and reading it back gives the same value and uses every byte.
@Suite struct MessageRoundTripTests {
    static let seedsPerVersion: UInt64 = 40

    @Test("every request and response round-trips in every implemented version",
          arguments: ApiKey.allCases)
    func roundTripsEveryVersion(apiKey: ApiKey) throws {
        let entry = try #require(allMessageTypes.first { $0.apiKey == apiKey })
        for version in apiKey.supportedVersions {
            for seed in 0..<Self.seedsPerVersion {
                try checkRoundTrip(entry.request, version: version, seed: seed)
                try checkRoundTrip(entry.response, version: version, seed: seed)
            }
        }
    }

    @Test("every API has a request and a response type and a flexible version within range")
    func everyApiIsGenerated() {
        #expect(allMessageTypes.count == ApiKey.allCases.count)
        for entry in allMessageTypes {
            #expect(entry.request.apiKey == entry.apiKey)
            #expect(entry.response.apiKey == entry.apiKey)
            #expect(entry.apiKey.supportedVersions.contains(entry.apiKey.flexibleVersionMin))
        }
    }

    @Test("produce v0 to v2 stay implemented for librdkafka's compressed produce (KAFKA-18659)")
    func produceKeepsOldVersions() {
        #expect(ApiKey.produce.supportedVersions.lowerBound == 0)
    }

    private func checkRoundTrip<Message: ArbitraryMessage>(_: Message.Type, version: Int16, seed: UInt64) throws {
        var random = TestRandom(seed: seed &* 7919 &+ UInt64(version))
        let original = Message.arbitrary(version: version, using: &random)
        var writer = ByteWriter()
        original.encode(into: &writer, version: version)
        var reader = ByteReader(writer.bytes)
        let decoded = try Message(from: &reader, version: version)
        #expect(decoded == original, "\(Message.self) v\(version) seed \(seed)")
        #expect(reader.remainingByteCount == 0, "\(Message.self) v\(version) seed \(seed): bytes left")
    }
}
