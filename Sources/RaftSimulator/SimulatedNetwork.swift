import Raft

/// Messages in flight between replicas, with per-link cuts (partitions).
struct SimulatedNetwork {
    struct InFlight {
        var message: Message
        var dueTick: Int
        var sequence: UInt64
    }

    private(set) var inFlight: [InFlight] = []
    private var nextSequence: UInt64 = 0
    /// Directed links that drop everything: (from, to).
    var cutLinks: Set<Link> = []
    /// Whether links behave like TCP connections: no loss, no duplicates, in order per link.
    var isReliable = false
    /// The latest due tick per link, to keep each link in order once reliable.
    private var lastDueTicks: [Link: Int] = [:]

    struct Link: Hashable {
        var from: NodeID
        var to: NodeID
    }

    func isCut(from: NodeID, to: NodeID) -> Bool { cutLinks.contains(Link(from: from, to: to)) }

    mutating func enqueue(_ message: Message, dueTick: Int) {
        var dueTick = dueTick
        if isReliable {
            let link = Link(from: message.from, to: message.to)
            dueTick = max(dueTick, lastDueTicks[link] ?? 0)
            lastDueTicks[link] = dueTick
        }
        inFlight.append(InFlight(message: message, dueTick: dueTick, sequence: nextSequence))
        nextSequence += 1
    }

    /// Removes and returns one message due by `tick`: the oldest once reliable, else one chosen
    /// by `pick` among the due ones (so delivery order differs from send order).
    mutating func takeDue(by tick: Int, pick: (Int) -> Int) -> Message? {
        let due = inFlight.indices.filter { inFlight[$0].dueTick <= tick }
        guard !due.isEmpty else { return nil }
        let position = isReliable ? due[0] : due[pick(due.count)]
        return inFlight.remove(at: position).message
    }

    /// Drops every message to or from `node` (its connections break when it crashes).
    mutating func dropAll(involving node: NodeID) {
        inFlight.removeAll { $0.message.to == node || $0.message.from == node }
    }

    mutating func healAll() { cutLinks = [] }
}
