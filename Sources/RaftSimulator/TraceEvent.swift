import Raft

/// One thing that happened in a simulated run, kept for the trace printed on a violation.
enum TraceEvent: CustomStringConvertible {
    case tick
    case delivered(Message)
    case dropped(Message)
    case duplicated(Message)
    case cut(from: NodeID, to: NodeID, Message)
    case readied(NodeID, entries: Int, messages: Int, persistDelayTicks: Int)
    case persisted(NodeID, entries: [Entry], hardState: HardState?, logStart: LogStart?)
    case applied(NodeID, through: LogIndex)
    case proposed(NodeID, index: LogIndex, indexCount: UInt64, id: UInt64)
    case crashed(NodeID)
    case tornWrite(NodeID, entries: [Entry])
    case lostStorage(NodeID, from: LogIndex, lostEnd: LostLogEnd)
    case restarted(NodeID)
    case partitioned(String)
    case healed
    case removedPrefix(NodeID, before: LogIndex)
    case roleChanged(NodeID, Role, Term)
    case membershipChange(NodeID, MembershipChange, index: LogIndex)
    case leadershipTransfer(from: NodeID, to: NodeID)

    var description: String {
        switch self {
        case .tick: "tick"
        case .delivered(let m): "deliver \(m)"
        case .dropped(let m): "drop \(m)"
        case .duplicated(let m): "duplicate \(m)"
        case .cut(let from, let to, let m): "cut \(from)->\(to): \(m)"
        case .readied(let node, let entries, let messages, let delay):
            "\(node) ready: \(entries) entries, \(messages) messages, durable in \(delay) ticks"
        case .persisted(let node, let entries, let hardState, let start):
            "\(node) durable: \(start.map { "\($0) " } ?? "")\(entries.map(\.description).joined(separator: " ")) \(hardState.map { "[\($0)]" } ?? "")"
        case .applied(let node, let through): "\(node) applied through \(through)"
        case .proposed(let node, let index, let count, let id): "\(node) proposed #\(id) at \(index) (\(count) indexes)"
        case .crashed(let node): "\(node) CRASH"
        case .tornWrite(let node, let entries): "\(node) torn write kept \(entries.map(\.description).joined(separator: " "))"
        case .restarted(let node): "\(node) restart"
        case .lostStorage(let node, let from, let end): "\(node) STORAGE LOST from \(from), refilling through \(end.index)@\(end.term)"
        case .partitioned(let layout): "partition \(layout)"
        case .healed: "heal network"
        case .removedPrefix(let node, let before): "\(node) removed prefix before \(before)"
        case .roleChanged(let node, let role, let term): "\(node) is \(role) in \(term)"
        case .membershipChange(let node, let change, let index): "\(node) proposed \(change) at \(index)"
        case .leadershipTransfer(let from, let to): "\(from) hands leadership to \(to)"
        }
    }
}

/// The last events of a run, bounded.
struct Trace {
    private var events: [(tick: Int, event: TraceEvent)] = []
    private var head = 0
    let countMax: Int

    init(countMax: Int) { self.countMax = max(1, countMax) }

    mutating func record(_ event: TraceEvent, tick: Int) {
        if events.count < countMax {
            events.append((tick, event))
        } else {
            events[head] = (tick, event)
            head = (head + 1) % countMax
        }
    }

    /// The kept events, oldest first, one line each.
    var lines: [String] {
        let ordered = events[head...] + events[..<head]
        return ordered.map { "  t=\($0.tick) \($0.event)" }
    }
}
