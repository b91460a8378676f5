extension GroupCoordinator {
    /// Applies one record read back from the offsets partition, in log order, when a coordinator
    /// takes over (before it serves requests). The last record per key wins; tombstones delete.
    /// Limits are not applied: what was accepted once is kept. Members of a restored Stable
    /// group get a fresh session that starts at `nowMs`.
    public mutating func replay(_ record: GroupRecord, nowMs: Int64) {
        let existing = group(record.groupId)
        switch record {
        case .offsetCommit(let groupId, let partition, let committed):
            var group = existing ?? ClassicGroup(groupId: groupId)
            group.offsets[partition] = committed
            setGroup(groupId, group)
        case .offsetDeletion(let groupId, let partition):
            guard var group = existing else { return }
            group.offsets[partition] = nil
            setGroup(groupId, group.isUnused && !group.hasStoredMetadata ? nil : group)
        case .groupMetadata(let snapshot):
            setGroup(snapshot.groupId, ClassicGroup(loading: snapshot, offsets: existing?.offsets ?? [:], nowMs: nowMs))
        case .groupDeletion(let groupId):
            // Offsets have keys of their own: any committed after the deletion survive it.
            let offsets = existing?.offsets ?? [:]
            setGroup(groupId, offsets.isEmpty ? nil : ClassicGroup(loading: .empty(groupId), offsets: offsets, nowMs: nowMs))
        }
    }

    /// Replays records in log order (see `replay(_:nowMs:)`).
    public mutating func replay(_ records: some Sequence<GroupRecord>, nowMs: Int64) {
        for record in records { replay(record, nowMs: nowMs) }
    }
}

extension GroupSnapshot {
    fileprivate static func empty(_ groupId: String) -> GroupSnapshot {
        GroupSnapshot(groupId: groupId, protocolType: nil, generationId: 0, protocolName: nil, leaderId: nil, members: [])
    }
}
