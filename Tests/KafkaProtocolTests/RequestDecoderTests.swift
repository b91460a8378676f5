import KafkaProtocol
import Testing

@Suite struct RequestDecoderTests {
    /// A frame body (no size prefix) for `body` at `version`.
    private func frameBody<Request: KafkaRequestMessage>(_ body: Request, version: Int16, correlationId: Int32 = 7) -> [UInt8] {
        Array(KafkaFrame.request(body, version: version, correlationId: correlationId, clientId: "test-client")
            .dropFirst(KafkaFrame.sizePrefixByteCount))
    }

    @Test("every API at every implemented version decodes to its header and body", arguments: ApiKey.allCases)
    func decodesEveryApiAndVersion(apiKey: ApiKey) throws {
        let entry = try #require(allMessageTypes.first { $0.apiKey == apiKey })
        for version in apiKey.supportedVersions {
            var random = TestRandom(seed: UInt64(version))
            try checkDecodes(entry.request, version: version, random: &random)
        }
    }

    private func checkDecodes<Message: ArbitraryMessage>(_: Message.Type, version: Int16, random: inout TestRandom) throws {
        let body = Message.arbitrary(version: version, using: &random)
        var writer = ByteWriter()
        let header = RequestHeader(apiKey: Message.apiKey.rawValue, apiVersion: version, correlationId: 99, clientId: nil)
        header.encode(into: &writer, headerVersion: Message.apiKey.isFlexible(version) ? 2 : 1)
        body.encode(into: &writer, version: version)
        let decoded = try RequestDecoder.decode(frameBody: writer.bytes)
        #expect(decoded.header == header)
        var expected = ByteWriter()
        decoded.body.encode(into: &expected, version: version)
        var original = ByteWriter()
        body.encode(into: &original, version: version)
        #expect(expected.bytes == original.bytes, "\(Message.self) v\(version)")
    }

    @Test("a flexible request uses header v2 and keeps the client id a classic string")
    func flexibleRequestsUseHeaderV2() throws {
        let bytes = frameBody(HeartbeatRequest(groupId: "g", generationId: 3, memberId: "m"), version: 4)
        // api key 12, version 4, correlation id 7, client id as int16 length + bytes, then the empty tag section.
        #expect(Array(bytes[0..<10]) == [0, 12, 0, 4, 0, 0, 0, 7, 0, 11])
        #expect(bytes[21] == 0)
        let decoded = try RequestDecoder.decode(frameBody: bytes)
        #expect(decoded.header.clientId == "test-client")
        #expect(decoded.body == .heartbeat(HeartbeatRequest(groupId: "g", generationId: 3, memberId: "m")))
    }

    @Test("an implemented API at a version beyond the table is reported with its correlation id")
    func unsupportedVersionIsReported() {
        var bytes = frameBody(ApiVersionsRequest(), version: 0, correlationId: 41)
        bytes[3] = 9  // api version 9
        #expect(throws: RequestDecodingError.unsupportedVersion(apiKey: .apiVersions, apiVersion: 9, correlationId: 41)) {
            try RequestDecoder.decode(frameBody: bytes)
        }
    }

    @Test("an API that is not implemented is reported, not decoded")
    func unknownApiIsReported() {
        var bytes = frameBody(ApiVersionsRequest(), version: 0, correlationId: 5)
        bytes[1] = 17  // SaslHandshake
        #expect(throws: RequestDecodingError.unsupportedApi(apiKey: 17, apiVersion: 0, correlationId: 5)) {
            try RequestDecoder.decode(frameBody: bytes)
        }
    }

    @Test("truncated requests and trailing bytes are malformed")
    func truncationAndTrailingBytesAreMalformed() {
        let bytes = frameBody(MetadataRequest(topics: [.init(name: "t")]), version: 4)
        for length in [0, 3, 8, bytes.count - 1] {
            #expect(throws: RequestDecodingError.self) { try RequestDecoder.decode(frameBody: Array(bytes.prefix(length))) }
        }
        let error = #expect(throws: RequestDecodingError.self) { try RequestDecoder.decode(frameBody: bytes + [0]) }
        guard case .malformed = error else {
            Issue.record("expected malformed, got \(String(describing: error))")
            return
        }
    }

    @Test("the ApiVersions answer advertises exactly the implemented table")
    func apiVersionsAdvertiseTheTable() throws {
        let response = ApiVersionsResponse.advertising()
        #expect(response.errorCode == ErrorCode.noError.rawValue)
        #expect(response.apiKeys.count == ApiKey.allCases.count)
        for apiKey in ApiKey.allCases {
            let entry = try #require(response.apiKeys.first { $0.apiKey == apiKey.rawValue })
            #expect(entry.minVersion...entry.maxVersion == apiKey.supportedVersions)
        }
        let unsupported = ApiVersionsResponse.advertising(errorCode: .unsupportedVersion)
        #expect(unsupported.errorCode == 35)
    }

    @Test("ApiVersions responses use header v0 even in flexible versions; others v1 when flexible")
    func responseHeaderVersions() throws {
        #expect(ResponseHeader.version(apiKey: .apiVersions, apiVersion: 3) == 0)
        #expect(ResponseHeader.version(apiKey: .metadata, apiVersion: 8) == 0)
        #expect(ResponseHeader.version(apiKey: .metadata, apiVersion: 9) == 1)
        let frame = KafkaFrame.response(ApiVersionsResponse.advertising(), version: 3, correlationId: 12)
        // size, correlation id, then straight into the body's error code (no tag section in header v0).
        #expect(Array(frame[4..<10]) == [0, 0, 0, 12, 0, 0])
        let decoded = try KafkaFrame.decodeResponse(ApiVersionsResponse.self, frameBody: Array(frame.dropFirst(4)), version: 3)
        #expect(decoded.header.correlationId == 12)
        #expect(decoded.body == ApiVersionsResponse.advertising())
    }

    @Test("frame sizes are read and bounded by requestFrameBytesMax")
    func frameSizesAreBounded() throws {
        #expect(try KafkaFrame.bodyByteCount(sizePrefix: [0, 0, 1, 0], frameBytesMax: 1024) == 256)
        #expect(throws: KafkaDecodingError.self) { try KafkaFrame.bodyByteCount(sizePrefix: [0, 0, 4, 1], frameBytesMax: 1024) }
        #expect(throws: KafkaDecodingError.self) { try KafkaFrame.bodyByteCount(sizePrefix: [0xFF, 0, 0, 0], frameBytesMax: 1024) }
        #expect(throws: KafkaDecodingError.self) { try KafkaFrame.bodyByteCount(sizePrefix: [0, 0], frameBytesMax: 1024) }
        let frame = KafkaFrame.request(ListGroupsRequest(), version: 0, correlationId: 1, clientId: nil)
        #expect(try KafkaFrame.bodyByteCount(sizePrefix: frame, frameBytesMax: 1024) == frame.count - 4)
    }

    @Test("error codes carry Kafka's numbers and names")
    func errorCodesMatchKafka() {
        #expect(ErrorCode.notLeaderOrFollower.rawValue == 6)
        #expect(ErrorCode.unsupportedVersion.rawValue == 35)
        #expect(ErrorCode.outOfOrderSequenceNumber.rawValue == 45)
        #expect(ErrorCode.unknownProducerId.rawValue == 59)
        #expect(ErrorCode.notLeaderOrFollower.description == "NOT_LEADER_OR_FOLLOWER")
        #expect(Set(ErrorCode.named.map(\.rawValue)).count == ErrorCode.named.count)
        #expect(Set(ErrorCode.named.map(\.description)).count == ErrorCode.named.count)
    }
}
