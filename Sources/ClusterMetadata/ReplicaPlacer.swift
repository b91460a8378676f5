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
/// Internally nodes are dense slots (indexes into `nodes`) so that loads are arrays.
struct ReplicaPlacer {
    private struct Load {
        var replicas = 0
        var leaders = 0
    }

    /// Every node the placer can meet (candidates and any node in a topic's lists), by id.
    private let nodes: [BrokerID]
    private let slotOf: [BrokerID: Int]
    /// The slots of the nodes that may receive replicas, in id order.
    private let candidateSlots: [Int]
    /// For each slot, its position among the candidates, or nil.
    private let candidatePosition: [Int?]
    private var clusterLoad: [Load]
    private var topicLoad: [Load]
    /// How many partitions of the focused topic each pair of nodes shares (key: `pairKey`):
    /// followers prefer nodes sharing few partitions with the others chosen, so that a node's
    /// replicas are spread over many peers (when it leaves or fails, many share its load).
    private var topicPairs: [Int: Int] = [:]
    private var rotation = 0

    /// - Parameters:
    ///   - candidates: the nodes that may receive replicas (any order).
    ///   - topics: every topic of the cluster, whose replicas make up each node's load.
    init(candidates: [BrokerID], topics: [Topic]) {
        var known = Set(candidates)
        for topic in topics { for partition in topic.partitions { known.formUnion(partition.hostingNodes) } }
        let all = known.sorted()
        let slotOf = Dictionary(uniqueKeysWithValues: all.enumerated().map { ($1, $0) })
        let candidateSet = Set(candidates)
        let candidateSlots = all.indices.filter { candidateSet.contains(all[$0]) }
        var position = [Int?](repeating: nil, count: all.count)
        for (index, slot) in candidateSlots.enumerated() { position[slot] = index }
        var load = Array(repeating: Load(), count: all.count)
        for topic in topics {
            for partition in topic.partitions {
                for (position, node) in partition.intendedReplicas.enumerated() {
                    load[slotOf[node]!].replicas += 1
                    load[slotOf[node]!].leaders += position == 0 ? 1 : 0
                }
            }
        }
        nodes = all
        self.slotOf = slotOf
        self.candidateSlots = candidateSlots
        candidatePosition = position
        clusterLoad = load
        topicLoad = Array(repeating: Load(), count: all.count)
    }

    /// Makes `topicID` the topic whose partitions the next calls place or reorder.
    /// - Parameters:
    ///   - partitions: the topic's partitions so far (none for a new topic).
    ///   - choosingLeadersAnew: the topic's preferred leaders are about to be chosen again,
    ///     so its current ones must not weigh.
    mutating func focus(on topicID: TopicID, partitions: [PartitionAssignment], choosingLeadersAnew: Bool = false) {
        rotation = candidateSlots.isEmpty ? 0 : Int(topicID.low % UInt64(candidateSlots.count))
        topicLoad = Array(repeating: Load(), count: nodes.count)
        topicPairs = [:]
        for partition in partitions {
            let list = slots(partition.intendedReplicas)
            countPairs(list, 1)
            for (position, slot) in list.enumerated() {
                topicLoad[slot].replicas += 1
                guard position == 0 else { continue }
                if choosingLeadersAnew {
                    clusterLoad[slot].leaders -= 1
                } else {
                    topicLoad[slot].leaders += 1
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
        precondition(count > 0 && count <= candidateSlots.count, "placing \(count) replicas on \(candidateSlots.count) candidates")
        let lightest = candidateSlots.map { topicLoad[$0].replicas }.min()!
        let light = candidateSlots.filter { topicLoad[$0].replicas == lightest }
        let leaderPool = light.count >= count ? light : candidateSlots
        let leader = leaderPool.map { (key: leaderKey($0, partition), slot: $0) }.min { $0.key < $1.key }!.slot
        record(leader, leads: true)
        var list = [leader]
        while list.count < count {
            let follower = candidateSlots.filter { !list.contains($0) }
                .map { (key: followerKey($0, list, partition), slot: $0) }.min { $0.key < $1.key }!.slot
            record(follower, leads: false)
            list.append(follower)
        }
        countPairs(list, 1)
        assert(Set(list).count == count)
        return list.map { nodes[$0] }
    }

    /// Replaces `leaving` in a partition's replica list by the best candidate not already in it,
    /// at the same position; nil when every candidate already holds a replica.
    mutating func replace(_ leaving: BrokerID, in replicas: [BrokerID], partition: Int32) -> [BrokerID]? {
        guard let position = replicas.firstIndex(of: leaving) else { preconditionFailure("\(leaving) not in \(replicas)") }
        let list = slots(replicas)
        let others = list.filter { $0 != list[position] }
        let free = candidateSlots.filter { !list.contains($0) }
        guard let pick = free.map({ (key: replicaKey($0, others, partition), slot: $0) }).min(by: { $0.key < $1.key })?.slot else {
            return nil
        }
        var result = list
        result[position] = pick
        record(pick, leads: position == 0)
        countPairs(list, -1)
        countPairs(result, 1)
        return result.map { nodes[$0] }
    }

    /// Moves to the front of `replicas` the candidate in it that leads the fewest partitions;
    /// the others keep their order. A list without candidates is returned unchanged.
    mutating func withBalancedLeader(_ replicas: [BrokerID], partition: Int32) -> [BrokerID] {
        let list = slots(replicas)
        let eligible = list.filter { candidatePosition[$0] != nil }
        let leader = eligible.map { (key: leaderKey($0, partition), slot: $0) }.min { $0.key < $1.key }?.slot ?? list[0]
        clusterLoad[leader].leaders += 1
        topicLoad[leader].leaders += 1
        return ([leader] + list.filter { $0 != leader }).map { nodes[$0] }
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
        var slotLists = lists.map { slots($0) }
        while true {
            var holding: [Int: [Int]] = [:]
            for p in slotLists.indices {
                if let position = movableSlots[p] { holding[slotLists[p][position], default: []].append(p) }
            }
            let chain = augmentingChain(from: Array(holding.keys), count: { topicLoad[$0].replicas }) { slot in
                (holding[slot] ?? []).flatMap { p in candidateSlots.filter { !slotLists[p].contains($0) }.map { (p, $0) } }
            }
            guard let chain else { break }
            for (p, receiver) in chain {
                let position = movableSlots[p]!
                unrecord(slotLists[p][position], leads: position == 0)
                countPairs(slotLists[p], -1)
                slotLists[p][position] = receiver
                countPairs(slotLists[p], 1)
                record(receiver, leads: position == 0)
            }
        }
        lists = slotLists.map { $0.map { nodes[$0] } }
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
        var slotLists = lists.map { slots($0) }
        while true {
            var ledBy: [Int: [Int]] = [:]
            for p in slotLists.indices { ledBy[slotLists[p][0], default: []].append(p) }
            let chain = augmentingChain(from: Array(ledBy.keys), count: { topicLoad[$0].leaders }) { slot in
                (ledBy[slot] ?? []).flatMap { p in slotLists[p].dropFirst().filter { candidatePosition[$0] != nil }.map { (p, $0) } }
            }
            guard let chain else { break }
            for (p, successor) in chain {
                let leader = slotLists[p][0]
                slotLists[p] = [successor] + slotLists[p].filter { $0 != successor }
                for (slot, delta) in [(leader, -1), (successor, 1)] {
                    topicLoad[slot].leaders += delta
                    clusterLoad[slot].leaders += delta
                }
            }
        }
        lists = slotLists.map { $0.map { nodes[$0] } }
    }

    /// Breadth-first search for a chain of hand-overs, each `(partition, receiver)` moving one
    /// unit from the previous node to the receiver, that starts at the most loaded of `sources`
    /// able to reach a node whose `count` is at least two below its own.
    /// - Parameters:
    ///   - sources: the slots that may give (tried from the most loaded down, then by id).
    ///   - count: the load being evened.
    ///   - handOvers: the `(partition, receiver)` moves a slot can make.
    /// - Returns: the chain, last hand-over first; nil if there is none.
    private func augmentingChain(from sources: [Int], count: (Int) -> Int, handOvers: (Int) -> [(Int, Int)]) -> [(Int, Int)]? {
        guard let floor = candidateSlots.map(count).min() else { return nil }
        // A source within one of the lightest candidate cannot find a receiver two below it.
        for source in sources.sorted(by: { (count($0), $1) > (count($1), $0) }) where count(source) >= floor + 2 {
            var reachedVia: [Int: (partition: Int, from: Int)] = [source: (-1, source)]
            var frontier = [source]
            while !frontier.isEmpty {
                var next: [Int] = []
                for slot in frontier {
                    for (partition, receiver) in handOvers(slot) where reachedVia[receiver] == nil {
                        reachedVia[receiver] = (partition, slot)
                        if count(receiver) <= count(source) - 2 { return unwind(to: receiver, from: source, reachedVia) }
                        next.append(receiver)
                    }
                }
                frontier = next
            }
        }
        return nil
    }

    private func unwind(to end: Int, from source: Int, _ reachedVia: [Int: (partition: Int, from: Int)]) -> [(Int, Int)] {
        var chain: [(Int, Int)] = []
        var slot = end
        while slot != source {
            let step = reachedVia[slot]!
            chain.append((step.partition, slot))
            slot = step.from
        }
        return chain
    }

    private func slots(_ list: [BrokerID]) -> [Int] {
        list.map { node in
            guard let slot = slotOf[node] else { preconditionFailure("\(node) was in no topic nor candidate when the placer was made") }
            return slot
        }
    }

    private mutating func record(_ slot: Int, leads: Bool) {
        clusterLoad[slot].replicas += 1
        topicLoad[slot].replicas += 1
        if leads {
            clusterLoad[slot].leaders += 1
            topicLoad[slot].leaders += 1
        }
    }

    private mutating func unrecord(_ slot: Int, leads: Bool) {
        clusterLoad[slot].replicas -= 1
        topicLoad[slot].replicas -= 1
        if leads {
            clusterLoad[slot].leaders -= 1
            topicLoad[slot].leaders -= 1
        }
    }

    /// The tie-break: candidates in id order, rotated by the topic and the partition.
    private func rank(_ slot: Int, _ partition: Int32) -> Int {
        let count = candidateSlots.count
        let shift = (rotation + Int(partition)) % count
        return (candidatePosition[slot]! - shift + count) % count
    }

    private func pairKey(_ a: Int, _ b: Int) -> Int {
        precondition(a != b, "a node does not pair with itself")
        return min(a, b) * nodes.count + max(a, b)
    }

    private mutating func countPairs(_ list: [Int], _ delta: Int) {
        for (i, a) in list.enumerated() {
            for b in list[(i + 1)...] { topicPairs[pairKey(a, b), default: 0] += delta }
        }
    }

    private func sharedPartitions(_ slot: Int, _ members: [Int]) -> Int {
        members.reduce(0) { $0 + (topicPairs[pairKey(slot, $1)] ?? 0) }
    }

    private func followerKey(_ slot: Int, _ chosen: [Int], _ partition: Int32) -> (Int, Int, Int, Int, Int) {
        (topicLoad[slot].replicas, sharedPartitions(slot, chosen), clusterLoad[slot].replicas, clusterLoad[slot].leaders, rank(slot, partition))
    }

    private func replicaKey(_ slot: Int, _ others: [Int], _ partition: Int32) -> (Int, Int, Int, Int, Int, Int) {
        (topicLoad[slot].replicas, sharedPartitions(slot, others), clusterLoad[slot].replicas, topicLoad[slot].leaders,
         clusterLoad[slot].leaders, rank(slot, partition))
    }

    private func leaderKey(_ slot: Int, _ partition: Int32) -> (Int, Int, Int, Int) {
        (topicLoad[slot].leaders, clusterLoad[slot].leaders, clusterLoad[slot].replicas, rank(slot, partition))
    }
}
