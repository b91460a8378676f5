import ClusterMetadata
import Raft
import Transport

/// The Raft messages a host has to send, gathered per peer until the end of its cycle and then
/// handed out as raft batch frames: one per peer, more only when the messages exceed
/// ``bodyBytesMax`` (each frame stays below it).
struct PeerOutbox {
    /// The largest frame body produced (the transport's `frameBytesMax`).
    let bodyBytesMax: Int
    private var batches: [NodeID: PeerBatch] = [:]

    init(bodyBytesMax: Int) {
        precondition(bodyBytesMax > RaftBatchFrame.countBytes, "a frame body must hold more than its count")
        self.bodyBytesMax = bodyBytesMax
    }

    /// Whether nothing waits to be sent.
    var isEmpty: Bool { batches.isEmpty }

    /// Queues `message` of `group` for its receiver.
    mutating func add(_ message: Message, group: RaftGroupID) {
        let entry = RaftBatchFrame.encodeEntry(message, group: group)
        // RaftHostOptions.validate() keeps the largest append below the frame bound.
        precondition(
            RaftBatchFrame.countBytes + entry.count <= bodyBytesMax,
            "a \(entry.count)-byte Raft message does not fit a \(bodyBytesMax)-byte frame body")
        batches[message.to, default: PeerBatch()].add(entry, bodyBytesMax: bodyBytesMax)
    }

    /// Everything queued, as frames per peer; empties the outbox.
    mutating func takeFrames() -> [(peer: NodeID, frame: PeerFrame, messageCount: Int)] {
        defer { batches.removeAll(keepingCapacity: true) }
        return batches.sorted { $0.key < $1.key }.flatMap { peer, batch in
            batch.bodies().map { (peer, PeerFrame(kind: RaftBatchFrame.kind, body: $0.body), $0.count) }
        }
    }
}

/// The entries for one peer: finished bodies, and the one being filled.
private struct PeerBatch {
    private var finished: [(body: [UInt8], count: Int)] = []
    private var current: [UInt8] = [0, 0, 0, 0]
    private var currentCount = 0

    mutating func add(_ entry: [UInt8], bodyBytesMax: Int) {
        if currentCount > 0 && current.count + entry.count > bodyBytesMax { finishCurrent() }
        current += entry
        currentCount += 1
    }

    func bodies() -> [(body: [UInt8], count: Int)] {
        var copy = self
        if copy.currentCount > 0 { copy.finishCurrent() }
        return copy.finished
    }

    private mutating func finishCurrent() {
        var count: [UInt8] = []
        RaftBatchFrame.appendUInt32(UInt32(currentCount), to: &count)
        current.replaceSubrange(0..<4, with: count)
        finished.append((current, currentCount))
        current = [0, 0, 0, 0]
        currentCount = 0
    }
}
