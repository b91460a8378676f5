import KafkaProtocol
import TributaryClient

/// A connection for the admin requests that ``KafkaClient`` does not negotiate (ListGroups,
/// DescribeGroups, IncrementalAlterConfigs, UnregisterBroker): it offers the client's table plus those, and says
/// clearly when the broker does not serve the one wanted.
enum AdminConnection {
    /// The client's API table and the admin APIs only the CLI sends, at versions the codec has.
    static let apiRanges: ApiVersionRanges = {
        var ranges = ApiVersionRanges.client.ranges
        ranges[.listGroups] = 0...4
        ranges[.describeGroups] = 0...5
        ranges[.incrementalAlterConfigs] = 0...1
        ranges[.unregisterBroker] = 0...0
        for (key, range) in ranges {
            precondition(key.supportedVersions.contains(range.lowerBound) && key.supportedVersions.contains(range.upperBound),
                         "the CLI offers \(key) v\(range) but the codec implements v\(key.supportedVersions)")
        }
        return ApiVersionRanges(ranges)
    }()

    /// Opens a connection to `address` and checks that it serves `api`.
    /// - Parameters:
    ///   - api: the request about to be sent.
    ///   - name: the request's Kafka name for the error (`ListGroups`).
    ///   - address: the broker.
    ///   - client: whose loop and connection options to use.
    /// - Throws: ``CommandFailure`` when the broker does not advertise `api`; the client's
    ///   errors when it cannot connect.
    static func open(
        serving api: ApiKey, named name: String, at address: BrokerAddress, client: KafkaClient
    ) async throws -> BrokerConnection {
        let connection = try await BrokerConnection.connect(
            to: try address.resolved(), on: client.loop, options: client.options.connection, apiRanges: apiRanges)
        guard connection.versions[api] != nil else {
            connection.close()
            throw CommandFailure("the cluster does not serve \(name) yet (broker \(address) does not advertise it in ApiVersions)")
        }
        return connection
    }

    /// The addresses of every broker the metadata names, by node id.
    static func brokers(of client: KafkaClient) async throws -> [(nodeId: Int32, address: BrokerAddress)] {
        let metadata = try await client.refreshMetadata(topics: [])
        return metadata.brokers.values.sorted { $0.nodeId < $1.nodeId }.compactMap { broker in
            UInt16(exactly: broker.port).map { (broker.nodeId, BrokerAddress(host: broker.host, port: $0)) }
        }
    }
}
