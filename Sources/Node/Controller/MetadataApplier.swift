import ClusterMetadata
import DequeModule
import Storage

/// This node's copy of the cluster metadata: the controller log's committed commands applied
/// in order, as every controller replica applies them. Loop thread only.
///
/// The state is rebuilt from the start of the controller log at every start (the log is the
/// only durable copy; snapshots come later). Results of recently applied commands are kept so
/// that whoever proposed one can learn whether it was accepted.
final class MetadataApplier {
    /// The metadata as of ``appliedEnd``.
    private(set) var state = ClusterMetadataState()
    /// The offset after the last applied command batch.
    private(set) var appliedEnd: Offset = 0
    /// Results of the last ``resultCountMax`` applied commands, by offset.
    private var recentResults: Deque<(Offset, Result<Void, MetadataError>)> = []
    private var waiters: [Offset: [(Result<Void, MetadataError>) -> Void]] = [:]
    /// How many applied results are kept for late waiters.
    static let resultCountMax = 4096
    /// Bytes read from the controller log at a time.
    static let readBytesMax = 1 << 20

    /// Applies every committed command before `highWatermark` not applied yet.
    /// - Parameter read: reads stored batches of the controller log from an offset.
    /// - Returns: whether the state changed.
    /// - Throws: storage errors, or ``MetadataLogError`` for a record that is not a command.
    func catchUp(to highWatermark: Offset, read: (Offset, Int) throws -> LogRead) throws -> Bool {
        var changed = false
        while appliedEnd < highWatermark {
            let chunk = try read(appliedEnd, Self.readBytesMax)
            guard chunk.batchCount > 0 else { break }
            for batch in try chunk.batches() {
                guard batch.lastOffset >= appliedEnd else { continue }
                guard batch.baseOffset < highWatermark else { return changed }
                for (offset, command) in try MetadataRecords.commands(in: batch) {
                    let result = state.apply(command)
                    if case .success = result { changed = true }
                    record(result, at: offset)
                }
                appliedEnd = batch.lastOffset.advanced(by: 1)
            }
        }
        return changed
    }

    /// Calls `completion` with the result of the command at `offset` once it is applied (at
    /// once when it already is and its result is still kept).
    func whenApplied(_ offset: Offset, _ completion: @escaping (Result<Void, MetadataError>) -> Void) {
        if offset < appliedEnd {
            let kept = recentResults.last { $0.0 == offset }
            return completion(kept?.1 ?? .failure(MetadataError(.invalidRequest, "result of the command at \(offset) is no longer known")))
        }
        waiters[offset, default: []].append(completion)
    }

    private func record(_ result: Result<Void, MetadataError>, at offset: Offset) {
        recentResults.append((offset, result))
        if recentResults.count > Self.resultCountMax { recentResults.removeFirst() }
        for waiter in waiters.removeValue(forKey: offset) ?? [] { waiter(result) }
    }
}
