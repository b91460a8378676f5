import Raft

/// Messages in flight between nodes, for every group, with per-link cuts (partitions).
///
/// A link joins two nodes, not two replicas: as in a real node, where every group's messages to
/// a peer share one connection, a cut link drops all groups' messages between its nodes, and a
/// reliable link keeps them in order across groups.
struct SimulatedNetwork {
    struct InFlight {
        var group: Int
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

    /// Sends `message` of group `group`, to be delivered at `dueTick` (later once reliable, to
    /// stay behind what its link already carries).
    mutating func enqueue(_ message: Message, group: Int, dueTick: Int) {
        var dueTick = dueTick
        if isReliable {
            let link = Link(from: message.from, to: message.to)
            dueTick = max(dueTick, lastDueTicks[link] ?? 0)
            lastDueTicks[link] = dueTick
        }
        inFlight.append(InFlight(group: group, message: message, dueTick: dueTick, sequence: nextSequence))
        nextSequence += 1
    }

    /// Removes and returns one message due by `tick`, with its group: the oldest once reliable,
    /// else one chosen by `pick` among the due ones (so delivery order differs from send order).
    mutating func takeDue(by tick: Int, pick: (Int) -> Int) -> (group: Int, message: Message)? {
        let due = inFlight.indices.filter { inFlight[$0].dueTick <= tick }
        guard !due.isEmpty else { return nil }
        let position = isReliable ? due[0] : due[pick(due.count)]
        let taken = inFlight.remove(at: position)
        return (taken.group, taken.message)
    }

    mutating func healAll() { cutLinks = [] }
}
