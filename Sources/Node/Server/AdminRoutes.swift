import Foundation
import Raft
import Transport

/// The admin HTTP endpoints of a node: `/health`, `/v1/status` and `/metrics`.
struct AdminRoutes {
    let server: NodeServer

    func install(on http: HTTPServer) {
        http.route("/health") { _ in health() }
        http.route("/v1/status") { _ in status() }
        http.route("/metrics") { _ in metrics() }
    }

    /// The Prometheus text exposition format, version 0.0.4.
    private func metrics() -> HTTPResponse {
        HTTPResponse(
            status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8",
            body: server.metrics.render(server.metricsSample))
    }

    /// 200 once the node is registered and has caught up with the metadata, so it serves Kafka
    /// clients; 503 before (load balancers and `cluster/up` wait on it).
    private func health() -> HTTPResponse {
        guard let leader = server.knownControllerLeader else {
            return HTTPResponse(status: .serviceUnavailable, text: "no controller leader known yet\n")
        }
        guard server.isReady else {
            return HTTPResponse(status: .serviceUnavailable, text: "not registered with the controller (leader: node \(leader.rawValue)) yet\n")
        }
        guard server.servesClients else {
            return HTTPResponse(status: .serviceUnavailable, text: "registered; not caught up with the metadata yet\n")
        }
        return HTTPResponse(status: .ok, text: "ok: registered; controller leader is node \(leader.rawValue)\n")
    }

    private func status() -> HTTPResponse {
        let body = StatusDocument(
            node: server.config.nodeID, cluster: server.config.clusterID,
            controllerLeader: AlwaysPresent(server.knownControllerLeader.map { Int64($0.rawValue) }),
            peers: server.peerStates.sorted { $0.key.rawValue < $1.key.rawValue }.map {
                .init(node: Int64($0.key.rawValue), state: "\($0.value)")
            },
            groups: server.groupStatuses.map(StatusDocument.Group.init),
            unsafeTesting: server.config.unsafeTesting.enabledNames)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        guard let json = try? encoder.encode(body) else {
            return HTTPResponse(status: .internalServerError, text: "status could not be encoded\n")
        }
        return HTTPResponse(status: .ok, contentType: "application/json", body: Array(json) + [0x0A])
    }
}

/// `/v1/status` as JSON.
private struct StatusDocument: Encodable {
    struct Peer: Encodable { var node: Int64; var state: String }
    struct Group: Encodable {
        var group: UInt64
        var role: String
        var leader: AlwaysPresent<UInt64>
        var term: UInt64
        var commitIndex: UInt64
        var logStartOffset: Int64
        var logEndOffset: Int64
        var highWatermark: Int64
        var voters: [UInt64]
        var learners: [UInt64]
        var failure: AlwaysPresent<String>
        /// Refilling what its storage lost: it neither votes nor campaigns meanwhile.
        var recovering: Bool
        /// Scrub passes over the whole log since the replica was opened: 0 means data that was
        /// on disk at the start has not all been re-checked yet.
        var scrubPasses: UInt64

        init(_ status: GroupStatus) {
            group = status.group.rawValue
            role = "\(status.role)"
            leader = AlwaysPresent(status.leader?.rawValue)
            term = status.term.rawValue
            commitIndex = status.commitIndex.rawValue
            logStartOffset = status.logStartOffset.rawValue
            logEndOffset = status.logEndOffset.rawValue
            highWatermark = status.highWatermark.rawValue
            voters = status.membership.voters.map(\.rawValue)
            learners = status.membership.learners.map(\.rawValue)
            failure = AlwaysPresent(status.failure)
            recovering = status.refillingThrough != nil
            scrubPasses = status.scrubPasses
        }
    }

    var node: Int32
    var cluster: String
    var controllerLeader: AlwaysPresent<Int64>
    var peers: [Peer]
    var groups: [Group]
    /// The TEST-ONLY `[unsafe_testing]` settings that are on; `[]` on every real node.
    var unsafeTesting: [String]
}

/// An optional field that is written as `null` when absent instead of being left out, so that
/// readers of `/v1/status` always find every key.
private struct AlwaysPresent<Value: Encodable>: Encodable {
    var value: Value?

    init(_ value: Value?) { self.value = value }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        if let value { try container.encode(value) } else { try container.encodeNil() }
    }
}
