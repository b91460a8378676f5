import Storage

/// The blocking part of persisting one Ready of one replica, made by
/// `PartitionReplica.beginPersist(_:)` on the owner thread: it carries only what the fsyncs need
/// (file handles, the encoded state), so it may run on any thread while the owner goes on.
struct PendingPersist: Sendable {
    /// The log's sync of everything the Ready appended, if it appended anything.
    let logSync: PendingSync?
    /// The replica state to write to `raft.state`, if term, vote or membership changed.
    let state: ReplicaState?
    /// The replica's directory (where `raft.state` lives).
    let directory: String

    /// Whether there is nothing to make durable (only the commit index moved, say).
    var isEmpty: Bool { logSync == nil && state == nil }

    /// Syncs the log, then writes the state. Blocking; any thread; never throws: the owner
    /// learns the outcome in `PartitionReplica.finishPersist(_:outcome:)`.
    func perform() -> PersistOutcome {
        Self.performAll([self], wholeFilesystem: false)[0]
    }

    /// Performs many replicas' persists: their logs' syncs together (one `syncfs` per
    /// filesystem when `wholeFilesystem`, see `PendingSync.performAll`), then each state whose
    /// log is durable. Blocking; any thread.
    /// - Returns: one outcome per persist, in order.
    static func performAll(_ persists: [PendingPersist], wholeFilesystem: Bool) -> [PersistOutcome] {
        var outcomes = [PersistOutcome](repeating: PersistOutcome(), count: persists.count)
        let logged = persists.indices.filter { persists[$0].logSync != nil }
        let logErrors = PendingSync.performAll(logged.map { persists[$0].logSync! }, wholeFilesystem: wholeFilesystem)
        for (index, error) in zip(logged, logErrors) { outcomes[index].logError = error }
        for (index, persist) in persists.enumerated() where outcomes[index].logError == nil {
            guard let state = persist.state else { continue }
            do { try state.write(in: persist.directory) } catch { outcomes[index].stateError = error }
        }
        return outcomes
    }
}

/// What ``PendingPersist/perform()`` ran into.
struct PersistOutcome: Sendable {
    /// The log's fsync failed (the state was not written then).
    var logError: Error?
    /// Writing `raft.state` failed.
    var stateError: Error?
}
