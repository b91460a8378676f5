import TOMLKit

/// A configuration that cannot be used, with a message that names the setting and the fix.
public struct ConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, for the operator.
    public let message: String

    init(_ message: String) { self.message = message }

    public var description: String { message }
}

extension NodeConfig {
    /// Builds a configuration from TOML text, then applies `overrides` in order.
    ///
    /// - Parameters:
    ///   - toml: The configuration file's text.
    ///   - overrides: `dotted.key=value` settings from the command line; a value is read as TOML
    ///     (`raft.tick_ms=20`, `kafka.auto_create_topics=false`) and as a plain string otherwise
    ///     (`data_dir=/srv/tributary`).
    /// - Returns: A configuration with defaults filled in and every relation checked.
    /// - Throws: ``ConfigError`` naming the offending setting.
    public static func load(toml: String, overrides: [String] = []) throws -> NodeConfig {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: toml)
        } catch let error as TOMLParseError {
            throw ConfigError("invalid TOML \(error.source.debugDescription): \(error.description)")
        }
        for override in overrides { try apply(override: override, to: table) }
        try checkUnsafeTesting(in: table)
        let file: ConfigFile
        do {
            file = try TOMLDecoder(strictDecoding: true).decode(ConfigFile.self, from: table)
        } catch let error as UnexpectedKeysError {
            let names = error.keys.keys.sorted().joined(separator: ", ")
            throw ConfigError("unknown setting(s): \(names) (see cluster/example/node.toml)")
        } catch let error as DecodingError {
            throw ConfigError(describe(error))
        }
        return try file.resolve()
    }

    /// `[unsafe_testing]` takes only `true` or `false`: anything else is an error naming the
    /// setting (a typo must neither turn a test-only setting on nor silently leave it off).
    /// Checked on the table because the decoder's message for a non-boolean is obscure.
    private static func checkUnsafeTesting(in root: TOMLTable) throws {
        guard let section = root["unsafe_testing"] else { return }
        guard let table = section.table else {
            throw ConfigError("unsafe_testing must be a section ([unsafe_testing]), not a value")
        }
        for (key, value) in table where value.bool == nil {
            throw ConfigError("unsafe_testing.\(key) must be true or false, not \(value.debugDescription)")
        }
    }

    private static func apply(override: String, to root: TOMLTable) throws {
        guard let equals = override.firstIndex(of: "="), equals != override.startIndex else {
            throw ConfigError("override '\(override)' is not of the form key=value")
        }
        let path = override[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard path.allSatisfy({ !$0.isEmpty }) else {
            throw ConfigError("override '\(override)' has an empty key part")
        }
        let text = String(override[override.index(after: equals)...])
        let value: TOMLValueConvertible = (try? TOMLTable(string: "v = \(text)"))?["v"] ?? text
        var table = root
        for key in path.dropLast() {
            if table[key] == nil { table[key] = TOMLTable() }
            guard let next = table[key]?.table else {
                throw ConfigError("override '\(override)': '\(key)' is not a section")
            }
            table = next
        }
        table[path[path.count - 1]] = value
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            context.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let prefix = path(context)
            return "missing setting '\(prefix.isEmpty ? "" : prefix + ".")\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            return "setting '\(path(context))': \(context.debugDescription)"
        @unknown default:
            return "invalid configuration: \(error)"
        }
    }
}

/// The file as written: every setting but the node's identity may be left out.
private struct ConfigFile: Decodable {
    var node_id: Int32
    var cluster_id: String?
    var data_dir: String
    var listen: ListenSection
    var advertise: AdvertiseSection?
    var controller: ControllerSection
    var raft: RaftSection?
    var log: LogSection?
    var kafka: KafkaSection?
    var unsafe_testing: UnsafeTestingSection?

    struct ListenSection: Decodable { var peer: String; var client: String; var admin: String }
    struct AdvertiseSection: Decodable { var peer: String?; var client: String?; var admin: String? }
    struct ControllerSection: Decodable { var voters: [String] }
    struct RaftSection: Decodable {
        var tick_ms: Int?
        var election_timeout_ms: Int?
        var heartbeat_interval_ms: Int?
        var leader_balance_interval_ms: Int?
        var leader_balance_cooldown_ms: Int?
        var leader_balance_transfers_max: Int?
    }
    struct LogSection: Decodable {
        var segment_bytes: Int64?
        var segment_ms: Int64?
        var retention_ms: Int64?
        var retention_bytes: Int64?
        var scrub_bytes_per_second: Int64?
        var scrub_interval_ms: Int64?
        var syncfs_min_partitions: Int?
        var retention_check_interval_ms: Int64?
    }
    struct KafkaSection: Decodable {
        var auto_create_topics: Bool?
        var default_partitions: Int32?
        var default_replication_factor: Int16?
    }

    /// TEST-ONLY; see ``NodeConfig/UnsafeTesting``. Booleans only: a typo'd value is an error,
    /// never a silent "off" or "on".
    struct UnsafeTestingSection: Decodable {
        var simulated_power_loss: Bool?
        var ack_before_commit: Bool?
    }

    func resolve() throws -> NodeConfig {
        guard node_id >= 0 else { throw ConfigError("node_id must be 0 or more, not \(node_id)") }
        guard !data_dir.isEmpty else { throw ConfigError("data_dir must not be empty") }
        let clusterID = cluster_id ?? "tributary"
        guard !clusterID.isEmpty, clusterID.utf8.count <= 64 else {
            throw ConfigError("cluster_id must be 1 to 64 bytes")
        }
        let listen = NodeConfig.Listeners(
            peer: try address(listen.peer, "listen.peer"),
            client: try address(listen.client, "listen.client"),
            admin: try address(listen.admin, "listen.admin"))
        let advertised = NodeConfig.Listeners(
            peer: try advertise?.peer.map { try address($0, "advertise.peer") } ?? listen.peer,
            client: try advertise?.client.map { try address($0, "advertise.client") } ?? listen.client,
            admin: try advertise?.admin.map { try address($0, "advertise.admin") } ?? listen.admin)
        let timing = try resolveRaft()
        return NodeConfig(
            nodeID: node_id, clusterID: clusterID, dataDirectory: data_dir,
            listen: listen, advertised: advertised,
            controllerVoters: try resolveVoters(),
            raft: timing, leaderBalance: try resolveLeaderBalance(electionTimeoutMs: timing.electionTimeoutMs),
            log: try resolveLog(), kafka: try resolveKafka(),
            unsafeTesting: NodeConfig.UnsafeTesting(
                simulatedPowerLoss: unsafe_testing?.simulated_power_loss ?? false,
                ackBeforeCommit: unsafe_testing?.ack_before_commit ?? false))
    }

    private func address(_ text: String, _ key: String) throws -> HostPort {
        guard let parsed = HostPort(parsing: text) else {
            throw ConfigError("\(key) = '\(text)' is not an address of the form host:port")
        }
        return parsed
    }

    private func resolveVoters() throws -> [NodeConfig.ControllerVoter] {
        let voters = try controller.voters.map { entry -> NodeConfig.ControllerVoter in
            let parts = entry.split(separator: "@", maxSplits: 1)
            guard parts.count == 2, let id = Int32(parts[0]), id >= 0 else {
                throw ConfigError("controller.voters entry '\(entry)' is not of the form id@host:port")
            }
            return .init(nodeID: id, peer: try address(String(parts[1]), "controller.voters"))
        }
        guard [1, 3, 5].contains(voters.count) else {
            throw ConfigError("controller.voters has \(voters.count) entries; use 1, 3 or 5")
        }
        guard Set(voters.map(\.nodeID)).count == voters.count else {
            throw ConfigError("controller.voters names a node id twice")
        }
        return voters
    }

    private func resolveRaft() throws -> NodeConfig.RaftTiming {
        let timing = NodeConfig.RaftTiming(
            tickMs: raft?.tick_ms ?? 50,
            electionTimeoutMs: raft?.election_timeout_ms ?? 1_000,
            heartbeatIntervalMs: raft?.heartbeat_interval_ms ?? 150)
        guard (1...1_000).contains(timing.tickMs) else {
            throw ConfigError("raft.tick_ms must be 1 to 1000, not \(timing.tickMs)")
        }
        guard timing.heartbeatIntervalTicks >= 1 else {
            throw ConfigError("raft.heartbeat_interval_ms must be at least raft.tick_ms")
        }
        guard timing.electionTimeoutTicks >= 3 * timing.heartbeatIntervalTicks else {
            throw ConfigError("raft.election_timeout_ms must be at least 3 heartbeat intervals, "
                + "or a follower times out between two heartbeats")
        }
        return timing
    }

    private func resolveLeaderBalance(electionTimeoutMs: Int) throws -> NodeConfig.LeaderBalance {
        let intervalMs = raft?.leader_balance_interval_ms ?? 3_000
        let balance = NodeConfig.LeaderBalance(
            intervalMs: intervalMs == 0 ? nil : intervalMs, cooldownMs: raft?.leader_balance_cooldown_ms ?? 5_000,
            transfersPerCheckMax: raft?.leader_balance_transfers_max ?? 8)
        guard intervalMs == 0 || (100...3_600_000).contains(intervalMs) else {
            throw ConfigError("raft.leader_balance_interval_ms must be 0 (off) or 100 to 3600000, not \(intervalMs)")
        }
        // A shorter cool-down could retry a transfer the core has not abandoned yet.
        guard (electionTimeoutMs...3_600_000).contains(balance.cooldownMs) else {
            throw ConfigError("raft.leader_balance_cooldown_ms must be at least raft.election_timeout_ms "
                + "(\(electionTimeoutMs)) and at most 3600000, not \(balance.cooldownMs)")
        }
        guard (1...10_000).contains(balance.transfersPerCheckMax) else {
            throw ConfigError("raft.leader_balance_transfers_max must be 1 to 10000, not \(balance.transfersPerCheckMax)")
        }
        return balance
    }

    private func resolveLog() throws -> NodeConfig.LogDefaults {
        let defaults = NodeConfig.LogDefaults(
            segmentBytes: log?.segment_bytes ?? 128 << 20,
            segmentMs: log?.segment_ms ?? 7 * 24 * 3_600_000,
            retentionMs: log?.retention_ms ?? 7 * 24 * 3_600_000,
            retentionBytes: log?.retention_bytes,
            scrubBytesPerSecond: log?.scrub_bytes_per_second ?? 16 << 20,
            scrubIntervalMs: log?.scrub_interval_ms ?? 7 * 24 * 3_600_000,
            syncfsMinPartitions: log?.syncfs_min_partitions == 0 ? nil : (log?.syncfs_min_partitions ?? 8),
            retentionCheckIntervalMs: log?.retention_check_interval_ms ?? 300_000)
        guard (1 << 20...1 << 30).contains(defaults.segmentBytes) else {
            throw ConfigError("log.segment_bytes must be 1 MiB to 1 GiB, not \(defaults.segmentBytes)")
        }
        guard defaults.segmentMs >= 1_000 else { throw ConfigError("log.segment_ms must be at least 1000") }
        if let ms = defaults.retentionMs, ms < 1_000 {
            throw ConfigError("log.retention_ms must be at least 1000 (leave it out to keep data forever)")
        }
        if let bytes = defaults.retentionBytes, bytes < defaults.segmentBytes {
            throw ConfigError("log.retention_bytes must be at least log.segment_bytes "
                + "(leave it out for no size limit)")
        }
        guard (64 << 10...4 << 30).contains(defaults.scrubBytesPerSecond) else {
            throw ConfigError("log.scrub_bytes_per_second must be 64 KiB to 4 GiB, not \(defaults.scrubBytesPerSecond)")
        }
        guard defaults.scrubIntervalMs >= 1_000 else { throw ConfigError("log.scrub_interval_ms must be at least 1000") }
        if let partitions = defaults.syncfsMinPartitions, partitions < 1 {
            throw ConfigError("log.syncfs_min_partitions must be at least 1 (0 turns syncfs off), not \(partitions)")
        }
        guard defaults.retentionCheckIntervalMs >= 1_000 else {
            throw ConfigError("log.retention_check_interval_ms must be at least 1000")
        }
        return defaults
    }

    private func resolveKafka() throws -> NodeConfig.KafkaDefaults {
        let defaults = NodeConfig.KafkaDefaults(
            autoCreateTopics: kafka?.auto_create_topics ?? true,
            defaultPartitionCount: kafka?.default_partitions ?? 3,
            defaultReplicationFactor: kafka?.default_replication_factor ?? 3)
        guard (1...10_000).contains(defaults.defaultPartitionCount) else {
            throw ConfigError("kafka.default_partitions must be 1 to 10000")
        }
        guard (1...5).contains(defaults.defaultReplicationFactor) else {
            throw ConfigError("kafka.default_replication_factor must be 1 to 5")
        }
        return defaults
    }
}
