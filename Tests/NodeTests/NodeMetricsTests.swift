import ClusterMetadata
import Foundation
import Logging
import Raft
import Testing
import Transport
@testable import Node

#if canImport(Glibc)
import Glibc
#endif

/// `/metrics` of a real node process run in-process: real sockets, real disk, real Raft.
@Suite struct NodeMetricsTests {
    @Test func aLoneControllerVoterReportsItselfLeaderOfTheControllerGroupOnMetrics() async throws {
        let directory = NSTemporaryDirectory() + "tributary-metrics-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (config, _, admin) = try loneNodeConfig(directory: directory)
        let server = try await NodeServer.start(config: config, logger: Logger(label: "metrics-test"))
        // Bounded: a lone voter elects itself and commits its term's first entry within a few
        // election timeouts; allow far more.
        func settled() async throws -> Bool {
            try await server.loop.submit {
                guard let status = server.controllerStatus else { return false }
                return status.role == .leader && status.commitIndex.rawValue >= 1
            }
        }
        var isSettled = try await settled()
        for _ in 0..<500 where !isSettled {
            try await Task.sleep(for: .milliseconds(10))
            isSettled = try await settled()
        }
        let scraped = httpGet("/metrics", port: admin)
        await server.stop()
        let response = try #require(scraped, "no 200 answer from /metrics")
        try #require(isSettled, "the lone voter never became a leader with a committed entry")

        #expect(response.contentType.hasPrefix("text/plain; version=0.0.4"))
        let samples = Self.samples(response.body)
        #expect(samples["tributary_raft_role{group=\"0\"}"] == 2)
        #expect(try #require(samples["tributary_raft_term{group=\"0\"}"]) >= 1)
        // The leader's first entry of its term is committed: the log is not behind.
        #expect(try #require(samples["tributary_raft_commit_index{group=\"0\"}"]) >= 1)
        // The node proposes its registration and more right after: entries may be in flight at
        // the scrape, so the lag is checked against the same scrape's indexes, not against 0.
        let lastIndex = try #require(samples["tributary_raft_last_index{group=\"0\"}"])
        #expect(samples["tributary_raft_commit_lag{group=\"0\"}"] == lastIndex - samples["tributary_raft_commit_index{group=\"0\"}"]!)
        // Becoming the leader took at least one election and one change of leader.
        #expect(try #require(samples["tributary_raft_elections_started{group=\"0\"}"]) >= 1)
        #expect(try #require(samples["tributary_raft_leader_changes{group=\"0\"}"]) >= 1)
        for metric in ["log_start_offset", "log_end_offset", "high_watermark", "last_index"] {
            #expect(samples["tributary_raft_\(metric){group=\"0\"}"] != nil, "tributary_raft_\(metric) missing")
        }
        #expect(try #require(samples["tributary_raft_ticks_total"]) >= 1)
        #expect(try #require(samples["tributary_raft_sync_batches_total"]) >= 1)
        #expect(samples["tributary_raft_malformed_frames_total"] == 0)
        #expect(samples["tributary_loop_pending_jobs"] != nil)
        #expect(samples["tributary_loop_offloads_in_flight"] != nil)
        #expect(response.body.contains("# TYPE tributary_raft_role gauge"))
        #expect(response.body.contains("# TYPE tributary_raft_ticks_total counter"))
    }

    @Test func aNodeWithUnsafeTestingSettingsWarnsAtStartAndReportsThemOnStatusAndMetrics() async throws {
        let directory = NSTemporaryDirectory() + "tributary-unsafe-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (config, _, admin) = try loneNodeConfig(
            directory: directory, extraTOML: "[unsafe_testing]\nsimulated_power_loss = true\nack_before_commit = true")
        let captured = CapturedLog()
        let server = try await NodeServer.start(config: config, logger: Logger(label: "unsafe-test") { _ in captured })
        let status = httpGet("/v1/status", port: admin)
        let scraped = httpGet("/metrics", port: admin)
        // The controller log is open once start returns; partition replicas open through the same host options.
        let durabilities = try await server.loop.submit {
            (server.host?.groups.values.map(\.replica.log.durability) ?? [], server.host?.options.logOptions.durability)
        }
        await server.stop()

        let errors = captured.entries.filter { $0.level == .error }.map(\.message)
        #expect(errors.contains { $0.contains("simulated_power_loss") && $0.contains("UNSAFE TEST-ONLY") })
        #expect(errors.contains { $0.contains("ack_before_commit") && $0.contains("acknowledged data WILL be lost") })
        let document = try #require(status, "no 200 answer from /v1/status")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(document.body.utf8)) as? [String: Any])
        #expect(json["unsafeTesting"] as? [String] == ["simulated_power_loss", "ack_before_commit"])
        let samples = Self.samples(try #require(scraped, "no 200 answer from /metrics").body)
        #expect(samples["tributary_unsafe_testing{setting=\"simulated_power_loss\"}"] == 1)
        #expect(samples["tributary_unsafe_testing{setting=\"ack_before_commit\"}"] == 1)
        #expect(durabilities.1 == .unsafeSimulatedPowerLoss)
        #expect(!durabilities.0.isEmpty && durabilities.0.allSatisfy { $0 == .unsafeSimulatedPowerLoss })
    }

    @Test func aNodeWithoutUnsafeTestingSettingsReportsNoneAndLogsNoError() async throws {
        let directory = NSTemporaryDirectory() + "tributary-safe-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (config, _, admin) = try loneNodeConfig(directory: directory)
        let captured = CapturedLog()
        let server = try await NodeServer.start(config: config, logger: Logger(label: "safe-test") { _ in captured })
        let status = httpGet("/v1/status", port: admin)
        let scraped = httpGet("/metrics", port: admin)
        await server.stop()

        #expect(!captured.entries.contains { $0.message.contains("UNSAFE") })
        let document = try #require(status, "no 200 answer from /v1/status")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(document.body.utf8)) as? [String: Any])
        #expect(json["unsafeTesting"] as? [String] == [])
        #expect(try #require(scraped).body.contains("tributary_unsafe_testing") == false)
    }

    @Test func scrapesFollowTheHostRemovedGroupsAndPeersVanishAndCountersReachTheNodeTotals() {
        let metrics = NodeMetrics()
        func group(_ id: UInt64, role: Role, last: UInt64, commit: UInt64) -> GroupStatus {
            GroupStatus(
                group: RaftGroupID(id), role: role, term: Term(4), leader: nil, membership: Membership(voters: [NodeID(1)]),
                commitIndex: LogIndex(commit), followerMatchIndexes: [:], lastIndex: LogIndex(last),
                logStartOffset: 0, logEndOffset: 7, failure: nil, electionsStarted: 2, leaderChanges: 3)
        }
        var counters = RaftHostCounters()
        counters.framesSent = 5
        let first = Self.samples(String(decoding: metrics.render(.init(
            groups: [group(3, role: .candidate, last: 9, commit: 6), group(4, role: .follower, last: 2, commit: 5)],
            peers: [PeerID(2): .connected, PeerID(3): .backoff(failures: 2, delay: .milliseconds(40))],
            counters: counters, leaderBalanceTransfers: 1, pendingJobCount: 3, offloadInFlightCount: 1)), as: UTF8.self))
        #expect(first["tributary_raft_role{group=\"3\"}"] == 1)
        #expect(first["tributary_raft_commit_lag{group=\"3\"}"] == 3)
        #expect(first["tributary_raft_commit_lag{group=\"4\"}"] == 0, "a commit index past the log is no lag")
        // Index 1 holds offset 0: committing index 6 makes offsets 0...5 visible.
        #expect(first["tributary_raft_high_watermark{group=\"3\"}"] == 6)
        #expect(first["tributary_raft_elections_started{group=\"3\"}"] == 2)
        #expect(first["tributary_raft_leader_changes{group=\"3\"}"] == 3)
        #expect(first["tributary_peer_connected{peer=\"2\"}"] == 1)
        #expect(first["tributary_peer_connected{peer=\"3\"}"] == 0)
        #expect(first["tributary_raft_frames_sent_total"] == 5)
        #expect(first["tributary_leader_balance_transfers_total"] == 1)
        #expect(first["tributary_loop_pending_jobs"] == 3 && first["tributary_loop_offloads_in_flight"] == 1)

        counters.framesSent = 12
        let second = Self.samples(String(decoding: metrics.render(.init(
            groups: [group(4, role: .leader, last: 5, commit: 5)], peers: [PeerID(3): .connected],
            counters: counters, leaderBalanceTransfers: 4, pendingJobCount: 0, offloadInFlightCount: 0)), as: UTF8.self))
        #expect(second["tributary_raft_frames_sent_total"] == 12)
        #expect(second["tributary_leader_balance_transfers_total"] == 4)
        #expect(second["tributary_raft_role{group=\"4\"}"] == 2)
        #expect(!second.keys.contains { $0.contains("group=\"3\"") }, "group 3 left the host")
        #expect(second["tributary_peer_connected{peer=\"2\"}"] == nil)
        #expect(second["tributary_peer_connected{peer=\"3\"}"] == 1)
    }

    /// Sample lines of a text exposition by series (`name{labels}`), comments skipped.
    static func samples(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}

/// One `GET` on 127.0.0.1 over a fresh connection the server closes after answering; nil when
/// the connection fails or the answer is not a complete 200 response within the bounded wait.
private func httpGet(_ path: String, port: UInt16) -> (contentType: String, body: String)? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { return nil }
    let request = Array("GET \(path) HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n".utf8)
    guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else { return nil }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 << 10)
    while received.count < 16 << 20 {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        received += chunk[..<count]
    }
    let text = String(decoding: received, as: UTF8.self)
    guard let split = text.range(of: "\r\n\r\n"), text.hasPrefix("HTTP/1.1 200") else { return nil }
    let headers = text[..<split.lowerBound].split(separator: "\r\n").dropFirst()
    guard let contentType = headers.first(where: { $0.lowercased().hasPrefix("content-type:") }) else { return nil }
    return (contentType.dropFirst("content-type:".count).trimmingCharacters(in: .whitespaces), String(text[split.upperBound...]))
}

/// A log handler that keeps what it is given, for tests that check what a node logs.
private final class CapturedLog: LogHandler, @unchecked Sendable {
    private let lock = NSLock()
    private var kept: [(level: Logger.Level, message: String)] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    /// Everything logged so far, in order.
    var entries: [(level: Logger.Level, message: String)] { lock.withLock { kept } }

    func log(
        level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        lock.withLock { kept.append((level, "\(message)")) }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
}
