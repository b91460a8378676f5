/// Everything the caller must do for the core, handed out by `RaftCore.ready()`.
///
/// Order of effects, then `RaftCore.advance()`:
/// 1. Send `messages` at any time, in parallel with step 2 (a leader replicates while it writes).
/// 2. Make durable, in this order: install `logStart` (drop every stored entry and the state
///    machine's contents, start the log there); drop stored entries at or after
///    `entries[0].index` and append `entries`; write `hardState` and `membership` together
///    (atomically). Skip the parts that are nil or empty.
/// 3. Only once step 2 is durable, send `messagesAfterPersist` (vote grants, append
///    acknowledgements: they promise durable state).
/// 4. Apply `committedEntries` in order (they are committed; they may be applied before step 2).
/// 5. Call `advance()`. Call `ready()` again only after that.
public struct Ready: Sendable {
    /// A log start to install before anything else (the leader removed the entries this
    /// replica lacked): the log and the applied state restart empty at `logStart.index`.
    public var logStart: LogStart?
    /// Entries to make durable; stored entries at or after `entries[0].index` are replaced.
    public var entries: [Entry] = []
    /// The hard state to make durable, if it changed.
    public var hardState: HardState?
    /// The committed membership to make durable with `hardState`, if it changed.
    public var membership: Membership?
    /// Messages that may be sent at once.
    public var messages: [Message] = []
    /// Messages that may be sent only after everything above is durable.
    public var messagesAfterPersist: [Message] = []
    /// Committed entries to apply, in order, each exactly once.
    public var committedEntries: [Entry] = []

    /// Whether step 2 has anything to write.
    public var needsPersist: Bool { logStart != nil || !entries.isEmpty || hardState != nil || membership != nil }
}
