import KafkaProtocol
import Transport

/// A few stub brokers on loopback sockets, sharing one ``StubModel``, on a loop of their own.
///
/// Each broker decodes requests with the real `RequestDecoder` and answers with
/// `KafkaFrame.response`, so the client meets the same codec a node uses. The model lives on the
/// stub's loop; tests read and change it with ``withModel(_:)``.
final class StubCluster: @unchecked Sendable {
    let loop: EventLoop
    private var model: StubModel
    private var listeners: [TCPListener] = []
    private var heldResponses: [(TCPConnection, [UInt8])] = []

    /// Starts `nodeCount` brokers with node ids 1...nodeCount.
    init(nodeCount: Int) async throws {
        loop = try EventLoop(name: "stub-brokers")
        model = StubModel(nodeIds: (1...Int32(nodeCount)).map { $0 })
        try await loop.submit { [self] in
            for nodeId in model.nodeIds {
                let listener = try TCPListener(on: loop, at: SocketAddress(host: "127.0.0.1", port: 0)) { [self] connection in
                    connection.startReading(with: KafkaFrameDecoder(frameBytesMax: loop.limits.frameBytesMax)) { [self] body in
                        receive(body, on: nodeId, from: connection)
                    }
                }
                model.ports[nodeId] = listener.localAddress.port
                listeners.append(listener)
            }
        }
    }

    /// `host:port,...` of every broker.
    var bootstrapServers: String {
        get async throws {
            try await withModel { model in model.nodeIds.map { "127.0.0.1:\(model.ports[$0]!)" }.joined(separator: ",") }
        }
    }

    /// Runs `body` on the stub's loop with the model.
    func withModel<Result: Sendable>(_ body: @escaping @Sendable (inout StubModel) throws -> Result) async throws -> Result {
        try await loop.submit { [self] in try body(&model) }
    }

    /// Sends the responses kept by ``StubAction/hold``.
    func releaseHeldResponses() async throws {
        try await loop.submit { [self] in
            for (connection, frame) in heldResponses { _ = connection.send(bytes: frame) }
            heldResponses.removeAll()
        }
    }

    /// Stops every broker (their connections close).
    func shutdown() {
        loop.shutdown()
    }

    private func receive(_ body: [UInt8], on nodeId: Int32, from connection: TCPConnection) {
        let request: DecodedRequest
        do {
            request = try RequestDecoder.decode(frameBody: body)
        } catch {
            connection.close()
            return
        }
        model.requestLog.append((nodeId, request.body.apiKey, request.header.apiVersion))
        let action = model.script?(&model, nodeId, request) ?? .answer
        let version = request.header.apiVersion
        let correlationId = request.header.correlationId
        switch action {
        case .silent:
            return
        case .respond(let frame):
            _ = connection.send(bytes: frame)
        case .close:
            connection.close()
        case .applyThenClose:
            _ = model.handle(request.body, on: nodeId)
            connection.close()
        case .garbage:
            var junk = withUnsafeBytes(of: correlationId.bigEndian) { Array($0) }
            junk += [0xde, 0xad, 0xbe, 0xef, 0xff]
            _ = connection.sendKafkaFrame(junk)
        case .hold:
            let response = model.handle(request.body, on: nodeId)
            heldResponses.append((connection, KafkaFrame.response(response, version: version, correlationId: correlationId)))
        case .answer where StubModel.isGroupApi(request.body.apiKey):
            // Like a Kafka broker, read nothing more from this connection until the answer is
            // sent (a JoinGroup may wait for other members), so answers stay in request order.
            connection.pauseReading()
            model.handleGroupRequest(request) { response in
                _ = connection.send(bytes: KafkaFrame.response(response, version: version, correlationId: correlationId))
                connection.resumeReading()
            }
        case .answer, .wrongCorrelationId:
            let response = model.handle(request.body, on: nodeId)
            if request.body.apiKey == .produce, case .produce(let produce) = request.body, produce.acks == 0 { return }
            let answeredId = action == .wrongCorrelationId ? correlationId &+ 1_000 : correlationId
            _ = connection.send(bytes: KafkaFrame.response(response, version: version, correlationId: answeredId))
        }
    }
}
