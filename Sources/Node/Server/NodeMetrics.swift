import ClusterMetadata
import Prometheus
import Raft
import Transport

/// What a node's `/metrics` reports, in the Prometheus text format.
///
/// The registry belongs to this node (the global `MetricsSystem` is left alone), so several
/// nodes can run in one process. Values are not pushed as things happen: each scrape sets the
/// gauges from the host's current statuses and advances the counters to the host's totals.
/// Use on the node's loop thread only.
final class NodeMetrics {
    private let registry: PrometheusCollectorRegistry
    private var groups: [RaftGroupID: GroupGauges] = [:]
    private var peers: [PeerID: Gauge] = [:]
    private let hostCounters: [(value: KeyPath<RaftHostCounters, UInt64>, counter: Counter)]
    private var countersSeen = RaftHostCounters()
    private let pendingJobs: Gauge
    private let leaderBalanceTransfers: Counter
    private var leaderBalanceTransfersSeen: UInt64 = 0
    private let offloadsInFlight: Gauge

    /// - Parameter unsafeTesting: the TEST-ONLY settings that are on (``NodeConfig/UnsafeTesting``);
    ///   each is reported as `tributary_unsafe_testing{setting="<name>"} 1`.
    init(unsafeTesting: [String] = []) {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        for setting in unsafeTesting {
            registry.makeGauge(descriptor: Self.name(
                "unsafe_testing", unit: "", help: "1 for each TEST-ONLY [unsafe_testing] setting that is on: this node loses acknowledged data on purpose."),
                labels: [("setting", setting)]).set(Int64(1))
        }
        hostCounters = Self.hostCounterDescriptors.map { value, name, help in
            (value, registry.makeCounter(descriptor: Self.name(name, unit: "total", help: help)))
        }
        leaderBalanceTransfers = registry.makeCounter(descriptor: Self.name(
            "leader_balance_transfers", unit: "total",
            help: "Leadership transfers this node started to hand partitions to their preferred replicas."))
        pendingJobs = registry.makeGauge(descriptor: Self.name(
            "loop_pending_jobs", unit: "", help: "Jobs submitted to the node's event loop from other threads, not yet run."))
        offloadsInFlight = registry.makeGauge(descriptor: Self.name(
            "loop_offloads_in_flight", unit: "", help: "Disk jobs (appends, syncs) running off the event loop."))
    }

    /// What one scrape reads from the node.
    struct Sample {
        /// Every group the host runs.
        var groups: [GroupStatus]
        /// The peer links and their state.
        var peers: [PeerID: PeerLinkState]
        /// The host's running totals.
        var counters: RaftHostCounters
        /// Leadership transfers the leader balancer started.
        var leaderBalanceTransfers: UInt64
        /// The event loop's cross-thread job queue depth.
        var pendingJobCount: Int
        /// The event loop's offloaded disk jobs in flight.
        var offloadInFlightCount: Int
    }

    /// Brings every metric up to `sample` and returns the text exposition.
    func render(_ sample: Sample) -> [UInt8] {
        update(groups: sample.groups)
        update(peers: sample.peers)
        for (value, counter) in hostCounters {
            let now = sample.counters[keyPath: value], seen = countersSeen[keyPath: value]
            precondition(now >= seen, "host counters only grow")
            if now > seen { counter.increment(by: Int64(now - seen)) }
        }
        countersSeen = sample.counters
        precondition(sample.leaderBalanceTransfers >= leaderBalanceTransfersSeen, "the balance transfer count only grows")
        leaderBalanceTransfers.increment(by: Int64(sample.leaderBalanceTransfers - leaderBalanceTransfersSeen))
        leaderBalanceTransfersSeen = sample.leaderBalanceTransfers
        pendingJobs.set(Int64(sample.pendingJobCount))
        offloadsInFlight.set(Int64(sample.offloadInFlightCount))
        return registry.emitToBuffer()
    }

    private func update(groups statuses: [GroupStatus]) {
        var gone = Set(groups.keys)
        for status in statuses {
            gone.remove(status.group)
            let gauges = groups[status.group] ?? GroupGauges(group: status.group, registry: registry)
            groups[status.group] = gauges
            gauges.set(from: status)
        }
        // A removed group's series stop rather than freeze at their last values.
        for group in gone { groups.removeValue(forKey: group)?.unregister(from: registry) }
    }

    private func update(peers states: [PeerID: PeerLinkState]) {
        for (peer, gauge) in peers where states[peer] == nil {
            registry.unregisterGauge(gauge)
            peers.removeValue(forKey: peer)
        }
        for (peer, state) in states {
            let gauge = peers[peer] ?? registry.makeGauge(
                descriptor: Self.peerConnected, labels: [("peer", "\(peer.rawValue)")])
            peers[peer] = gauge
            gauge.set(Int64(state == .connected ? 1 : 0))
        }
    }

    private static var peerConnected: MetricNameDescriptor {
        name("peer_connected", unit: "", help: "1 while the link to the peer is connected, 0 while connecting or backing off.")
    }

    private static var hostCounterDescriptors: [(KeyPath<RaftHostCounters, UInt64>, String, String)] {[
        (\.ticks, "raft_ticks", "Ticks of the Raft host's timer."),
        (\.framesSent, "raft_frames_sent", "Raft batch frames handed to the peer transport."),
        (\.messagesSent, "raft_messages_sent", "Raft messages in the frames sent."),
        (\.framesRefused, "raft_frames_refused", "Frames the transport refused (peer not connected, queue full)."),
        (\.framesReceived, "raft_frames_received", "Raft batch frames received."),
        (\.malformedFrames, "raft_malformed_frames", "Received frames dropped because they did not decode."),
        (\.messagesForUnknownGroups, "raft_messages_unknown_group", "Received messages dropped for groups not hosted here."),
        (\.syncBatches, "raft_sync_batches", "Offloaded sync batches (one per host cycle with durable changes)."),
        (\.groupSyncs, "raft_group_syncs", "Group state changes made durable by the sync batches."),
        (\.filesystemSyncs, "raft_filesystem_syncs", "Sync batches made durable by one syncfs of the filesystem instead of an fdatasync per log."),
        (\.scrubBytes, "scrub_bytes", "Bytes of stored batches the background scrub re-read and CRC-checked."),
        (\.scrubPasses, "scrub_passes", "Scrub passes completed over a whole partition log."),
        (\.scrubDamageFound, "scrub_damage_found", "Damaged batches the scrub found (each replica is cut there and refills from its leader)."),
        (\.retentionSegmentsDeleted, "retention_segments_deleted", "Segments retention deleted (topics' retention.ms and retention.bytes)."),
    ]}

    static func name(_ metric: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "tributary", metricName: metric, unitName: unit, helpText: help)
    }
}

/// The per-group gauges, labelled `group="<id>"`.
private struct GroupGauges {
    let term, role, commitIndex, lastIndex, commitLag, logStartOffset, logEndOffset, highWatermark: Gauge
    let electionsStarted, leaderChanges, refilling: Gauge

    init(group: RaftGroupID, registry: PrometheusCollectorRegistry) {
        let labels = [("group", "\(group.rawValue)")]
        func gauge(_ metric: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: NodeMetrics.name("raft_" + metric, unit: "", help: help), labels: labels)
        }
        term = gauge("term", "The replica's Raft term.")
        role = gauge("role", "The replica's role: 0 follower, 1 (pre-)candidate, 2 leader.")
        commitIndex = gauge("commit_index", "The replica's commit index.")
        lastIndex = gauge("last_index", "The last index in the replica's log, durable or not.")
        commitLag = gauge("commit_lag", "Log entries not yet committed: last index minus commit index.")
        logStartOffset = gauge("log_start_offset", "The first offset of the partition log.")
        logEndOffset = gauge("log_end_offset", "The offset after the partition log's last batch.")
        highWatermark = gauge("high_watermark", "The first offset not yet committed.")
        electionsStarted = gauge("elections_started", "Elections this replica started since it was opened.")
        leaderChanges = gauge("leader_changes", "Changes of leader this replica saw since it was opened.")
        refilling = gauge("refilling", "1 while the replica refills what its storage lost (it does not campaign), else 0.")
    }

    private var all: [Gauge] {
        [term, role, commitIndex, lastIndex, commitLag, logStartOffset, logEndOffset, highWatermark, electionsStarted, leaderChanges,
         refilling]
    }

    func set(from status: GroupStatus) {
        term.set(Int64(status.term.rawValue))
        role.set(Int64(Self.roleValue(status.role)))
        commitIndex.set(Int64(status.commitIndex.rawValue))
        lastIndex.set(Int64(status.lastIndex.rawValue))
        // A follower may learn a commit index past what its log holds yet; that is no lag.
        let lag = status.lastIndex.rawValue > status.commitIndex.rawValue ? status.lastIndex.rawValue - status.commitIndex.rawValue : 0
        commitLag.set(Int64(lag))
        logStartOffset.set(status.logStartOffset.rawValue)
        logEndOffset.set(status.logEndOffset.rawValue)
        highWatermark.set(status.highWatermark.rawValue)
        electionsStarted.set(Int64(clamping: status.electionsStarted))
        leaderChanges.set(Int64(clamping: status.leaderChanges))
        refilling.set(Int64(status.refillingThrough == nil ? 0 : 1))
    }

    func unregister(from registry: PrometheusCollectorRegistry) {
        for gauge in all { registry.unregisterGauge(gauge) }
    }

    private static func roleValue(_ role: Role) -> Int {
        switch role {
        case .follower: 0
        case .preCandidate, .candidate: 1
        case .leader: 2
        }
    }
}
