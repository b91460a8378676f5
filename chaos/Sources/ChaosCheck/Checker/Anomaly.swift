/// The kinds of anomaly the checker reports. The names are those of Jepsen's Kafka checker
/// (`jepsen.tests.kafka`) where it has one, so that results compare with published analyses;
/// `chaos/README.md` defines each, and says where our definition differs from Jepsen's.
public enum AnomalyKind: String, Sendable, Codable, CaseIterable, Comparable {
    /// Two clients saw different values at one partition offset.
    case inconsistentOffsets = "inconsistent-offsets"
    /// An acknowledged send is missing from the final log, or sits at another offset.
    case lostWrite = "lost-write"
    /// An acknowledged send that no poll returned (informational: the final log decides).
    case unseen
    /// An idempotent producer's value appears at more than one offset.
    case duplicate
    /// A plain producer's value appears at more than one offset (informational: at least once).
    case plainDuplicate = "plain-duplicate"
    /// A value whose send definitely failed was read, or is in the final log.
    case abortedRead = "aborted-read"
    /// A consumer's successive reads of a partition jumped over records that exist.
    case pollSkip = "poll-skip"
    /// A consumer's reads of a partition went backwards (or repeated) without a seek or rebalance.
    case nonmonotonicPoll = "nonmonotonic-poll"
    /// A producer's acknowledged sends to a partition sit in the log out of their send order.
    case nonmonotonicSend = "nonmonotonic-send"
    /// A consumer read a record that the final committed log does not hold at that offset.
    case precommittedRead = "precommitted-read"
    /// Two replicas of a partition hold different committed logs.
    case divergentReplica = "divergent-replica"
    /// A replica's stored committed log fails its checksums when read after recovery.
    case damagedReplica = "damaged-replica"
    /// A replica's log skips offsets, or lists them out of order.
    case gap
    /// A record that no producer sent.
    case phantom
    /// A consumer group's committed offset moved backwards without an explicit reset.
    case offsetCommitRegression = "offset-commit-regression"

    /// Whether this kind fails the run. `unseen` and `plain-duplicate` describe behaviour the
    /// guarantees allow; they are reported so that people can see how close a run came.
    public var isFailure: Bool {
        switch self {
        case .unseen, .plainDuplicate: false
        default: true
        }
    }

    /// Declaration order, so that reports list kinds the same way every time.
    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One instance of an anomaly: where it is and, in words, what was seen.
public struct Anomaly: Sendable, Equatable, Codable {
    /// What kind of anomaly.
    public var kind: AnomalyKind
    /// The partition involved, when there is one.
    public var partition: PartitionID?
    /// The offset involved, when there is one.
    public var offset: LogOffset?
    /// The value involved, when there is one.
    public var value: RecordValue?
    /// The process whose operation showed it, when there is one.
    public var process: ProcessID?
    /// When that operation completed (nanoseconds since the run started).
    public var timeNanos: Int64?
    /// What was seen, for people.
    public var detail: String

    /// Makes an anomaly.
    public init(
        _ kind: AnomalyKind, partition: PartitionID? = nil, offset: LogOffset? = nil, value: RecordValue? = nil,
        process: ProcessID? = nil, timeNanos: Int64? = nil, detail: String
    ) {
        self.kind = kind
        self.partition = partition
        self.offset = offset
        self.value = value
        self.process = process
        self.timeNanos = timeNanos
        self.detail = detail
    }
}

/// Counts anomalies by kind and keeps the first few of each as examples, so that a run with
/// millions of anomalies still reports in bounded memory.
public struct AnomalyLog: Sendable {
    /// How many examples are kept per kind.
    public let exampleCountMax: Int
    private(set) var counts: [AnomalyKind: Int] = [:]
    private(set) var examples: [AnomalyKind: [Anomaly]] = [:]

    /// Makes an empty log keeping at most `exampleCountMax` examples per kind.
    public init(exampleCountMax: Int) {
        precondition(exampleCountMax > 0, "exampleCountMax must be positive")
        self.exampleCountMax = exampleCountMax
    }

    /// Counts `anomaly`, and keeps it if its kind has fewer than `exampleCountMax` examples.
    public mutating func record(_ anomaly: Anomaly) {
        counts[anomaly.kind, default: 0] += 1
        if examples[anomaly.kind, default: []].count < exampleCountMax {
            examples[anomaly.kind, default: []].append(anomaly)
        }
    }

    /// Adds everything in `other` to this log.
    public mutating func merge(_ other: AnomalyLog) {
        for (kind, count) in other.counts {
            counts[kind, default: 0] += count
            let room = exampleCountMax - examples[kind, default: []].count
            examples[kind, default: []].append(contentsOf: (other.examples[kind] ?? []).prefix(max(room, 0)))
        }
    }

    /// How many anomalies of `kind` were recorded.
    public func count(of kind: AnomalyKind) -> Int { counts[kind] ?? 0 }

    /// The examples kept for `kind`, in the order they were recorded.
    public func examples(of kind: AnomalyKind) -> [Anomaly] { examples[kind] ?? [] }

    /// The kinds recorded at least once, in declaration order.
    public var kinds: [AnomalyKind] { counts.keys.sorted() }
}
