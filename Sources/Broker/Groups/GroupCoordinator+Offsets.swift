extension GroupCoordinator {
    /// OffsetCommit. Members must name the current generation (and not commit while the group
    /// waits for its assignment); a commit from outside any group (generation -1) is accepted
    /// while the group is Empty, and creates the group if needed.
    ///
    /// Any offset is accepted, a lower one too (that is how a consumer resets its position, as
    /// in Kafka); each result carries the previous offset so a checker can tell.
    public mutating func commitOffsets(_ request: CommitOffsetsRequest, nowMs: Int64) -> OffsetCommitOutcome {
        var effects = GroupEffects()
        if let error = commitGroupError(request) {
            let results = request.offsets.map { PartitionCommitResult(partition: $0.partition, error: error, previousOffset: nil) }
            return OffsetCommitOutcome(results: results, effects: effects)
        }
        let limits = self.limits
        let results = withGroup(request.groupId) { group in
            group.noteCommit(memberId: request.memberId, nowMs: nowMs)
            return request.offsets.map { entry in
                let previous = group.offsets[entry.partition]
                if let error = Self.entryError(entry, isNew: previous == nil, group: group, limits: limits) {
                    return PartitionCommitResult(partition: entry.partition, error: error, previousOffset: previous?.offset)
                }
                let committed = CommittedOffset(
                    offset: entry.offset, leaderEpoch: entry.leaderEpoch, metadata: entry.metadata, commitTimestampMs: nowMs)
                group.offsets[entry.partition] = committed
                effects.records.append(.offsetCommit(groupId: request.groupId, partition: entry.partition, offset: committed))
                return PartitionCommitResult(partition: entry.partition, error: nil, previousOffset: previous?.offset)
            }
        }
        forgetIfUnused(request.groupId, effects: &effects)
        return OffsetCommitOutcome(results: results, effects: effects)
    }

    /// OffsetFetch.
    /// - Parameters:
    ///   - partitions: the partitions asked for, or nil for every partition the group committed.
    /// - Returns: one entry per partition (sorted when `partitions` is nil); `committed` is nil
    ///   where the group has no offset (Kafka answers offset -1).
    public func fetchOffsets(groupId: String, partitions: [TopicPartition]?) -> [FetchedOffset] {
        let offsets = group(groupId)?.offsets ?? [:]
        guard let partitions else {
            return offsets.keys.sorted().map { FetchedOffset(partition: $0, committed: offsets[$0]) }
        }
        return partitions.map { FetchedOffset(partition: $0, committed: offsets[$0]) }
    }

    /// The group-level refusal of a commit; creates the group for a groupless commit if needed.
    private mutating func commitGroupError(_ request: CommitOffsetsRequest) -> GroupError? {
        if request.groupId.isEmpty || request.groupId.utf8.count > limits.identifierBytesMax { return .invalidGroupId }
        if let group = group(request.groupId) {
            return group.commitError(
                generationId: request.generationId, memberId: request.memberId, groupInstanceId: request.groupInstanceId)
        }
        guard request.generationId < 0 else { return .illegalGeneration }
        return createGroup(request.groupId) ? nil : .coordinatorNotAvailable
    }

    private static func entryError(
        _ entry: CommitOffsetsRequest.Entry, isNew: Bool, group: ClassicGroup, limits: GroupLimits
    ) -> GroupError? {
        if entry.partition.topic.isEmpty || entry.partition.topic.utf8.count > limits.identifierBytesMax {
            return .invalidRequest
        }
        if (entry.metadata?.utf8.count ?? 0) > limits.offsetMetadataBytesMax { return .offsetMetadataTooLarge }
        if isNew && group.offsets.count >= limits.committedPartitionsPerGroupMax { return .invalidCommitOffsetSize }
        return nil
    }
}

/// One partition's answer to an OffsetFetch.
public struct FetchedOffset: Sendable, Equatable {
    /// The partition.
    public var partition: TopicPartition
    /// The committed offset, or nil if the group has none for the partition.
    public var committed: CommittedOffset?
}
