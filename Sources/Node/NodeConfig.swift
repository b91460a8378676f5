/// Everything a node needs to start, resolved from a TOML file and command-line overrides,
/// with defaults filled in and every relation between settings checked.
///
/// The file format is documented in `cluster/example/node.toml`; ``NodeConfig/load(toml:overrides:)``
/// is the only way to build one, so a `NodeConfig` value is always valid.
public struct NodeConfig: Sendable, Equatable {
    /// This node's id: unique in the cluster, the Kafka broker id clients see.
    public var nodeID: Int32
    /// The cluster this node belongs to; a node refuses a data directory of another cluster.
    public var clusterID: String
    /// Where the node keeps its partitions, its controller log and its identity file.
    public var dataDirectory: String
    /// The addresses the node binds.
    public var listen: Listeners
    /// The addresses other nodes and clients are told to use (default: the listen addresses).
    public var advertised: Listeners
    /// The voters of the controller Raft group, by node id, with their peer addresses.
    public var controllerVoters: [ControllerVoter]
    /// Raft timing, in milliseconds; the node turns them into ticks.
    public var raft: RaftTiming
    /// Preferred-leader balancing (the `leader_balance_*` settings of `[raft]`).
    public var leaderBalance: LeaderBalance
    /// Defaults for new topics' logs; topics can override retention.
    public var log: LogDefaults
    /// Kafka-facing behaviour.
    public var kafka: KafkaDefaults
    /// TEST-ONLY settings that break the durability promise on purpose (all off by default).
    public var unsafeTesting: UnsafeTesting

    /// The three listeners of a node.
    public struct Listeners: Sendable, Equatable {
        /// Raft and controller traffic between nodes.
        public var peer: HostPort
        /// The Kafka protocol.
        public var client: HostPort
        /// HTTP: `/metrics`, `/health`, `/v1/status`.
        public var admin: HostPort
    }

    /// A voter of the controller group.
    public struct ControllerVoter: Sendable, Equatable {
        /// The voter's node id.
        public var nodeID: Int32
        /// The voter's peer address.
        public var peer: HostPort
    }

    /// Raft timing. The election timeout is randomised by Raft between one and two times its value.
    public struct RaftTiming: Sendable, Equatable {
        /// How often Raft groups are ticked.
        public var tickMs: Int
        /// A follower that hears nothing from a leader for this long starts a (pre-)vote.
        public var electionTimeoutMs: Int
        /// How often a leader sends heartbeats (coalesced per pair of nodes).
        public var heartbeatIntervalMs: Int

        /// The election timeout in ticks, as the Raft core counts it.
        public var electionTimeoutTicks: Int { electionTimeoutMs / tickMs }
        /// The heartbeat interval in ticks.
        public var heartbeatIntervalTicks: Int { heartbeatIntervalMs / tickMs }
    }

    /// Preferred-leader balancing: each node periodically hands the partitions it leads to
    /// their preferred replica (the first of the assignment) once that replica is caught up and
    /// its node has been up for the cool-down. The controller group is not balanced.
    public struct LeaderBalance: Sendable, Equatable {
        /// Time between two checks; nil when balancing is off (`leader_balance_interval_ms = 0`).
        public var intervalMs: Int?
        /// How long a node must have been up before leadership is handed to it, how long a
        /// leader keeps a group it just won, and how long before a group whose transfer was
        /// tried is tried again.
        public var cooldownMs: Int
        /// Transfers one node starts at most per check.
        public var transfersPerCheckMax: Int
    }

    /// Log settings for topics that do not set their own.
    public struct LogDefaults: Sendable, Equatable {
        /// A segment rolls when it reaches this size.
        public var segmentBytes: Int64
        /// A segment rolls when its first batch is this old.
        public var segmentMs: Int64
        /// Segments whose newest batch is older than this are deleted; `nil` keeps them forever.
        public var retentionMs: Int64?
        /// The oldest segments are deleted while a partition is larger than this; `nil`: no limit.
        public var retentionBytes: Int64?
        /// Bytes per second the background scrub re-reads and CRC-checks, over all of the
        /// node's partitions together.
        public var scrubBytesPerSecond: Int64
        /// Time from the end of one scrub pass over a partition to the start of the next.
        public var scrubIntervalMs: Int64
        /// Partitions to sync at once from which one `syncfs(2)` of the data filesystem replaces
        /// their `fdatasync`s; `nil`: never (an fdatasync per partition log always).
        public var syncfsMinPartitions: Int?
        /// How often every partition is checked for segments its retention has expired
        /// (Kafka's `log.retention.check.interval.ms`).
        public var retentionCheckIntervalMs: Int64
    }

    /// Kafka-facing defaults.
    public struct KafkaDefaults: Sendable, Equatable {
        /// Whether producing to or fetching metadata for an unknown topic creates it.
        public var autoCreateTopics: Bool
        /// Partitions of a topic created without a count.
        public var defaultPartitionCount: Int32
        /// Replicas of a topic created without a replication factor.
        public var defaultReplicationFactor: Int16
    }
}

extension NodeConfig {
    /// TEST-ONLY settings, the `[unsafe_testing]` section: each makes the node lose acknowledged
    /// data on purpose, so that the chaos harness can simulate power loss and prove that its
    /// checker catches lost writes. Off unless the file or a `--set` says `true` in so many words;
    /// a node with any of them on says so at every start (error level), in `/v1/status` and in
    /// `/metrics`.
    public struct UnsafeTesting: Sendable, Equatable {
        /// `simulated_power_loss`: every partition log (partition replicas and the controller log)
        /// keeps the bytes written since its last fsync in process memory and writes them to the
        /// file only at fsync (``Storage/DurabilityMode/unsafeSimulatedPowerLoss``), so `kill -9`
        /// loses exactly what a power cut would. Costs memory and throughput; loses nothing a
        /// correct node acknowledged, but makes every crash a power cut.
        public var simulatedPowerLoss: Bool
        /// `ack_before_commit`: Produce (acks=1 and acks=all) is answered as soon as the leader
        /// has appended the batch to its log, before the Raft majority commit and before any
        /// fsync. Acknowledged records WILL be lost when the leader fails.
        public var ackBeforeCommit: Bool

        /// Everything off: the only setting a production node may run with.
        public static let off = UnsafeTesting(simulatedPowerLoss: false, ackBeforeCommit: false)

        /// The TOML names of the settings that are on (`[]` in production), in file order.
        public var enabledNames: [String] {
            (simulatedPowerLoss ? ["simulated_power_loss"] : []) + (ackBeforeCommit ? ["ack_before_commit"] : [])
        }

        /// The warning a node logs at start for each setting that is on, naming it and what it
        /// breaks.
        public var warnings: [String] {
            let prefix = "UNSAFE TEST-ONLY SETTING [unsafe_testing]"
            return (simulatedPowerLoss ? ["\(prefix) simulated_power_loss = true: unsynced writes are held in "
                + "process memory until fsync, so a crash loses what a power cut would; never use this node for real data"] : [])
                + (ackBeforeCommit ? ["\(prefix) ack_before_commit = true: Produce is acknowledged before the Raft "
                + "commit and before any fsync, so acknowledged data WILL be lost; never use this node for real data"] : [])
        }
    }
}

/// A host and a TCP port, written `host:port` (`[::1]:9092` for IPv6).
public struct HostPort: Sendable, Equatable, CustomStringConvertible {
    /// A host name or an IP address, without brackets.
    public var host: String
    /// The TCP port.
    public var port: UInt16

    /// Makes an address from its parts.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` or `[v6-address]:port`; `nil` when the text is not an address.
    public init?(parsing text: String) {
        let hostPart: Substring
        let portPart: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"),
                  text[text.index(after: close)...].hasPrefix(":") else { return nil }
            hostPart = text[text.index(after: text.startIndex)..<close]
            portPart = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { return nil }
            hostPart = text[..<colon]
            portPart = text[text.index(after: colon)...]
            if hostPart.contains(":") { return nil }
        }
        guard !hostPart.isEmpty, let port = UInt16(portPart), port > 0 else { return nil }
        self.init(host: String(hostPart), port: port)
    }

    /// `host:port`, with brackets around an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
