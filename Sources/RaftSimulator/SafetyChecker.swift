@_spi(Testing) import Raft

/// The invariants checked after every simulated event. Each check is incremental: it looks at
/// what the event changed, against global records kept here.
struct SafetyChecker {
    /// An entry as the checks identify it.
    struct EntryRecord: Equatable {
        var term: Term
        var lastIndex: LogIndex
        var payload: [UInt8]
        /// The term of the entry before it in the log holding it (log matching by induction).
        var termBefore: Term?
    }

    /// The leader of each term seen so far.
    private var leaders: [Term: NodeID] = [:]
    /// Every entry ever durable anywhere, by (first index, term).
    private var durableEntries: [LogIndex: [Term: EntryRecord]] = [:]
    /// What was applied at each first index, by any replica.
    private var appliedEntries: [LogIndex: EntryRecord] = [:]
    /// Entries a leader reported committed to its client, by first index.
    private(set) var acknowledged: [LogIndex: EntryRecord] = [:]
    private(set) var acknowledgedLastIndex: LogIndex = .zero

    /// One leader per term (Raft's election safety).
    mutating func checkLeader(_ node: NodeID, term: Term) -> String? {
        if let existing = leaders[term], existing != node {
            return "election safety: \(existing) and \(node) both lead \(term)"
        }
        leaders[term] = node
        return nil
    }

    /// Leader completeness: a new leader holds every committed entry, that is every entry any
    /// replica applied (or it removed the entry as a prefix).
    func checkLeaderCompleteness(_ core: RaftCore<MemoryRaftLog>) -> String? {
        // Sorted, here and below, so that a rerun reports the same entry (dictionary order is
        // seeded per process).
        for index in appliedEntries.keys.sorted() where index >= core.firstIndex {
            let entry = appliedEntries[index]!
            if entry.term < core.currentTerm, core.term(at: entry.lastIndex) != entry.term {
                let acknowledgement = acknowledged[index] == nil ? "applied" : "acknowledged"
                return "leader completeness: \(core.id) leads \(core.currentTerm) without \(acknowledgement) \(index)@\(entry.term)"
            }
        }
        return nil
    }

    /// Log matching: entries with the same index and term are identical, and so are the
    /// entries before them (checked one step back, which by induction covers the whole prefix).
    mutating func checkDurableAppend(_ entries: [Entry], node: NodeID, log: MemoryRaftLog) -> String? {
        for entry in entries {
            let record = EntryRecord(
                term: entry.term, lastIndex: entry.lastIndex, payload: entry.payload,
                termBefore: entry.index > log.firstIndex ? log.term(at: entry.index.previous) : nil)
            if var existing = durableEntries[entry.index]?[entry.term] {
                if existing.termBefore == nil { existing.termBefore = record.termBefore }
                var comparable = record
                if comparable.termBefore == nil { comparable.termBefore = existing.termBefore }
                guard existing == comparable else {
                    return "log matching: \(node) holds \(entry) unlike an earlier copy of \(entry.index)@\(entry.term)"
                }
                durableEntries[entry.index]![entry.term] = existing
            } else {
                durableEntries[entry.index, default: [:]][entry.term] = record
            }
        }
        return nil
    }

    /// No acknowledged entry leaves a durable log except by prefix removal.
    func checkTruncation(of log: MemoryRaftLog, from index: LogIndex, node: NodeID) -> String? {
        guard index <= log.lastIndex else { return nil }
        for first in acknowledged.keys.sorted() {
            let entry = acknowledged[first]!
            guard entry.lastIndex >= index && log.term(at: first) == entry.term else { continue }
            return "acknowledged entry lost: \(node) truncates its durable log at \(index), dropping \(first)@\(entry.term)"
        }
        return nil
    }

    /// State machine safety: every replica applies the same entry at the same index.
    mutating func checkApplied(_ entry: Entry, node: NodeID) -> String? {
        let record = EntryRecord(term: entry.term, lastIndex: entry.lastIndex, payload: entry.payload, termBefore: nil)
        if let existing = appliedEntries[entry.index], existing != record {
            return "state machine safety: \(node) applies \(entry) where \(existing.term) was applied before"
        }
        appliedEntries[entry.index] = record
        return nil
    }

    mutating func acknowledge(_ entry: Entry) {
        acknowledged[entry.index] = EntryRecord(term: entry.term, lastIndex: entry.lastIndex, payload: entry.payload, termBefore: nil)
        acknowledgedLastIndex = max(acknowledgedLastIndex, entry.lastIndex)
    }

    /// No acknowledged entry is lost: each stays durable on a majority (or removed as a prefix).
    /// A replica whose storage lost entries counts for those it owes: until it holds them again
    /// it votes only as its intact log would have, so no leader is elected without them (what the
    /// leader completeness check confirms).
    func checkAcknowledgedDurability(_ replicas: [SimulatedReplica], quorumCount: Int) -> String? {
        for index in acknowledged.keys.sorted() {
            let entry = acknowledged[index]!
            let holders = replicas.filter {
                $0.durableLog.firstIndex > index || $0.durableLog.term(at: index) == entry.term
                    || ($0.durableLostLogEnd?.index ?? .zero) >= index
            }
            if holders.count < quorumCount {
                return "acknowledged entry lost: \(index)@\(entry.term) is durable on \(holders.map(\.id)) only"
            }
        }
        return nil
    }
}
