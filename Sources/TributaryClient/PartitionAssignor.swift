/// A client-side partition assignor of the classic consumer group protocol: the group leader
/// runs it over every member's subscription and sends the result in SyncGroup.
///
/// Both follow the Java client's assignors exactly, so a mixed group agrees with them.
public enum PartitionAssignor: String, Sendable, CaseIterable {
    /// Per topic, consecutive ranges of partitions to the members subscribed to it, sorted by
    /// member id; the first `partitions % members` members get one extra (`RangeAssignor`).
    case range = "range"
    /// All subscribed partitions, sorted by topic then index, dealt in turn to the members
    /// sorted by id, skipping members not subscribed to a partition's topic (`RoundRobinAssignor`).
    case roundRobin = "roundrobin"

    /// The protocol name sent in JoinGroup.
    public var protocolName: String { rawValue }

    /// Assigns partitions to members.
    /// - Parameters:
    ///   - subscriptions: each member's subscribed topics, by member id.
    ///   - partitionCounts: each topic's partition count; topics missing here are skipped.
    /// - Returns: every member's partitions (members with none included), sorted.
    public func assign(
        subscriptions: [String: Set<String>], partitionCounts: [String: Int]
    ) -> [String: [TopicPartition]] {
        var assignment = subscriptions.mapValues { _ in [TopicPartition]() }
        let topics = Set(subscriptions.values.flatMap { $0 }).filter { partitionCounts[$0] != nil }.sorted()
        switch self {
        case .range:
            for topic in topics {
                let members = subscriptions.filter { $0.value.contains(topic) }.keys.sorted()
                let count = partitionCounts[topic]!
                let perMember = count / members.count
                let extra = count % members.count
                for (position, member) in members.enumerated() {
                    let start = perMember * position + min(position, extra)
                    let length = perMember + (position < extra ? 1 : 0)
                    assignment[member]! += (start..<start + length).map { TopicPartition(topic, Int32($0)) }
                }
            }
        case .roundRobin:
            let members = subscriptions.keys.sorted()
            var next = 0
            for topic in topics {
                for index in 0..<partitionCounts[topic]! {
                    while !subscriptions[members[next % members.count]]!.contains(topic) { next += 1 }
                    assignment[members[next % members.count]]!.append(TopicPartition(topic, Int32(index)))
                    next += 1
                }
            }
        }
        return assignment
    }
}
