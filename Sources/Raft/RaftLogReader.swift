/// Read access to a replica's durable log, owned and written by the caller.
///
/// The core reads through this protocol and never writes: the caller appends what `Ready`
/// hands it, truncates, resets, and removes prefixes itself. Implementations: `MemoryRaftLog`
/// (tests, simulator, benchmark) and the node's adapter over the segmented partition log.
///
/// Indexes inside `firstIndex ... lastIndex` belong to whole entries; every method that takes an
/// index inside an entry answers for that whole entry.
public protocol RaftLogReader: AnyObject {
    /// The first index still stored; `lastIndex + 1` when the log holds no entry.
    var firstIndex: LogIndex { get }
    /// The last index stored; `firstIndex - 1` when the log holds no entry.
    var lastIndex: LogIndex { get }
    /// The term of the entry that contains `index`; for `firstIndex - 1` the term of the entry
    /// just before the log start (`Term.zero` if there never was one); nil for any other index
    /// outside the log.
    func term(at index: LogIndex) -> Term?
    /// The index range of the stored entry that contains `index`, nil if none does.
    func entryRange(containing index: LogIndex) -> ClosedRange<LogIndex>?
    /// Whole entries in order, the first one containing `index`, stopping before the total
    /// `sizeBytes` would exceed `bytesMax` but always at least one entry when `index` is stored.
    func entries(from index: LogIndex, bytesMax: Int) -> [Entry]
}
