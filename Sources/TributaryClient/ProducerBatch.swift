import Storage

/// Records bound for one partition, sent as one record batch, with the callers waiting on them.
struct ProducerBatch {
    /// Bytes of a record batch v2 header.
    static let headerBytes = 61
    /// An upper bound of a record's framing: length (5), attributes (1), timestamp delta (10),
    /// offset delta (5), key and value lengths (5 each) and header count (5), as varints.
    static let recordOverheadBytes = 36

    /// A caller waiting for its record's outcome.
    typealias Completion = CheckedContinuation<RecordMetadata, any Error>

    let topicPartition: TopicPartition
    /// Distinguishes batches of one partition for linger timers.
    let id: UInt64
    private(set) var records: [NewRecord] = []
    private(set) var completions: [Completion] = []
    /// The estimated encoded size so far.
    private(set) var estimatedBytes = ProducerBatch.headerBytes
    /// When the batch should be sent even if not full.
    let readyAt: ContinuousClock.Instant
    /// The encoded batch, built once at its first send so that retries resend the same bytes
    /// (the same producer id, epoch and sequence).
    var encoded: RecordBatch?

    init(topicPartition: TopicPartition, id: UInt64, readyAt: ContinuousClock.Instant) {
        self.topicPartition = topicPartition
        self.id = id
        self.readyAt = readyAt
    }

    /// The size estimate of one record.
    static func estimatedBytes(of record: NewRecord) -> Int {
        recordOverheadBytes + (record.key?.count ?? 0) + (record.value?.count ?? 0)
            + record.headers.reduce(0) { $0 + 10 + $1.key.count + ($1.value?.count ?? 0) }
    }

    /// Whether `record` fits within `bytesMax` (an empty batch takes any record that fits alone).
    func fits(_ record: NewRecord, bytesMax: Int) -> Bool {
        estimatedBytes + Self.estimatedBytes(of: record) <= bytesMax
    }

    mutating func append(_ record: NewRecord, completion: Completion) {
        precondition(encoded == nil, "records appended to a batch already sent")
        records.append(record)
        completions.append(completion)
        estimatedBytes += Self.estimatedBytes(of: record)
    }

    var recordCount: Int { records.count }

    /// Resumes every caller: record `i` gets `baseOffset + i` (or -1 when unknown).
    func succeed(baseOffset: Int64) {
        for (index, completion) in completions.enumerated() {
            completion.resume(returning: RecordMetadata(
                topicPartition: topicPartition, offset: baseOffset < 0 ? -1 : baseOffset + Int64(index)))
        }
    }

    /// Resumes every caller with `error`.
    func fail(_ error: any Error) {
        for completion in completions { completion.resume(throwing: error) }
    }
}
