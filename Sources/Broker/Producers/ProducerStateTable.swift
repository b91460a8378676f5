/// One partition's idempotent-producer state: per producer id, its epoch and the sequence
/// ranges and offsets of its last few batches. Pure: time is the caller's `nowMs`.
///
/// The partition leader calls `check` before appending a batch and `recordAppend` once the
/// batch has its offsets. After a restart, a leader change or a log truncation the node builds
/// a new table with `init(rebuildingFrom:)`, feeding the log's idempotent batches in offset
/// order: the log is the source of truth, the table only a cache of it.
public struct ProducerStateTable: Sendable {
    /// The bounds in force.
    public let limits: ProducerLimits
    private var producers: [Int64: ProducerEntry] = [:]

    /// An empty table.
    public init(limits: ProducerLimits) {
        do { try limits.validate() } catch { preconditionFailure("invalid ProducerLimits: \(error)") }
        self.limits = limits
    }

    /// A table rebuilt from the log's batch headers, in offset order. Headers that are not
    /// `isIdempotent` (plain batches, or damage the log's checks let through) are skipped, so
    /// any input is safe. Every producer found counts as used at `nowMs`, so none expires the
    /// moment a node restarts.
    public init(limits: ProducerLimits, rebuildingFrom batches: some Sequence<ProducerBatch>, nowMs: Int64) {
        self.init(limits: limits)
        for batch in batches where batch.isIdempotent { recordAppend(batch, nowMs: nowMs) }
    }

    /// The number of producers remembered.
    public var producerCount: Int { producers.count }

    /// What the table remembers of `producerId`.
    public func entry(for producerId: Int64) -> ProducerEntry? { producers[producerId] }

    /// Judges an incoming idempotent batch (Kafka's rules): a newer epoch must start at
    /// sequence 0; an older epoch is fenced; a batch equal to one of the last few is a duplicate;
    /// otherwise it must start right after the last sequence.
    public func check(producerId: Int64, epoch: Int16, baseSequence: Int32, lastSequence: Int32) -> SequenceCheck {
        guard producerId >= 0, epoch >= 0, baseSequence >= 0, lastSequence >= 0 else { return .outOfOrderSequence }
        guard let entry = producers[producerId] else {
            return baseSequence == 0 ? .accept : .unknownProducerId
        }
        if epoch < entry.epoch { return .invalidProducerEpoch }
        if epoch > entry.epoch { return baseSequence == 0 ? .accept : .outOfOrderSequence }
        if let original = entry.batches.first(where: { $0.baseSequence == baseSequence && $0.lastSequence == lastSequence }) {
            return .duplicate(firstOffset: original.firstOffset, lastOffset: original.lastOffset)
        }
        return baseSequence == entry.nextSequence ? .accept : .outOfOrderSequence
    }

    /// Remembers an appended batch. A newer epoch replaces the producer's batches; a batch of
    /// an older epoch changes nothing (the log may hold a fenced zombie's batch appended by an
    /// earlier leader; the newer epoch stays in force). A new producer beyond
    /// `producerCountMax` evicts the least recently used one.
    public mutating func recordAppend(_ batch: ProducerBatch, nowMs: Int64) {
        precondition(batch.isIdempotent, "recording a batch that check() would not accept: \(batch)")
        if producers[batch.producerId] == nil {
            if producers.count >= limits.producerCountMax { evictLeastRecentlyUsed() }
            producers[batch.producerId] = ProducerEntry(epoch: batch.producerEpoch, batches: [], lastAppendMs: nowMs)
        }
        var entry = producers[batch.producerId]!
        guard batch.producerEpoch >= entry.epoch else { return }
        if batch.producerEpoch > entry.epoch {
            entry.epoch = batch.producerEpoch
            entry.batches.removeAll()
        }
        entry.batches.append(batch)
        if entry.batches.count > ProducerLimits.batchesPerProducerCount { entry.batches.removeFirst() }
        entry.lastAppendMs = max(entry.lastAppendMs, nowMs)
        producers[batch.producerId] = entry
        precondition(producers.count <= limits.producerCountMax, "producer table passed its bound")
    }

    /// Forgets producers idle for `producerIdleMsMax` or longer.
    /// - Returns: how many were forgotten.
    @discardableResult
    public mutating func expireIdle(nowMs: Int64) -> Int {
        let before = producers.count
        producers = producers.filter { nowMs - $0.value.lastAppendMs < limits.producerIdleMsMax }
        return before - producers.count
    }

    /// Linear in the number of producers, and only run when a new producer arrives at a full table.
    private mutating func evictLeastRecentlyUsed() {
        let victim = producers.min { ($0.value.lastAppendMs, $0.key) < ($1.value.lastAppendMs, $1.key) }
        if let victim { producers[victim.key] = nil }
    }
}
