import ClusterMetadata
import Raft

/// Preferred-leader balancing (Kafka's `auto.leader.rebalance.enable`), one node's half: on a
/// periodic check, each node hands the partitions it leads to their preferred replica (the
/// first of the assignment; placement spreads those evenly over the nodes) once that replica
/// is caught up and its node has stayed up for a cool-down.
///
/// A value with no clock: time is the node's housekeeping round number, passed in. The node
/// feeds it which peers are up each round and, at each check, the groups it leads
/// (``observe(led:round:)``); it asks ``transfers(among:local:round:)`` and starts what comes
/// back with `RaftHost.transferLeadership(of:to:)`.
///
/// Why it cannot fight Raft: it only asks the leader's core for a transfer, which hands over
/// only to a voter whose log matches the leader's last index and is abandoned by the core after
/// an election timeout; terms, votes and pre-vote are untouched. Why it cannot ping-pong: a node
/// must stay up for ``Policy/cooldownRounds`` before anything is handed to it, a leader keeps a
/// group for a cool-down before handing it on (a node stopping gracefully hands its groups away
/// while still up; they must not come straight back), and a group is tried at most once per
/// cool-down, so a flapping node receives nothing and a transfer that fails (the target went
/// down, or is refilling lost storage and so does not campaign) is not retried at once.
struct LeaderBalancer {
    /// How often the check runs and how much it may do.
    struct Policy: Equatable {
        /// Housekeeping rounds between two checks; at least 1.
        var checkIntervalRounds: UInt64
        /// Rounds a node must have been up without a break before leadership is handed to it,
        /// rounds a group must have been led here before it is handed on, and rounds before a
        /// group is tried again.
        var cooldownRounds: UInt64
        /// Transfers one check starts at most (so per node, since each node checks only the
        /// groups it leads); at least 1.
        var transfersPerCheckMax: Int

        /// How far (in indexes) a preferred replica's match may trail the leader's last index
        /// and still count as caught up: under load the match trails by what is in flight, and
        /// the core then completes the catch-up before it lets the target campaign (proposals
        /// wait meanwhile, so the bound is small).
        static let catchUpLagIndexesMax: UInt64 = 64
    }

    /// A group this node leads, as one check sees it.
    struct LedGroup: Equatable {
        /// The group.
        var group: RaftGroupID
        /// The term this node leads it in.
        var term: Term
        /// The first replica of the partition's assignment.
        var preferred: NodeID
        /// Whether `preferred` is a voter of the group's committed membership (not while it is
        /// being added or removed).
        var preferredIsVoter: Bool
        /// The leader's last log index.
        var lastIndex: LogIndex
        /// The last index the leader knows `preferred`'s log matches; nil when unknown.
        var preferredMatch: LogIndex?
    }

    /// One leadership transfer to start.
    struct Transfer: Equatable {
        /// The group to hand over.
        var group: RaftGroupID
        /// Its preferred replica.
        var target: NodeID
    }

    /// The bounds this balancer works with.
    let policy: Policy
    /// The round from which each node has been up without a break (this node's peers only:
    /// bounded by the cluster's size).
    private(set) var upSinceRound: [NodeID: UInt64] = [:]
    /// The round each group was last tried in, within the last cool-down (older entries are
    /// dropped at each check, so at most `transfersPerCheckMax` per check of a cool-down).
    private(set) var triedRound: [RaftGroupID: UInt64] = [:]
    /// For each group this node led at the last check, the term and the first check round it
    /// was seen led in that term (bounded by the groups hosted here).
    private(set) var ledSince: [RaftGroupID: (term: Term, round: UInt64)] = [:]

    init(policy: Policy) {
        precondition(policy.checkIntervalRounds >= 1, "a leader balance check interval of 0 rounds")
        precondition(policy.transfersPerCheckMax >= 1, "a leader balance check that may transfer nothing")
        self.policy = policy
    }

    /// Records which nodes are up in `round`: a node not in `up` starts its cool-down again
    /// when it returns.
    mutating func observe(up: Set<NodeID>, round: UInt64) {
        upSinceRound = upSinceRound.filter { up.contains($0.key) }
        for node in up where upSinceRound[node] == nil { upSinceRound[node] = round }
        precondition(upSinceRound.count == up.count, "up-since rounds for nodes not up")
    }

    /// Records the groups this node leads at the check of `round`: a group led in a term not
    /// seen before starts its tenure now.
    mutating func observe(led: [LedGroup], round: UInt64) {
        var seen: [RaftGroupID: (term: Term, round: UInt64)] = [:]
        for group in led {
            let known = ledSince[group.group]
            seen[group.group] = known.map { $0.term == group.term } == true ? known : (group.term, round)
        }
        ledSince = seen
        precondition(ledSince.count <= led.count, "tenures for groups not led")
    }

    /// Whether `round` is a check round.
    func isCheckRound(_ round: UInt64) -> Bool { round % policy.checkIntervalRounds == 0 }

    /// The transfers a check in `round` should start, in group order, at most
    /// ``Policy/transfersPerCheckMax``: every group in `led` led here in its term for a whole
    /// cool-down (``observe(led:round:)``) whose preferred replica is another voter, caught up
    /// (see ``Policy/catchUpLagIndexesMax``), on a node up for a whole cool-down, and that was
    /// not tried within the last cool-down.
    /// - Parameter local: this node; groups whose preferred replica it is stay.
    func transfers(among led: [LedGroup], local: NodeID, round: UInt64) -> [Transfer] {
        var chosen: [Transfer] = []
        for candidate in led.sorted(by: { $0.group < $1.group }) where chosen.count < policy.transfersPerCheckMax {
            guard candidate.preferred != local, candidate.preferredIsVoter,
                  let match = candidate.preferredMatch,
                  match.rawValue + Policy.catchUpLagIndexesMax >= candidate.lastIndex.rawValue,
                  let upSince = upSinceRound[candidate.preferred], round >= upSince + policy.cooldownRounds,
                  let tenure = ledSince[candidate.group], tenure.term == candidate.term, round >= tenure.round + policy.cooldownRounds
            else { continue }
            if let tried = triedRound[candidate.group], round < tried + policy.cooldownRounds { continue }
            chosen.append(Transfer(group: candidate.group, target: candidate.preferred))
        }
        precondition(chosen.count <= policy.transfersPerCheckMax, "a check chose more transfers than its bound")
        return chosen
    }

    /// Records that the groups of `started` were tried in `round`, and forgets tries older than
    /// a cool-down.
    mutating func record(_ started: [Transfer], round: UInt64) {
        triedRound = triedRound.filter { round < $0.value + policy.cooldownRounds }
        for transfer in started { triedRound[transfer.group] = round }
    }
}
