import Broker
import ClusterMetadata
import Foundation
import KafkaProtocol
import Logging
import Raft
import Storage
import Transport

/// The Kafka front door of a node: the client listener, and the answer to every request from
/// the node's metadata, its Raft host and the controller. Any node answers metadata; produce
/// and fetch go to the partition's Raft leader. Loop thread only.
final class KafkaBroker {
    let node: NodeServer
    private var listener: TCPListener?
    private var sessions: [ObjectIdentifier: KafkaSession] = [:]
    /// Fetches waiting for data (long polling), woken when a high-water mark moves.
    var parkedFetches = ParkedFetches()
    /// Producer ids granted to this node and not handed out yet.
    var producerIDs: ProducerIdAllocator
    var isRequestingProducerIDs = false
    /// The idempotent-producer table of each partition this node leads (built on first use).
    var producerStates: [RaftGroupID: LeaderProducerState] = [:]
    /// The group coordinators of the offsets partitions this node leads.
    var coordinators: [RaftGroupID: HostedCoordinator] = [:]
    var isCreatingOffsetsTopic = false
    /// The APIs this broker answers: ApiVersions advertises exactly these, so clients never send
    /// a request the node would have to refuse.
    static let servedApis: Set<ApiKey> = [.apiVersions, .metadata, .createTopics, .produce, .fetch, .listOffsets, .initProducerId,
        .findCoordinator, .joinGroup, .syncGroup, .heartbeat, .leaveGroup, .offsetCommit, .offsetFetch, .listGroups, .describeGroups,
        .deleteTopics, .createPartitions, .describeConfigs, .incrementalAlterConfigs, .deleteRecords, .unregisterBroker,
    ]
    /// Connections the listener accepts at once; more are closed on arrival.
    static let connectionCountMax = 4096

    init(node: NodeServer, at address: SocketAddress) throws {
        self.node = node
        producerIDs = ProducerIdAllocator(
            refillThresholdCount: Self.producerIDRefillThreshold, usedBelow: try Self.producerIDsUsedBelow(in: node.config.dataDirectory))
        listener = try TCPListener(on: node.loop, at: address) { [weak self] connection in self?.accept(connection) }
    }

    var logger: Logger { node.logger }

    /// A hosted group's status changed: wake the fetches waiting on it, and forget its producer
    /// table when this node stopped leading it.
    func groupChanged(_ status: GroupStatus) {
        parkedFetches.groupChanged(status.group)
        dropProducerState(ifNotLeading: status)
        retireCoordinator(ifChanged: status)
    }

    /// Wall-clock milliseconds, the time the pure producer and group cores are given.
    static var wallClockMs: Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    /// Stops listening and closes every client connection.
    func close() {
        listener?.close()
        listener = nil
        parkedFetches.cancelAll()
        for session in sessions.values { session.connection.close() }
        sessions = [:]
    }

    private func accept(_ connection: TCPConnection) {
        guard node.servesClients else {
            // The client tries its other bootstrap servers, as with a broker that is down.
            logger.debug("Kafka: not caught up with the metadata yet; closing \(connection.remoteDescription)")
            return connection.close()
        }
        guard sessions.count < Self.connectionCountMax else {
            logger.warning("Kafka: \(sessions.count) connections open; closing a new one from \(connection.remoteDescription)")
            return connection.close()
        }
        let session = KafkaSession(connection: connection)
        let key = ObjectIdentifier(connection)
        sessions[key] = session
        connection.onClose = { [weak self] _ in self?.sessions.removeValue(forKey: key) }
        connection.startReading(with: KafkaFrameDecoder(frameBytesMax: node.loop.limits.frameBytesMax)) { [weak self, weak session] frame in
            guard let self, let session else { return }
            handle(frame, on: session)
        }
    }

    private func handle(_ frame: [UInt8], on session: KafkaSession) {
        let request: DecodedRequest
        do {
            request = try RequestDecoder.decode(frameBody: frame)
        } catch .unsupportedVersion(.apiVersions, let version, let correlationId) {
            // Kafka's answer: v0, UNSUPPORTED_VERSION and the table, so the client can retry.
            logger.info("Kafka: ApiVersions v\(version) from \(session.connection.remoteDescription) answered with the supported table")
            let body = ApiVersionsResponse.advertising(Self.servedApis, errorCode: .unsupportedVersion)
            return session.respond(session.reserve(), with: encodeResponse(body, correlationId: correlationId, version: 0))
        } catch {
            logger.warning("Kafka: closing \(session.connection.remoteDescription): \(error)")
            return session.connection.close()
        }
        let slot = session.reserve()
        let respond = Responder(session: session, slot: slot, correlationId: request.header.correlationId, version: request.header.apiVersion)
        switch request.body {
        case .apiVersions:
            respond(ApiVersionsResponse.advertising(Self.servedApis))
        case .metadata(let body):
            respond(metadata(body, version: request.header.apiVersion))
        case .createTopics(let body):
            createTopics(body, respond: respond)
        case .produce(let body):
            produce(body, respond: respond)
        case .findCoordinator(let body):
            respond(findCoordinator(body, version: request.header.apiVersion))
        case .joinGroup(let body):
            joinGroup(body, clientId: request.header.clientId ?? "", clientHost: session.connection.remoteDescription, respond: respond)
        case .syncGroup(let body):
            syncGroup(body, respond: respond)
        case .heartbeat(let body):
            respond(heartbeat(body))
        case .leaveGroup(let body):
            leaveGroup(body, respond: respond)
        case .offsetCommit(let body):
            offsetCommit(body, respond: respond)
        case .offsetFetch(let body):
            respond(offsetFetch(body, version: request.header.apiVersion))
        case .listGroups(let body):
            respond(listGroups(body))
        case .describeGroups(let body):
            respond(describeGroups(body))
        case .fetch(let body):
            fetch(body, respond: respond)
        case .initProducerId(let body):
            respond(initProducerId(body))
        case .listOffsets(let body):
            respond(listOffsets(body, version: request.header.apiVersion))
        case .deleteTopics(let body):
            deleteTopics(body, version: request.header.apiVersion, respond: respond)
        case .createPartitions(let body):
            createPartitions(body, respond: respond)
        case .describeConfigs(let body):
            respond(describeConfigs(body))
        case .incrementalAlterConfigs(let body):
            incrementalAlterConfigs(body, respond: respond)
        case .unregisterBroker(let body):
            unregisterBroker(body, respond: respond)
        case .deleteRecords(let body):
            deleteRecords(body, respond: respond)
        }
    }

    // MARK: - Shared lookups

    /// A partition as the metadata knows it.
    struct PartitionRef {
        var topic: Topic
        var assignment: PartitionAssignment
        var group: RaftGroupID { assignment.groupID }
    }

    func partition(topic name: String, index: Int32) -> PartitionRef? {
        guard let topic = node.applier.state.topic(named: name),
              index >= 0, index < topic.partitionCount else { return nil }
        return PartitionRef(topic: topic, assignment: topic.partitions[Int(index)])
    }

    /// The status of `group` when this node leads it, or the error a client acts on.
    /// - Parameter currentLeaderEpoch: the leader epoch the client believes in (-1: none); an
    ///   older one is fenced, a newer one not known here yet (Kafka's KIP-320 checks).
    func ledStatus(_ group: RaftGroupID, currentLeaderEpoch: Int32 = -1) -> Result<GroupStatus, ErrorCode> {
        guard let status = node.host?.status(of: group) else { return .failure(.notLeaderOrFollower) }
        guard status.failure == nil else { return .failure(.kafkaStorageError) }
        if currentLeaderEpoch >= 0 {
            let epoch = Int64(status.term.rawValue)
            if Int64(currentLeaderEpoch) < epoch { return .failure(.fencedLeaderEpoch) }
            if Int64(currentLeaderEpoch) > epoch { return .failure(.unknownLeaderEpoch) }
        }
        guard status.role == .leader else { return .failure(.notLeaderOrFollower) }
        return .success(status)
    }

    /// Runs `body` on every stored data batch (control batches skipped) of `group`'s log, in
    /// offset order: what the producer and group state are rebuilt from. Reads one bounded
    /// chunk at a time.
    func forEachDataBatch(of group: RaftGroupID, status: GroupStatus, _ body: (RecordBatch) throws -> Void) throws {
        guard let host = node.host else { return }
        let limits = host.options.logOptions.limits
        var offset = status.logStartOffset
        while offset < status.logEndOffset {
            let read = try host.read(group, from: offset, maxBytes: limits.readBytesMax)
            guard read.batchCount > 0, read.nextOffset > offset else { break }
            for batch in try read.batches(batchBytesMax: limits.batchBytesMax) where !batch.isControl { try body(batch) }
            offset = read.nextOffset
        }
    }

    /// The broker id that leads `group`, or -1.
    func leaderID(of group: RaftGroupID) -> Int32 {
        node.leaders.leader(of: group).map { Int32($0.rawValue) } ?? -1
    }

    /// The term `group`'s leader is in, Kafka's leader epoch; -1 when unknown.
    func leaderEpoch(of group: RaftGroupID) -> Int32 {
        node.leaders.entry(of: group).map { Int32(clamping: $0.term.rawValue) } ?? -1
    }
}

/// Answers one request in its place on its connection.
struct Responder {
    let session: KafkaSession
    let slot: KafkaSession.Slot
    let correlationId: Int32
    let version: Int16

    func callAsFunction<Body: KafkaResponseMessage>(_ body: Body) {
        session.respond(slot, with: encodeResponse(body, correlationId: correlationId, version: version))
    }

    /// The request gets no response.
    func none() { session.drop(slot) }
}

extension TopicID {
    /// The same 16 bytes as Kafka's topic UUID.
    var kafkaUUID: KafkaUUID { KafkaUUID(high: high, low: low) }
}
