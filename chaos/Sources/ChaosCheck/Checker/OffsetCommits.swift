/// The lowest committed offset an operation may report, captured when it was invoked.
struct OffsetFloor {
    var floor: LogOffset
    /// The group-partition's reset count then: a reset since voids the comparison.
    var resetCount: Int
}

/// Checks that a consumer group's committed offset never moves backwards: an acknowledged commit
/// or a fetched committed offset must not be lower than any offset acknowledged before that
/// operation was invoked, unless the client deliberately reset it.
///
/// The workload commits each group-partition from one member at a time, so acknowledged commits
/// are ordered; explicit resets (`"reset": true`) lower the floor, and operations that overlap a
/// reset are not compared.
struct OffsetCommits {
    private struct Key: Hashable {
        var group: String
        var partition: PartitionID
    }

    private struct State {
        var floor: LogOffset?
        var resetsInFlight = 0
        /// Bumped by every reset, so that an operation that overlapped one is not compared.
        var resetCount = 0
    }

    private var states: [Key: State] = [:]

    /// What an operation on `group`/`partition` must not go below; `nil` when anything goes
    /// (no offset acknowledged yet, or a reset is in flight).
    func floor(group: String, partition: PartitionID) -> OffsetFloor? {
        guard let state = states[Key(group: group, partition: partition)], state.resetsInFlight == 0,
            let floor = state.floor
        else { return nil }
        return OffsetFloor(floor: floor, resetCount: state.resetCount)
    }

    /// Notes the invoke of a commit (resets matter: they suspend comparisons).
    mutating func invoke(_ commit: OffsetCommitOperation) {
        guard commit.isReset else { return }
        states[Key(group: commit.group, partition: commit.partition), default: State()].resetsInFlight += 1
    }

    /// Checks a completed commit against the floor captured at its invoke.
    mutating func complete(
        _ commit: OffsetCommitOperation, type: EventType, floorAtInvoke: OffsetFloor?,
        process: ProcessID, timeNanos: Int64
    ) -> Anomaly? {
        let key = Key(group: commit.group, partition: commit.partition)
        if commit.isReset {
            states[key, default: State()].resetsInFlight -= 1
            states[key, default: State()].resetCount += 1
            switch type {
            case .ok: states[key, default: State()].floor = commit.offset
            case .info: states[key, default: State()].floor = nil  // it may or may not have moved back
            case .fail, .invoke: break
            }
            return nil
        }
        guard type == .ok else { return nil }
        return observe(commit.offset, key: key, floorAtInvoke: floorAtInvoke, process: process, timeNanos: timeNanos,
                       what: "a commit of offset \(commit.offset) for group \(commit.group) was acknowledged")
    }

    /// Checks a completed fetch of a committed offset against the floor captured at its invoke.
    mutating func complete(
        _ fetch: OffsetFetchOperation, type: EventType, floorAtInvoke: OffsetFloor?,
        process: ProcessID, timeNanos: Int64
    ) -> Anomaly? {
        guard type == .ok else { return nil }
        let key = Key(group: fetch.group, partition: fetch.partition)
        guard let offset = fetch.offset else {
            guard let floorAtInvoke, states[key]?.resetCount == floorAtInvoke.resetCount else { return nil }
            return Anomaly(.offsetCommitRegression, partition: fetch.partition, process: process, timeNanos: timeNanos,
                           detail: "group \(fetch.group) has no committed offset although \(floorAtInvoke.floor) "
                               + "was acknowledged before the fetch")
        }
        return observe(offset, key: key, floorAtInvoke: floorAtInvoke, process: process, timeNanos: timeNanos,
                       what: "group \(fetch.group)'s committed offset was read as \(offset)")
    }

    private mutating func observe(
        _ offset: LogOffset, key: Key, floorAtInvoke: OffsetFloor?, process: ProcessID,
        timeNanos: Int64, what: String
    ) -> Anomaly? {
        let state = states[key, default: State()]
        states[key, default: State()].floor = max(state.floor ?? offset, offset)
        guard let floorAtInvoke, state.resetCount == floorAtInvoke.resetCount, offset < floorAtInvoke.floor else {
            return nil
        }
        return Anomaly(.offsetCommitRegression, partition: key.partition, offset: offset, process: process,
                       timeNanos: timeNanos,
                       detail: "\(what) after offset \(floorAtInvoke.floor) had been acknowledged")
    }
}
