import KafkaProtocol

/// The versions of each API this client's code is written for, and their negotiation with a
/// broker's ApiVersions answer.
///
/// These are narrower than `ApiKey.supportedVersions` (what the codec can encode) where a newer
/// version changes what the client must send: Fetch v13+ and DeleteTopics v6+ name topics by id,
/// FindCoordinator v4+ batches keys, OffsetFetch v8+ batches groups. Produce starts at v3, the first that carries record batch v2.
public struct ApiVersionRanges: Sendable, Equatable {
    /// The range per API; an API absent here is not used by the client.
    public private(set) var ranges: [ApiKey: ClosedRange<Int16>]

    /// Makes a table from explicit ranges.
    public init(_ ranges: [ApiKey: ClosedRange<Int16>]) {
        self.ranges = ranges
    }

    /// What this client implements.
    public static let client = ApiVersionRanges([
        .apiVersions: 0...3,
        .metadata: 1...12,
        .produce: 3...11,
        .fetch: 4...12,
        .listOffsets: 1...7,
        .initProducerId: 0...4,
        .createTopics: 2...7,
        .deleteTopics: 1...5,
        .createPartitions: 0...3,
        .deleteRecords: 0...2,
        .findCoordinator: 1...3,
        .joinGroup: 1...9,
        .syncGroup: 1...5,
        .heartbeat: 1...4,
        .leaveGroup: 1...5,
        .offsetCommit: 2...8,
        .offsetFetch: 1...7,
    ])

    /// The version to use per API against a broker: the highest version both sides support,
    /// that is `min(ours.max, broker.max)` when it is at least both minimums.
    /// - Parameter broker: the broker's ApiVersions entries.
    /// - Returns: one version per API both sides share; APIs without overlap are left out.
    public func negotiated(with broker: [ApiVersionsResponse.ApiVersion]) -> [ApiKey: Int16] {
        var versions: [ApiKey: Int16] = [:]
        for entry in broker {
            guard let key = ApiKey(rawValue: entry.apiKey), let ours = ranges[key] else { continue }
            let version = min(ours.upperBound, entry.maxVersion)
            if version >= max(ours.lowerBound, entry.minVersion) { versions[key] = version }
        }
        return versions
    }
}
