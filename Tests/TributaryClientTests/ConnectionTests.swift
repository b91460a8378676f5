import KafkaProtocol
import Testing
import Transport
@testable import TributaryClient

/// Runs `body` with a stub cluster and a client bootstrapped to it, then closes both.
func withStubClient<Result>(
    nodeCount: Int = 2, options: ClientOptions = ClientOptions(retryBackoff: .milliseconds(1), retryBackoffMax: .milliseconds(5)),
    _ body: (StubCluster, KafkaClient) async throws -> Result
) async throws -> Result {
    let cluster = try await StubCluster(nodeCount: nodeCount)
    defer { cluster.shutdown() }
    let client = try KafkaClient(bootstrapServers: try await cluster.bootstrapServers, options: options)
    do {
        let result = try await body(cluster, client)
        await client.close()
        return result
    } catch {
        await client.close()
        throw error
    }
}

@Suite struct ConnectionTests {
    @Test func versionsAreTheMinimumOfOursAndTheBrokers() async throws {
        try await withStubClient { _, client in
            let connection = try await client.anyConnection()
            for (api, ours) in ApiVersionRanges.client.ranges {
                #expect(try connection.version(of: api) == min(ours.upperBound, api.supportedVersions.upperBound))
            }
            #expect(throws: KafkaClientError.self) { try connection.version(of: .describeGroups) }
        }
    }

    @Test func aBrokerRejectingOurApiVersionsVersionIsAskedAgainWithOneItSupports() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { model in
                model.script = { model, _, request in
                    guard request.body.apiKey == .apiVersions, request.header.apiVersion > 2 else { return .answer }
                    // An older broker answers in v0: the error and the versions it has.
                    let rejection = ApiVersionsResponse(
                        errorCode: ErrorCode.unsupportedVersion.rawValue,
                        apiKeys: [.init(apiKey: ApiKey.apiVersions.rawValue, minVersion: 0, maxVersion: 2)])
                    return .respond(KafkaFrame.response(rejection, version: 0, correlationId: request.header.correlationId))
                }
            }
            let connection = try await client.anyConnection()
            #expect(try connection.version(of: .metadata) == 12)
            let versions = try await cluster.withModel { $0.requestLog.filter { $0.apiKey == .apiVersions }.map(\.apiVersion) }
            #expect(versions == [3, 2])
        }
    }

    @Test func pipelinedRequestsGetTheirOwnResponses() async throws {
        try await withStubClient { cluster, client in
            try await cluster.withModel { $0.createTopic("a", partitionCount: 1); $0.createTopic("b", partitionCount: 4) }
            let connection = try await client.anyConnection()
            let counts = try await withThrowingTaskGroup(of: (String, Int).self) { group in
                for index in 0..<40 {
                    let name = index % 2 == 0 ? "a" : "b"
                    group.addTask {
                        let response = try await connection.send(MetadataRequest(topics: [.init(name: name)]))
                        return (name, response.topics.first?.partitions.count ?? -1)
                    }
                }
                return try await group.reduce(into: [:]) { $0[$1.0, default: Set()].insert($1.1) }
            }
            #expect(counts == ["a": [1], "b": [4]])
        }
    }

    @Test func aBrokerClosingTheConnectionFailsTheOutstandingRequest() async throws {
        try await withStubClient { cluster, client in
            let connection = try await client.anyConnection()
            try await cluster.withModel { $0.script = { _, _, _ in .close } }
            let error = await #expect(throws: KafkaClientError.self) {
                try await connection.send(MetadataRequest(topics: []))
            }
            #expect(error?.kind == .connectionClosed)
            let after = await #expect(throws: KafkaClientError.self) {
                try await connection.send(MetadataRequest(topics: []))
            }
            #expect(after?.kind == .connectionClosed)
        }
    }

    @Test func garbageResponsesFailTheRequestAndCloseTheConnection() async throws {
        try await withStubClient { cluster, client in
            let connection = try await client.anyConnection()
            try await cluster.withModel { $0.script = { _, _, _ in .garbage } }
            let error = await #expect(throws: KafkaClientError.self) {
                try await connection.send(MetadataRequest(topics: []))
            }
            #expect(error?.kind == .malformedResponse)
            try await cluster.withModel { $0.script = nil }
            let after = await #expect(throws: KafkaClientError.self) {
                try await connection.send(MetadataRequest(topics: []))
            }
            #expect(after?.kind == .connectionClosed)
        }
    }

    @Test func aResponseWithAnUnexpectedCorrelationIdClosesTheConnection() async throws {
        try await withStubClient { cluster, client in
            let connection = try await client.anyConnection()
            try await cluster.withModel { $0.script = { _, _, _ in .wrongCorrelationId } }
            let error = await #expect(throws: KafkaClientError.self) {
                try await connection.send(MetadataRequest(topics: []))
            }
            #expect(error?.kind == .malformedResponse)
        }
    }

    @Test func anUnansweredRequestTimesOut() async throws {
        let options = ClientOptions(connection: ConnectionOptions(requestTimeout: .milliseconds(50),
                                                                  timeoutCheckInterval: .milliseconds(10)))
        try await withStubClient(options: options) { cluster, client in
            let connection = try await client.anyConnection()
            try await cluster.withModel { $0.script = { _, _, _ in .silent } }
            let error = await #expect(throws: KafkaClientError.self) {
                try await connection.send(MetadataRequest(topics: []))
            }
            #expect(error?.kind == .timedOut)
        }
    }

    @Test func aClientClosedConnectionIsReplacedOnNextUse() async throws {
        try await withStubClient { _, client in
            let first = try await client.anyConnection()
            first.close()
            let error = await #expect(throws: KafkaClientError.self) { try await first.send(MetadataRequest(topics: [])) }
            #expect(error?.kind == .closed)
            let metadata = try await client.refreshMetadata(topics: [])
            #expect(metadata.brokers.count == 2)
        }
    }

    @Test func bootstrapListsAreParsed() throws {
        let parsed = try BrokerAddress.parseList("localhost:9092, 10.0.0.1:19092,[::1]:9093")
        #expect(parsed == [BrokerAddress(host: "localhost", port: 9092), BrokerAddress(host: "10.0.0.1", port: 19092),
                           BrokerAddress(host: "::1", port: 9093)])
        #expect(throws: KafkaClientError.self) { try BrokerAddress.parseList("nohost") }
        #expect(throws: KafkaClientError.self) { try BrokerAddress.parseList(" , ") }
        #expect(try BrokerAddress(host: "localhost", port: 1).resolved().port == 1)
    }
}
