/// The value clients reported at each partition offset (acknowledgements and polls), to find
/// offsets where two clients disagree (Jepsen's inconsistent-offsets).
struct ObservedOffsets {
    private var values: [PartitionID: [LogOffset: RecordValue]] = [:]
    /// Offsets already reported, so that every later poll of a bad offset does not count again.
    private var reported: Set<Placement> = []

    /// Notes that a client saw `value` at `offset` of `partition`. Returns an anomaly the first
    /// time an offset is seen with a value other than the one first seen there.
    mutating func observe(
        _ value: RecordValue, at offset: LogOffset, in partition: PartitionID, by process: ProcessID,
        timeNanos: Int64, how: String
    ) -> Anomaly? {
        guard let first = values[partition, default: [:]][offset] else {
            values[partition, default: [:]][offset] = value
            return nil
        }
        guard first != value, reported.insert(Placement(partition: partition, offset: offset)).inserted else {
            return nil
        }
        return Anomaly(.inconsistentOffsets, partition: partition, offset: offset, value: value, process: process,
                       timeNanos: timeNanos,
                       detail: "offset \(offset) of partition \(partition) was seen holding \(first), "
                           + "then \(how) \(value)")
    }

    /// The offsets clients saw in `partition`, sorted (for the end-of-history poll-skip check).
    func sortedOffsets(in partition: PartitionID) -> [LogOffset] {
        values[partition]?.keys.sorted() ?? []
    }
}
