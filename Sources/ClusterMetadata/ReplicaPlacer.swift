/// Chooses the nodes of new replicas and the order of replica lists, deterministically.
///
/// Greedy "water filling": a partition's replicas go to the candidates holding the fewest
/// replicas of this topic, then the fewest in the cluster; its preferred leader is the chosen
/// node leading the fewest partitions of this topic, then of the cluster. Ties are broken by a
/// rank that rotates with the topic id and the partition, so equal nodes take turns instead of
/// the lowest id always winning. While the candidates do not change, the replica counts of a
/// topic's nodes therefore differ by at most one.
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
        for partition in partitions {
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

    /// How many nodes can receive replicas.
    var candidateCount: Int { candidates.count }

    /// Places a new partition's `count` replicas, preferred leader first.
    ///
    /// The leader is picked first, among the nodes that can join without unbalancing replica
    /// counts: the least loaded ones if there are at least `count` of them, else any. Followers
    /// then fill up by replica count, preferring nodes that already lead many partitions of the
    /// topic, which keeps the nodes that lead few light enough to lead the next ones.
    mutating func place(partition: Int32, count: Int) -> [BrokerID] {
        precondition(count > 0 && count <= candidates.count, "placing \(count) replicas on \(candidates.count) candidates")
        let lightest = candidates.map { topicLoad[$0]?.replicas ?? 0 }.min()!
        let light = candidates.filter { (topicLoad[$0]?.replicas ?? 0) == lightest }
        let leaderPool = light.count >= count ? light : candidates
        let leader = leaderPool.min { leaderKey($0, partition) < leaderKey($1, partition) }!
        record(leader, leads: true)
        let followers = candidates.filter { $0 != leader }
            .map { (key: followerKey($0, partition), node: $0) }
            .sorted { $0.key < $1.key }.prefix(count - 1).map(\.node)
        for node in followers { record(node, leads: false) }
        let replicas = [leader] + followers
        assert(Set(replicas).count == count)
        return replicas
    }

    /// Replaces `leaving` in a partition's replica list by the best candidate not already in it,
    /// at the same position; nil when every candidate already holds a replica.
    mutating func replace(_ leaving: BrokerID, in replicas: [BrokerID], partition: Int32) -> [BrokerID]? {
        guard let position = replicas.firstIndex(of: leaving) else { preconditionFailure("\(leaving) not in \(replicas)") }
        let free = candidates.filter { !replicas.contains($0) }
        guard let pick = free.min(by: { replicaKey($0, partition) < replicaKey($1, partition) }) else { return nil }
        var result = replicas
        result[position] = pick
        record(pick, leads: position == 0)
        return result
    }

    /// Moves to the front of `replicas` the candidate in it that leads the fewest partitions;
    /// the others keep their order. A list without candidates is returned unchanged.
    mutating func withBalancedLeader(_ replicas: [BrokerID], partition: Int32) -> [BrokerID] {
        let eligible = replicas.filter { candidateIndex[$0] != nil }
        guard let leader = eligible.min(by: { leaderKey($0, partition) < leaderKey($1, partition) }) else { return replicas }
        clusterLoad[leader, default: Load()].leaders += 1
        topicLoad[leader, default: Load()].leaders += 1
        return [leader] + replicas.filter { $0 != leader }
    }

    private mutating func record(_ node: BrokerID, leads: Bool) {
        clusterLoad[node, default: Load()].replicas += 1
        topicLoad[node, default: Load()].replicas += 1
        if leads {
            clusterLoad[node, default: Load()].leaders += 1
            topicLoad[node, default: Load()].leaders += 1
        }
    }

    private func rank(_ node: BrokerID, _ partition: Int32) -> Int {
        let count = candidates.count
        let index = candidateIndex[node] ?? count
        let shift = (rotation + Int(partition)) % max(count, 1)
        return (index - shift + count) % max(count, 1)
    }

    private func followerKey(_ node: BrokerID, _ partition: Int32) -> (Int, Int, Int, Int, Int) {
        let topic = topicLoad[node] ?? Load()
        let cluster = clusterLoad[node] ?? Load()
        return (topic.replicas, -topic.leaders, cluster.replicas, cluster.leaders, rank(node, partition))
    }

    private func replicaKey(_ node: BrokerID, _ partition: Int32) -> (Int, Int, Int, Int, Int) {
        let topic = topicLoad[node] ?? Load()
        let cluster = clusterLoad[node] ?? Load()
        return (topic.replicas, cluster.replicas, topic.leaders, cluster.leaders, rank(node, partition))
    }

    private func leaderKey(_ node: BrokerID, _ partition: Int32) -> (Int, Int, Int, Int) {
        let topic = topicLoad[node] ?? Load()
        let cluster = clusterLoad[node] ?? Load()
        return (topic.leaders, cluster.leaders, cluster.replicas, rank(node, partition))
    }
}
