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
        var outcome = PersistOutcome()
        if let logSync {
            do { try logSync.perform() } catch {
                outcome.logError = error
                return outcome
            }
        }
        if let state {
            do { try state.write(in: directory) } catch { outcome.stateError = error }
        }
        return outcome
    }
}

/// What ``PendingPersist/perform()`` ran into.
struct PersistOutcome: Sendable {
    /// The log's fsync failed (the state was not written then).
    var logError: Error?
    /// Writing `raft.state` failed.
    var stateError: Error?
}
