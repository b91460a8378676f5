import ClusterMetadata
import Raft

/// Who leads each Raft group, as far as this node knows: from its own replicas' status and from
/// the leaders' periodic reports (``NodeMessage/leaders(_:)``), so that a node answers "who leads
/// partition p" for partitions it does not host. A higher term always wins; within a term the
/// leader is unique (Raft's election safety). Loop thread only.
struct LeaderDirectory {
    struct Entry: Equatable {
        var leader: NodeID
        var term: Term
    }

    private var entries: [RaftGroupID: Entry] = [:]

    /// The leader of `group` known here, if any.
    func leader(of group: RaftGroupID) -> NodeID? { entries[group]?.leader }

    /// The known leader and term of `group`.
    func entry(of group: RaftGroupID) -> Entry? { entries[group] }

    /// Takes `leader` as `group`'s leader in `term` unless a later term is known.
    /// - Returns: whether the directory changed.
    @discardableResult
    mutating func learn(_ group: RaftGroupID, leader: NodeID, term: Term) -> Bool {
        if let known = entries[group], known.term > term || known == Entry(leader: leader, term: term) { return false }
        entries[group] = Entry(leader: leader, term: term)
        return true
    }

    /// Forgets `group`'s leader when `term` is later than the known one (a replica here is in a
    /// new term without a leader yet: the old leader is stale).
    mutating func forget(_ group: RaftGroupID, asOf term: Term) {
        if let known = entries[group], known.term < term { entries[group] = nil }
    }

    /// Drops groups that no longer exist.
    mutating func retain(only groups: Set<RaftGroupID>) {
        entries = entries.filter { groups.contains($0.key) }
    }
}
