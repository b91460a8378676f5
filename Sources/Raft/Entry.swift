/// What a log entry carries.
public enum EntryKind: UInt8, Sendable, CaseIterable {
    /// Application data: in a partition log, one Kafka record batch.
    case data = 0
    /// The empty entry a new leader appends so that it can commit by counting (Raft §5.4.2).
    case noop = 1
    /// A new membership (`Membership`, encoded by `Membership.encoded()`), effective once committed.
    case membership = 2
}

/// One Raft log entry. It spans the index range `index ... lastIndex`.
///
/// One entry is one Kafka record batch: its indexes are the batch's offsets, so a batch of `n`
/// records spans `n` indexes. The term of every index inside the entry is the entry's term, and
/// entries are only ever matched, truncated and sent whole.
public struct Entry: Hashable, Sendable, CustomStringConvertible {
    /// The term of the leader that created the entry.
    public var term: Term
    /// The first index the entry spans.
    public var index: LogIndex
    /// The last index the entry spans (`>= index`).
    public var lastIndex: LogIndex
    /// What the entry carries.
    public var kind: EntryKind
    /// The entry's bytes, opaque to Raft except for `.membership`.
    public var payload: [UInt8]

    /// Bytes an entry costs beyond its payload when sizing messages and bounds.
    public static let overheadBytes = 32

    /// Creates an entry; `lastIndex` defaults to `index` (a one-index entry).
    public init(term: Term, index: LogIndex, lastIndex: LogIndex? = nil, kind: EntryKind = .data, payload: [UInt8] = []) {
        let last = lastIndex ?? index
        precondition(last >= index, "an entry's lastIndex \(last) is before its index \(index)")
        precondition(kind == .data || last == index, "\(kind) entries span exactly one index")
        self.term = term
        self.index = index
        self.lastIndex = last
        self.kind = kind
        self.payload = payload
    }

    /// The size this entry counts for in byte bounds.
    public var sizeBytes: Int { payload.count + Entry.overheadBytes }

    public var description: String {
        "\(kind)[\(index.rawValue)...\(lastIndex.rawValue)]@\(term)"
    }
}
