import Broker
import ClusterMetadata
import KafkaProtocol
import Raft
import Storage

/// The idempotent producer: InitProducerId hands out ids from blocks the controller grants this
/// node, and the leader of each partition checks every idempotent batch's sequence against a
/// table of what its log holds (Kafka's rules: duplicates are acknowledged with their original
/// offsets, gaps are rejected).
///
/// The table reflects the leader's log, uncommitted entries included: it is updated when a batch
/// is accepted, and built anew from the log whenever this node leads in a new term (a log is
/// never truncated under a leader within its term, but may be by the next one).
extension KafkaBroker {
    /// One partition's producer table and the term it is valid in.
    struct LeaderProducerState {
        var term: Term
        var table: ProducerStateTable
    }

    /// Producer ids left when the node asks the controller for the next block.
    static let producerIDRefillThreshold = ClusterMetadataState.producerIDBlockSize / 4

    func initProducerId(_ request: InitProducerIdRequest) -> InitProducerIdResponse {
        guard request.transactionalId == nil else {
            return InitProducerIdResponse(errorCode: ErrorCode.invalidRequest.rawValue, producerId: -1, producerEpoch: -1)
        }
        // KIP-360: a producer that lost its sequence state asks to bump its epoch; fence the old
        // one by handing out the next epoch of the same id while the epoch lasts.
        if request.producerId >= 0, request.producerEpoch >= 0, request.producerEpoch < Int16.max - 1 {
            return InitProducerIdResponse(producerId: request.producerId, producerEpoch: request.producerEpoch + 1)
        }
        refillProducerIDs()
        guard let id = producerIDs.allocate() else {
            // Retriable: the client asks again once the controller granted this node a block.
            return InitProducerIdResponse(errorCode: ErrorCode.coordinatorLoadInProgress.rawValue, producerId: -1, producerEpoch: -1)
        }
        refillProducerIDs()
        return InitProducerIdResponse(producerId: id, producerEpoch: 0)
    }

    /// Asks the controller for the next block of producer ids when few are left (one request
    /// at a time). Called from housekeeping too, so that the first InitProducerId finds ids.
    func refillProducerIDs() {
        guard producerIDs.needsBlock, !isRequestingProducerIDs, let controller = node.controller, node.isReady else { return }
        isRequestingProducerIDs = true
        let local = node.localBrokerID
        controller.submit(.allocateProducerIDs(node: local)) { [weak self] result in
            guard let self else { return }
            isRequestingProducerIDs = false
            switch result {
            case .success:
                guard let block = node.applier.state.producerIDBlock(grantedTo: local) else { return }
                do { try producerIDs.addBlock(ProducerIdBlock(firstId: block.lowerBound, count: Int64(block.count))) } catch {
                    logger.warning("producer id block \(block) not usable: \(error)")
                }
            case .failure(let failure):
                logger.warning("no producer id block from the controller: \(failure)")
            }
        }
    }

    /// The verdict on an idempotent batch for `group`, led by this node in `status.term`.
    func checkSequence(of batch: RecordBatch, in group: RaftGroupID, status: GroupStatus) throws -> SequenceCheck {
        let header = batch.header
        let table = try producerTable(group, status: status)
        return table.check(
            producerId: header.producerId, epoch: header.producerEpoch, baseSequence: header.baseSequence,
            lastSequence: Self.lastSequence(of: header))
    }

    /// Records an accepted idempotent batch at the offsets the leader gave it.
    func recordAppend(of batch: RecordBatch, at offsets: ClosedRange<Offset>, in group: RaftGroupID) {
        let header = batch.header
        producerStates[group]?.table.recordAppend(
            ProducerBatch(
                producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence,
                lastSequence: Self.lastSequence(of: header), firstOffset: offsets.lowerBound.rawValue,
                lastOffset: offsets.upperBound.rawValue),
            nowMs: Self.wallClockMs)
    }

    /// Forgets the table of a group this node no longer leads.
    func dropProducerState(ifNotLeading status: GroupStatus) {
        if status.role != .leader { producerStates[status.group] = nil }
    }

    private func producerTable(_ group: RaftGroupID, status: GroupStatus) throws -> ProducerStateTable {
        if let state = producerStates[group], state.term == status.term { return state.table }
        let table = ProducerStateTable(limits: .production, rebuildingFrom: try idempotentBatches(of: group, status: status), nowMs: Self.wallClockMs)
        producerStates[group] = LeaderProducerState(term: status.term, table: table)
        return table
    }

    /// Every idempotent batch header of `group`'s stored log, in offset order.
    private func idempotentBatches(of group: RaftGroupID, status: GroupStatus) throws -> [ProducerBatch] {
        var found: [ProducerBatch] = []
        try forEachDataBatch(of: group, status: status) { batch in
            let header = batch.header
            guard header.producerId >= 0 else { return }
            found.append(ProducerBatch(
                producerId: header.producerId, producerEpoch: header.producerEpoch, baseSequence: header.baseSequence,
                lastSequence: Self.lastSequence(of: header), firstOffset: header.baseOffset.rawValue,
                lastOffset: header.lastOffset.rawValue))
        }
        return found
    }

    /// Sequences wrap from `Int32.max` to 0.
    private static func lastSequence(of header: RecordBatchHeader) -> Int32 {
        Int32((Int64(header.baseSequence) + Int64(header.lastOffsetDelta)) % (Int64(Int32.max) + 1))
    }
}
