/// Chooses the nodes of new replicas and the order of replica lists, deterministically.
///
/// Greedy "water filling": a partition's replicas go to the candidates holding the fewest
/// replicas of this topic (then sharing the fewest partitions with the others chosen, then
/// holding the fewest in the cluster); its preferred leader leads the fewest partitions of the
/// topic, then of the cluster. Ties are broken by a rank that rotates with the topic id and the
/// partition, so equal nodes take turns instead of the lowest id always winning. While the
/// candidates do not change, a topic's per-node replica counts differ by at most one; leader
/// counts are then evened out by chains of hand-overs (``evenLeaders(_:)``). Balance across
/// topics is only a tie-break, so cluster-wide counts may differ by a few.
///
/// Load counts the replica list each partition is heading to (the target while moving).
struct ReplicaPlacer {
    private struct Load {
        var replicas = 0
        var leaders = 0
    }

    /// Nodes that may receive replicas, sorted by id.
    private let candidates: [BrokerID]
    private let candidateIndex: [BrokerID: Int]
    private var clusterLoad: [BrokerID: Load] = [:]
    private var topicLoad: [BrokerID: Load] = [:]
    /// How many partitions of the focused topic each pair of nodes shares: followers prefer
    /// nodes sharing few partitions with the others chosen, so that a node's replicas are
    /// spread over many peers (when it leaves or fails, many nodes share the load of it).
    private var topicPairs: [NodePair: Int] = [:]
    private var rotation = 0

    /// - Parameters:
    ///   - candidates: the nodes that may receive replicas (any order).
    ///   - topics: every topic of the cluster, whose replicas make up each node's load.
    init(candidates: [BrokerID], topics: some Sequence<Topic>) {
        self.candidates = candidates.sorted()
        candidateIndex = Dictionary(uniqueKeysWithValues: self.candidates.enumerated().map { ($1, $0) })
        for topic in topics {
            for partition in topic.partitions {
                for (position, node) in partition.intendedReplicas.enumerated() {
                    clusterLoad[node, default: Load()].replicas += 1
                    clusterLoad[node, default: Load()].leaders += position == 0 ? 1 : 0
                }
            }
        }
    }

    /// Makes `topicID` the topic whose partitions the next calls place or reorder.
    /// - Parameters:
    ///   - partitions: the topic's partitions so far (none for a new topic).
    ///   - choosingLeadersAnew: the topic's preferred leaders are about to be chosen again,
    ///     so its current ones must not weigh.
    mutating func focus(on topicID: TopicID, partitions: [PartitionAssignment], choosingLeadersAnew: Bool = false) {
        rotation = candidates.isEmpty ? 0 : Int(topicID.low % UInt64(candidates.count))
        topicLoad = [:]
        topicPairs = [:]
        for partition in partitions {
            countPairs(partition.intendedReplicas, 1)
            for (position, node) in partition.intendedReplicas.enumerated() {
                topicLoad[node, default: Load()].replicas += 1
                guard position == 0 else { continue }
                if choosingLeadersAnew {
                    clusterLoad[node, default: Load()].leaders -= 1
                } else {
                    topicLoad[node, default: Load()].leaders += 1
                }
            }
        }
    }

    /// Places a new partition's `count` replicas, preferred leader first.
    ///
    /// The leader is picked first, among the nodes that can join without unbalancing replica
    /// counts: the least loaded ones if there are at least `count` of them, else any. Followers
    /// then fill up by replica count, preferring nodes that share few partitions of the topic
    /// with those already chosen. Callers finish a topic with ``evenLeaders(_:)``.
    mutating func place(partition: Int32, count: Int) -> [BrokerID] {
        precondition(count > 0 && count <= candidates.count, "placing \(count) replicas on \(candidates.count) candidates")
        let lightest = candidates.map { topicLoad[$0]?.replicas ?? 0 }.min()!
        let light = candidates.filter { (topicLoad[$0]?.replicas ?? 0) == lightest }
        let leaderPool = light.count >= count ? light : candidates
        let leader = leaderPool.map { (key: leaderKey($0, partition), node: $0) }.min { $0.key < $1.key }!.node
        record(leader, leads: true)
        var replicas = [leader]
        while replicas.count < count {
            let follower = candidates.filter { !replicas.contains($0) }
                .map { (key: followerKey($0, replicas, partition), node: $0) }.min { $0.key < $1.key }!.node
            record(follower, leads: false)
            replicas.append(follower)
        }
        countPairs(replicas, 1)
        assert(Set(replicas).count == count)
        return replicas
    }

    /// Replaces `leaving` in a partition's replica list by the best candidate not already in it,
    /// at the same position; nil when every candidate already holds a replica.
    mutating func replace(_ leaving: BrokerID, in replicas: [BrokerID], partition: Int32) -> [BrokerID]? {
        guard let position = replicas.firstIndex(of: leaving) else { preconditionFailure("\(leaving) not in \(replicas)") }
        let free = candidates.filter { !replicas.contains($0) }
        let others = replicas.filter { $0 != leaving }
        guard let pick = free.map({ (key: replicaKey($0, others, partition), node: $0) }).min(by: { $0.key < $1.key })?.node else { return nil }
        var result = replicas
        result[position] = pick
        record(pick, leads: position == 0)
        countPairs(replicas, -1)
        countPairs(result, 1)
        return result
    }

    /// Moves to the front of `replicas` the candidate in it that leads the fewest partitions;
    /// the others keep their order. A list without candidates is returned unchanged.
    mutating func withBalancedLeader(_ replicas: [BrokerID], partition: Int32) -> [BrokerID] {
        let eligible = replicas.filter { candidateIndex[$0] != nil }
        let leader = eligible.min(by: { leaderKey($0, partition) < leaderKey($1, partition) }) ?? replicas[0]
        clusterLoad[leader, default: Load()].leaders += 1
        topicLoad[leader, default: Load()].leaders += 1
        return [leader] + replicas.filter { $0 != leader }
    }

    /// Moves replicas of the focused topic, only within `movableSlots`, until no node holds two
    /// more of its replicas than a node that could take one.
    ///
    /// Greedy single replacements can strand a node below the others (every partition that
    /// could take it already holds it); chains of moves (see ``evenLeaders(_:)``) repair that
    /// without moving any replica that was not moving anyway.
    /// - Parameters:
    ///   - lists: the topic's replica lists, by partition.
    ///   - movableSlots: for each partition, the one position that may change, or nil.
    mutating func evenReplicas(_ lists: inout [[BrokerID]], movableSlots: [Int?]) {
        precondition(lists.count == movableSlots.count, "one movable slot entry per partition")
        while true {
            var holding: [BrokerID: [Int]] = [:]
            for p in lists.indices { if let slot = movableSlots[p] { holding[lists[p][slot], default: []].append(p) } }
            let chain = augmentingChain(from: holding.keys, count: { topicLoad[$0]?.replicas ?? 0 }) { node in
                (holding[node] ?? []).flatMap { p in candidates.filter { !lists[p].contains($0) }.map { (p, $0) } }
            }
            guard let chain else { return }
            for (p, receiver) in chain {
                let slot = movableSlots[p]!
                unrecord(lists[p][slot], leads: slot == 0)
                countPairs(lists[p], -1)
                lists[p][slot] = receiver
                countPairs(lists[p], 1)
                record(receiver, leads: slot == 0)
            }
        }
    }

    /// Reorders the focused topic's replica lists until no node leads two more of its
    /// partitions than a node that could take one over. Nothing moves, only preferred leaders.
    ///
    /// A direct swap is not always possible (the light node may share no partition with the
    /// heavy one), so this follows chains: the heavy node hands a partition to a replica of it,
    /// which hands one of its own to another, and so on until a light node takes one (an
    /// augmenting path, found breadth first). Each chain lowers the sum of squared leader
    /// counts, so the loop ends.
    mutating func evenLeaders(_ lists: inout [[BrokerID]]) {
        while let chain = leaderChain(lists) {
            for (partition, successor) in chain {
                let leader = lists[partition][0]
                lists[partition] = [successor] + lists[partition].filter { $0 != successor }
                for (node, delta) in [(leader, -1), (successor, 1)] {
                    topicLoad[node, default: Load()].leaders += delta
                    clusterLoad[node, default: Load()].leaders += delta
                }
            }
        }
    }

    /// A chain of leadership hand-overs `(partition, new leader)` from a node leading the most
    /// partitions to a candidate leading at least two fewer; nil if there is none.
    private func leaderChain(_ lists: [[BrokerID]]) -> [(Int, BrokerID)]? {
        var ledBy: [BrokerID: [Int]] = [:]
        for p in lists.indices { ledBy[lists[p][0], default: []].append(p) }
        return augmentingChain(from: ledBy.keys, count: { topicLoad[$0]?.leaders ?? 0 }) { node in
            (ledBy[node] ?? []).flatMap { p in lists[p].dropFirst().filter { candidateIndex[$0] != nil }.map { (p, $0) } }
        }
    }

    /// Breadth-first search for a chain of hand-overs, each `(partition, receiver)` moving one
    /// unit from the previous node to the receiver, that starts at the most loaded of `sources`
    /// able to reach a node whose `count` is at least two below its own.
    /// - Parameters:
    ///   - sources: the nodes that may give (tried from the most loaded down, then by id).
    ///   - count: the load being evened.
    ///   - handOvers: the `(partition, receiver)` moves a node can make.
    private func augmentingChain(
        from sources: some Sequence<BrokerID>, count: (BrokerID) -> Int, handOvers: (BrokerID) -> [(Int, BrokerID)]
    ) -> [(Int, BrokerID)]? {
        for source in sources.sorted(by: { (count($0), $1) > (count($1), $0) }) {
            var reachedVia: [BrokerID: (partition: Int, from: BrokerID)] = [source: (-1, source)]
            var frontier = [source]
            while !frontier.isEmpty {
                var next: [BrokerID] = []
                for node in frontier {
                    for (partition, receiver) in handOvers(node) where reachedVia[receiver] == nil {
                        reachedVia[receiver] = (partition, node)
                        if count(receiver) <= count(source) - 2 { return unwind(to: receiver, from: source, reachedVia) }
                        next.append(receiver)
                    }
                }
                frontier = next
            }
        }
        return nil
    }

    private func unwind(to end: BrokerID, from source: BrokerID, _ reachedVia: [BrokerID: (partition: Int, from: BrokerID)]) -> [(Int, BrokerID)] {
        var chain: [(Int, BrokerID)] = []
        var node = end
        while node != source {
            let step = reachedVia[node]!
            chain.append((step.partition, node))
            node = step.from
        }
        return chain
    }

    private mutating func record(_ node: BrokerID, leads: Bool) {
        clusterLoad[node, default: Load()].replicas += 1
        topicLoad[node, default: Load()].replicas += 1
        if leads {
            clusterLoad[node, default: Load()].leaders += 1
            topicLoad[node, default: Load()].leaders += 1
        }
    }

    private mutating func unrecord(_ node: BrokerID, leads: Bool) {
        clusterLoad[node, default: Load()].replicas -= 1
        topicLoad[node, default: Load()].replicas -= 1
        if leads {
            clusterLoad[node, default: Load()].leaders -= 1
            topicLoad[node, default: Load()].leaders -= 1
        }
    }

    private func rank(_ node: BrokerID, _ partition: Int32) -> Int {
        let count = candidates.count
        let index = candidateIndex[node] ?? count
        let shift = (rotation + Int(partition)) % max(count, 1)
        return (index - shift + count) % max(count, 1)
    }

    private mutating func countPairs(_ replicas: [BrokerID], _ delta: Int) {
        for (i, a) in replicas.enumerated() {
            for b in replicas[(i + 1)...] { topicPairs[NodePair(a, b), default: 0] += delta }
        }
    }

    private func sharedPartitions(_ node: BrokerID, _ members: [BrokerID]) -> Int {
        members.reduce(0) { $0 + (topicPairs[NodePair(node, $1)] ?? 0) }
    }

    private func followerKey(_ node: BrokerID, _ chosen: [BrokerID], _ partition: Int32) -> (Int, Int, Int, Int, Int) {
        let topic = topicLoad[node] ?? Load()
        let cluster = clusterLoad[node] ?? Load()
        return (topic.replicas, sharedPartitions(node, chosen), cluster.replicas, cluster.leaders, rank(node, partition))
    }

    private func replicaKey(_ node: BrokerID, _ others: [BrokerID], _ partition: Int32) -> (Int, Int, Int, Int, Int, Int) {
        let topic = topicLoad[node] ?? Load()
        let cluster = clusterLoad[node] ?? Load()
        return (topic.replicas, sharedPartitions(node, others), cluster.replicas, topic.leaders, cluster.leaders, rank(node, partition))
    }

    private func leaderKey(_ node: BrokerID, _ partition: Int32) -> (Int, Int, Int, Int) {
        let topic = topicLoad[node] ?? Load()
        let cluster = clusterLoad[node] ?? Load()
        return (topic.leaders, cluster.leaders, cluster.replicas, rank(node, partition))
    }
}

/// Two distinct nodes, unordered.
private struct NodePair: Hashable {
    let low: BrokerID
    let high: BrokerID

    init(_ a: BrokerID, _ b: BrokerID) {
        precondition(a != b, "a node does not pair with itself")
        (low, high) = a < b ? (a, b) : (b, a)
    }
}
