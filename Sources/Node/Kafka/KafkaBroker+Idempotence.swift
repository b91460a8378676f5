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
    ///
    /// The controller answers once it applied the grant, but this node learns the grant from its
    /// own copy of the metadata, which may lag (or, after a power cut, may have lost the last
    /// entries it applied): until it catches up it still shows an earlier grant, whose ids were
    /// handed out already. Taking that block again gave two producers one id, and one's batches
    /// were acknowledged as duplicates of the other's and lost (a 30-minute chaos run found it).
    /// So a block is taken only once it starts at or above ``ProducerIdAllocator/usedBelow``,
    /// which is kept in `producer-ids.state` and written before any id of the block is used.
    func refillProducerIDs() {
        guard producerIDs.needsBlock, !isRequestingProducerIDs, let controller = node.controller, node.servesClients else { return }
        isRequestingProducerIDs = true
        let local = node.localBrokerID
        let usedBelow = producerIDs.usedBelow
        let isFresh = { (state: ClusterMetadataState) in state.producerIDBlock(grantedTo: local).map { $0.lowerBound >= usedBelow } ?? false }
        controller.submit(.allocateProducerIDs(node: local)) { [weak self] result in
            guard let self else { return }
            if case .failure(let failure) = result {
                isRequestingProducerIDs = false
                return logger.warning("no producer id block from the controller: \(failure)")
            }
            whenAppliedHere(isFresh) { [weak self] in
                guard let self else { return }
                isRequestingProducerIDs = false
                guard let block = node.applier.state.producerIDBlock(grantedTo: local), block.lowerBound >= producerIDs.usedBelow else {
                    return logger.info("the producer id block granted is not in this node's metadata yet; asking again")
                }
                takeProducerIDBlock(block)
            }
        }
    }

    /// Where this node keeps ``ProducerIdAllocator/usedBelow``.
    static func producerIDStatePath(in dataDirectory: String) -> String { dataDirectory + "/producer-ids.state" }

    /// The ids an earlier run of this node may have handed out: all below the stored bound.
    /// - Throws: when the file exists but cannot be read (a corrupt bound must not be guessed).
    static func producerIDsUsedBelow(in dataDirectory: String) throws -> Int64 {
        guard let bytes = try DurableStateFile.read(from: producerIDStatePath(in: dataDirectory), payloadBytesMax: 8) else { return 0 }
        guard bytes.count == 8 else { throw ProducerIDStateError("\(producerIDStatePath(in: dataDirectory)) holds \(bytes.count) bytes, not 8") }
        let bound = bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) }
        guard bound >= 0 else { throw ProducerIDStateError("\(producerIDStatePath(in: dataDirectory)) holds a negative bound \(bound)") }
        return bound
    }

    /// Records the block's end durably, then hands out its ids.
    private func takeProducerIDBlock(_ block: Range<Int64>) {
        let end = block.upperBound
        do {
            try DurableStateFile.write((0..<8).map { UInt8(truncatingIfNeeded: end >> (56 - 8 * $0)) },
                                       to: Self.producerIDStatePath(in: node.config.dataDirectory), payloadBytesMax: 8)
            try producerIDs.addBlock(ProducerIdBlock(firstId: block.lowerBound, count: Int64(block.count)))
        } catch {
            logger.error("producer id block \(block) not usable: \(error)")
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

/// A `producer-ids.state` that cannot be trusted: the node refuses to start rather than guess
/// which producer ids it handed out.
struct ProducerIDStateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
