import ClusterMetadata
import Logging
import Raft
import Storage
import Transport

extension RaftHost {
    // MARK: - Proposals

    /// Proposes `batch` to `group`; `completion` runs on the loop once it is committed (with its
    /// Kafka offsets) or has failed. Call on the loop's thread.
    ///
    /// The batch must be a valid, non-control batch of at most the log's `batchBytesMax`: Raft
    /// stamps its offsets and term when the leader appends it.
    /// - Returns: the offsets the batch takes in the leader's log when it was accepted (they are
    ///   final once committed; a new leader may drop them), nil when `completion` already ran
    ///   with the failure.
    @discardableResult
    public func propose(
        _ batch: RecordBatch, to group: RaftGroupID,
        completion: @escaping (Result<ClosedRange<Offset>, ProposalFailure>) -> Void
    ) -> ClosedRange<Offset>? {
        assertInLoop()
        guard !batch.isControl, batch.header.totalBytes <= options.logOptions.limits.batchBytesMax else {
            completion(.failure(.invalidBatch("control batch or over \(options.logOptions.limits.batchBytesMax) bytes")))
            return nil
        }
        return submit(batch, to: group, awaitsApply: false, completion: completion)
    }

    /// Proposes to move `group`'s log start forward to `offset` on every replica (DeleteRecords):
    /// a log-start entry that each replica applies once committed. `completion` runs on the loop
    /// once this replica applied it, with the log start then (at least `offset`, unless
    /// `offset` lies inside a batch: see below), or with why it failed.
    ///
    /// Raft removes whole entries, so a start inside a batch moves to that batch's first offset
    /// (the records of that batch below `offset` stay readable), never past what was asked.
    /// An `offset` at or below the log start completes at once, with nothing proposed.
    /// - Parameter offset: at most the high-water mark (the commit); beyond it the proposal fails
    ///   with ``ProposalFailure/invalidBatch(_:)``.
    public func proposeLogStart(
        _ offset: Offset, to group: RaftGroupID, completion: @escaping (Result<Offset, ProposalFailure>) -> Void
    ) {
        assertInLoop()
        let hosted: HostedGroup
        switch servingGroup(group) {
        case .success(let found): hosted = found
        case .failure(let failure): return completion(.failure(failure))
        }
        let replica = hosted.replica
        guard replica.core.currentRole == .leader else { return completion(.failure(.notLeader(leaderHint: replica.core.currentLeader))) }
        let highWatermark = hosted.status.highWatermark
        guard offset <= highWatermark else {
            return completion(.failure(.invalidBatch("log start \(offset) is past the high-water mark \(highWatermark)")))
        }
        guard offset > replica.log.logStartOffset else { return completion(.success(replica.log.logStartOffset)) }
        let found = offset < replica.log.nextOffset ? replica.entryStart(containing: offset) : offset
        guard let start = found else { return completion(.failure(.storageFailed("cannot read the entry holding offset \(offset)"))) }
        guard start > replica.log.logStartOffset else { return completion(.success(replica.log.logStartOffset)) }
        submit(EntryBatchCoding.logStartBatch(startingAt: start), to: group, awaitsApply: true) { [weak self] result in
            completion(result.map { _ in self?.groups[group]?.replica.log.logStartOffset ?? start })
        }
    }

    /// Proposes `batch` to `group` (see ``propose(_:to:completion:)``); with `awaitsApply`,
    /// `completion` waits until the replica applied it.
    @discardableResult
    private func submit(
        _ batch: RecordBatch, to group: RaftGroupID, awaitsApply: Bool,
        completion: @escaping (Result<ClosedRange<Offset>, ProposalFailure>) -> Void
    ) -> ClosedRange<Offset>? {
        let hosted: HostedGroup
        switch servingGroup(group) {
        case .success(let found): hosted = found
        case .failure(let failure):
            completion(.failure(failure))
            return nil
        }
        let indexes: ClosedRange<LogIndex>
        do throws(ProposalFailure) {
            guard hosted.proposals.count < options.pendingProposalCountMax else { throw .tooManyPending }
            do {
                indexes = try hosted.replica.propose(batch)
            } catch .notLeader(let leader) {
                throw .notLeader(leaderHint: leader)
            } catch {
                throw .refused(error)
            }
        } catch {
            completion(.failure(error))
            return nil
        }
        hosted.proposals.add(
            indexes, term: hosted.replica.core.currentTerm, deadlineTick: tickCount + UInt64(options.proposalTimeoutTicks),
            awaitsApply: awaitsApply, completion: completion)
        markDirty(group)
        return indexes.lowerBound.offset...indexes.upperBound.offset
    }

    /// Proposes `batch` to `group` from any thread and waits for its commit (see
    /// ``propose(_:to:completion:)``).
    /// - Returns: the batch's Kafka offsets, or why it failed (``ProposalFailure/hostUnavailable(_:)``
    ///   when the loop's job queue is full or the loop is shut down).
    public func propose(_ batch: RecordBatch, to group: RaftGroupID) async -> Result<ClosedRange<Offset>, ProposalFailure> {
        await withCheckedContinuation { continuation in
            do {
                try loop.execute { _ = self.propose(batch, to: group) { continuation.resume(returning: $0) } }
            } catch {
                continuation.resume(returning: .failure(.hostUnavailable("\(error)")))
            }
        }
    }

    // MARK: - Peer frames

    /// Takes a raft batch frame that peer node `peer` sent; the messages reach their groups and
    /// a host cycle runs at the end of the turn. A frame that does not decode is dropped whole
    /// (logged, counted); a message for a group not hosted here is dropped (counted).
    public func receive(_ frame: PeerFrame, from peer: NodeID) {
        assertInLoop()
        guard !isClosed else { return }
        counters.framesReceived += 1
        let entries: [(RaftGroupID, Message)]
        do {
            guard frame.kind == RaftBatchFrame.kind else {
                throw RaftBatchDecodingError("frame kind \(frame.kind) is not a raft batch")
            }
            entries = try RaftBatchFrame.decode(frame.body, sender: peer, receiver: localID)
        } catch {
            counters.malformedFrames += 1
            loop.logger.warning("dropping a frame from \(peer): \(error)")
            return
        }
        for (id, message) in entries {
            guard let group = groups[id], group.isServing else {
                counters.messagesForUnknownGroups += 1
                continue
            }
            do { try group.replica.step(message) } catch {
                fail(group, error)
                continue
            }
            markDirty(id)
        }
    }

    /// Queues `messages` of `group` for their peers.
    func enqueue(_ messages: [Message], of group: HostedGroup) {
        for message in messages { outbox.add(message, group: group.id) }
    }

    /// Hands every queued message to the transport, one frame per peer (more past the bound).
    func flush() {
        guard !outbox.isEmpty else { return }
        for (peer, frame, count) in outbox.takeFrames() {
            if send(peer, frame).isQueued {
                counters.framesSent += 1
                counters.messagesSent += UInt64(count)
            } else {
                counters.framesRefused += 1
            }
        }
    }
}
