import Foundation
import Testing
@testable import Node

@Suite struct NodeConfigTests {
    static let minimal = """
        node_id = 2
        data_dir = "/tmp/n2"
        [listen]
        peer = "127.0.0.2:19093"
        client = "127.0.0.2:19092"
        admin = "127.0.0.2:19644"
        [controller]
        voters = ["1@127.0.0.1:19093", "2@127.0.0.2:19093", "3@127.0.0.3:19093"]
        """

    @Test func aMinimalFileGetsDefaultsAndAdvertisesItsListenAddresses() throws {
        let config = try NodeConfig.load(toml: Self.minimal)
        #expect(config.nodeID == 2)
        #expect(config.clusterID == "tributary")
        #expect(config.listen.client == HostPort(host: "127.0.0.2", port: 19092))
        #expect(config.advertised == config.listen)
        #expect(config.controllerVoters.map(\.nodeID) == [1, 2, 3])
        #expect(config.raft.electionTimeoutTicks == 20 && config.raft.heartbeatIntervalTicks == 3)
        #expect(config.log.retentionBytes == nil)
        #expect(config.kafka.autoCreateTopics)
    }

    @Test func theDocumentedExampleFileLoadsAndMatchesTheDefaults() throws {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("cluster/example/node.toml")
        let example = try NodeConfig.load(toml: String(contentsOf: url, encoding: .utf8))
        let defaults = try NodeConfig.load(toml: Self.minimal)
        #expect(example.raft == defaults.raft)
        #expect(example.leaderBalance == defaults.leaderBalance)
        #expect(example.log == defaults.log)
        #expect(example.kafka == defaults.kafka)
        #expect(example.unsafeTesting == .off)
    }

    @Test func leaderBalancingIsOnByDefaultAndAnIntervalOfZeroTurnsItOff() throws {
        let defaults = try NodeConfig.load(toml: Self.minimal)
        #expect(defaults.leaderBalance == .init(intervalMs: 3_000, cooldownMs: 5_000, transfersPerCheckMax: 8))
        let off = try NodeConfig.load(toml: Self.minimal, overrides: ["raft.leader_balance_interval_ms=0"])
        #expect(off.leaderBalance.intervalMs == nil)
    }

    @Test func syncfsStandsInFromEightPartitionsByDefaultAndZeroTurnsItOff() throws {
        let defaults = try NodeConfig.load(toml: Self.minimal)
        #expect(defaults.log.syncfsMinPartitions == 8 && defaults.raftHostOptions.filesystemSyncGroupsMin == 8)
        let off = try NodeConfig.load(toml: Self.minimal, overrides: ["log.syncfs_min_partitions=0"])
        #expect(off.log.syncfsMinPartitions == nil && off.raftHostOptions.filesystemSyncGroupsMin == .max)
    }

    @Test func commandLineOverridesReplaceFileValuesAndCreateSections() throws {
        let config = try NodeConfig.load(toml: Self.minimal, overrides: [
            "raft.election_timeout_ms=500", "kafka.auto_create_topics=false",
            "data_dir=/srv/data node", "advertise.client=broker2.example:9092",
        ])
        #expect(config.raft.electionTimeoutMs == 500)
        #expect(!config.kafka.autoCreateTopics)
        #expect(config.dataDirectory == "/srv/data node")
        #expect(config.advertised.client == HostPort(host: "broker2.example", port: 9092))
        #expect(config.advertised.peer == config.listen.peer)
    }

    @Test(arguments: [
        ("node_id = 1\n[listen]\npeer=\"a:1\"\nclient=\"a:2\"\nadmin=\"a:3\"", "data_dir"),
        (minimal + "\nretention_msx = 5", "retention_msx"),
        (minimal.replacingOccurrences(of: "127.0.0.2:19092", with: "nowhere"), "listen.client"),
        (minimal.replacingOccurrences(of: "\"1@127.0.0.1:19093\", ", with: ""), "1, 3 or 5"),
        (minimal.replacingOccurrences(of: "3@", with: "2@"), "twice"),
        (minimal + "\n[raft]\nheartbeat_interval_ms = 400", "3 heartbeat intervals"),
        (minimal + "\n[raft]\nleader_balance_interval_ms = 50", "leader_balance_interval_ms"),
        (minimal + "\n[raft]\nleader_balance_cooldown_ms = 500", "at least raft.election_timeout_ms"),
        (minimal + "\n[raft]\nleader_balance_transfers_max = 0", "leader_balance_transfers_max"),
        (minimal + "\n[log]\nsegment_bytes = 10", "log.segment_bytes"),
        (minimal + "\n[log]\nretention_bytes = 1024", "log.retention_bytes"),
        (minimal + "\n[log]\nsyncfs_min_partitions = -1", "log.syncfs_min_partitions"),
        (minimal + "\n[kafka]\ndefault_replication_factor = 0", "default_replication_factor"),
        ("node_id = = 3", "invalid TOML"),
        ("node_id = \"one\"", "node_id"),
    ])
    func badConfigurationsAreRejectedWithAMessageNamingTheSetting(toml: String, expected: String) {
        #expect {
            _ = try NodeConfig.load(toml: toml)
        } throws: { error in
            (error as? ConfigError)?.message.contains(expected) == true
        }
    }

    @Test func unsafeTestingSettingsAreOffUnlessTheFileSaysTrue() throws {
        let absent = try NodeConfig.load(toml: Self.minimal)
        let explicitlyOff = try NodeConfig.load(toml: Self.minimal + """

            [unsafe_testing]
            simulated_power_loss = false
            ack_before_commit = false
            """)
        for config in [absent, explicitlyOff] {
            #expect(config.unsafeTesting == .off)
            #expect(config.unsafeTesting.enabledNames.isEmpty)
            #expect(config.unsafeTesting.warnings.isEmpty)
            #expect(config.raftHostOptions.logOptions.durability == .normal)
        }
    }

    @Test func simulatedPowerLossMakesEveryLogTheHostOpensHoldUnsyncedBytesInMemory() throws {
        let config = try NodeConfig.load(toml: Self.minimal + "\n[unsafe_testing]\nsimulated_power_loss = true")
        #expect(config.unsafeTesting == .init(simulatedPowerLoss: true, ackBeforeCommit: false))
        #expect(config.unsafeTesting.enabledNames == ["simulated_power_loss"])
        // The host opens the controller log and every partition replica with these options.
        #expect(config.raftHostOptions.logOptions.durability == .unsafeSimulatedPowerLoss)
        let warnings = config.unsafeTesting.warnings
        #expect(warnings.count == 1 && warnings[0].contains("UNSAFE TEST-ONLY") && warnings[0].contains("simulated_power_loss"))
    }

    @Test func ackBeforeCommitIsReadAndItsWarningSaysAcknowledgedDataWillBeLost() throws {
        let config = try NodeConfig.load(toml: Self.minimal + "\n[unsafe_testing]\nack_before_commit = true")
        #expect(config.unsafeTesting == .init(simulatedPowerLoss: false, ackBeforeCommit: true))
        #expect(config.unsafeTesting.enabledNames == ["ack_before_commit"])
        #expect(config.raftHostOptions.logOptions.durability == .normal)
        let warnings = config.unsafeTesting.warnings
        #expect(warnings.count == 1 && warnings[0].contains("ack_before_commit") && warnings[0].contains("WILL be lost"))
    }

    @Test func unsafeTestingSettingsCanBeTurnedOnFromTheCommandLine() throws {
        let config = try NodeConfig.load(toml: Self.minimal, overrides: [
            "unsafe_testing.simulated_power_loss=true", "unsafe_testing.ack_before_commit=true",
        ])
        #expect(config.unsafeTesting.enabledNames == ["simulated_power_loss", "ack_before_commit"])
        #expect(config.unsafeTesting.warnings.count == 2)
    }

    @Test(arguments: [
        (minimal + "\n[unsafe_testing]\nsimulated_power_loss = \"yes\"", "unsafe_testing.simulated_power_loss must be true or false"),
        (minimal + "\n[unsafe_testing]\nack_before_commit = 1", "unsafe_testing.ack_before_commit must be true or false"),
        (minimal + "\n[unsafe_testing]\nack_before_comit = true", "ack_before_comit"),
        ("unsafe_testing = true\n" + minimal, "unsafe_testing must be a section"),
    ])
    func badUnsafeTestingValuesAreRejectedNamingTheSetting(toml: String, expected: String) {
        #expect {
            _ = try NodeConfig.load(toml: toml)
        } throws: { error in
            (error as? ConfigError)?.message.contains(expected) == true
        }
    }

    @Test func aMistypedUnsafeOverrideIsAnErrorNotSilentlyOff() {
        for bad in ["unsafe_testing.ack_before_commit=yes", "unsafe_testing.simulated_power_loss=on"] {
            #expect(performing: {
                _ = try NodeConfig.load(toml: Self.minimal, overrides: [bad])
            }, throws: { error in
                (error as? ConfigError)?.message.contains("\(bad.prefix { $0 != "=" }) must be true or false") == true
            })
        }
    }

    @Test func malformedOverridesAreRejected() {
        for bad in ["no-equals", "=5", "raft..tick_ms=5", "node_id.x=5"] {
            #expect(throws: ConfigError.self, "\(bad)") {
                _ = try NodeConfig.load(toml: Self.minimal, overrides: [bad])
            }
        }
    }

    @Test func addressesParseHostsPortsAndBracketedIPv6() {
        #expect(HostPort(parsing: "127.0.0.1:9092") == HostPort(host: "127.0.0.1", port: 9092))
        #expect(HostPort(parsing: "[::1]:9092") == HostPort(host: "::1", port: 9092))
        #expect(HostPort(host: "::1", port: 9092).description == "[::1]:9092")
        for bad in ["", "host", ":9092", "host:0", "host:70000", "::1:9092", "[::1]9092", "h:p"] {
            #expect(HostPort(parsing: bad) == nil, "\(bad)")
        }
    }
}
