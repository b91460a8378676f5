import DequeModule
import KafkaProtocol
import Transport

/// One client connection on the Kafka listener: frames in, responses out **in request order**
/// (Kafka clients match responses to requests by order as well as by correlation id), even
/// though a produce waiting for its Raft commit answers later than a metadata request behind it.
///
/// Each decoded request takes a slot; a handler fills it (or drops it, for acks=0 produce, which
/// has no response) and every filled slot at the front is written. At most
/// ``inflightRequestCountMax`` requests are open per connection: past it the session stops
/// reading, so a client cannot make the node hold unbounded work. Loop thread only.
final class KafkaSession {
    /// A reserved place in the response order.
    struct Slot: Hashable { fileprivate let number: UInt64 }

    /// Requests a connection may have open before the node stops reading from it.
    static let inflightRequestCountMax = 128

    let connection: TCPConnection
    private var pending: Deque<(number: UInt64, response: [UInt8]?, dropped: Bool)> = []
    private var nextNumber: UInt64 = 0
    private var isPausedHere = false

    init(connection: TCPConnection) {
        self.connection = connection
    }

    /// Whether the connection is still open (responses to a closed one are discarded).
    var isOpen: Bool { connection.isOpen }

    /// Reserves the next place in the response order.
    func reserve() -> Slot {
        let slot = Slot(number: nextNumber)
        nextNumber += 1
        pending.append((slot.number, nil, false))
        if pending.count >= Self.inflightRequestCountMax && !isPausedHere {
            isPausedHere = true
            connection.pauseReading()
        }
        return slot
    }

    /// Answers the request of `slot` with `body` (a response header and body, unframed).
    func respond(_ slot: Slot, with body: [UInt8]) { settle(slot, response: body, dropped: false) }

    /// The request of `slot` gets no response (acks=0 produce).
    func drop(_ slot: Slot) { settle(slot, response: nil, dropped: true) }

    private func settle(_ slot: Slot, response: [UInt8]?, dropped: Bool) {
        guard let first = pending.first?.number, slot.number >= first else { return }
        let position = Int(slot.number - first)
        guard position < pending.count, pending[position].response == nil, !pending[position].dropped else { return }
        pending[position].response = response
        pending[position].dropped = dropped
        while let head = pending.first, head.response != nil || head.dropped {
            pending.removeFirst()
            guard let bytes = head.response, connection.isOpen else { continue }
            switch connection.sendKafkaFrame(bytes) {
            case .queued, .queuedAboveHighWater: break
            case .rejectedClosed: return
            case .rejectedQueueFull, .rejectedFrameTooLarge:
                connection.loop.logger.warning("Kafka: a response of \(bytes.count) bytes does not fit \(connection.remoteDescription)'s send queue; closing it")
                return connection.close()
            }
        }
        if isPausedHere && pending.count < Self.inflightRequestCountMax / 2 {
            isPausedHere = false
            connection.resumeReading()
        }
    }
}

/// Encodes a response frame body: the header its API and version call for, then the body.
func encodeResponse<Body: KafkaResponseMessage>(_ body: Body, correlationId: Int32, version: Int16) -> [UInt8] {
    var writer = ByteWriter()
    ResponseHeader(correlationId: correlationId)
        .encode(into: &writer, headerVersion: ResponseHeader.version(apiKey: Body.apiKey, apiVersion: version))
    body.encode(into: &writer, version: version)
    return writer.bytes
}
