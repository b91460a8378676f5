extension PartitionLog {
    /// Reads whole batches starting with the batch that holds `offset`, up to `maxBytes` (but always
    /// at least one whole batch, even a larger one), from one segment. Every returned batch is
    /// CRC-checked; reading never changes the log.
    /// - Parameters:
    ///   - offset: in `logStartOffset...nextOffset`; at `nextOffset` the result is empty.
    ///   - maxBytes: in `1...limits.readBytesMax`.
    ///   - limit: when given, only batches that end below it (a consumer's high-water mark); the
    ///     result is empty when the batch holding `offset` does not.
    /// - Throws: ``StorageError``: ``StorageError/Code/invalidArgument`` for a bad `maxBytes`,
    ///   ``StorageError/Code/offsetOutOfRange``, or ``StorageError/Code/corruptData`` with the location
    ///   of stored bytes that fail validation.
    public func read(from offset: Offset, maxBytes: Int, before limit: Offset? = nil) throws -> LogRead {
        try checkUsable()
        guard maxBytes > 0, maxBytes <= limits.readBytesMax else {
            throw StorageError(.invalidArgument, "maxBytes \(maxBytes) outside 1...\(limits.readBytesMax)")
        }
        try checkReadable(offset)
        guard offset < nextOffset else { return LogRead(bytes: [], firstOffset: nil, nextOffset: nextOffset, batchCount: 0) }
        let segment = segments[segmentIndex(containing: offset)]
        let (first, position) = try locateBatch(containing: offset, in: segment)
        if let limit, first.lastOffset >= limit { return LogRead(bytes: [], firstOffset: nil, nextOffset: offset, batchCount: 0) }
        let wanted = min(Int64(max(maxBytes, first.totalBytes)), segment.sizeBytes - position)
        let chunk = try segment.readBytes(at: position, count: Int(wanted))
        var end = 0
        var count = 0
        var next = first.baseOffset
        while end < chunk.count {
            let batch = validatedBatch(in: chunk, at: end, expecting: next)
            guard case .success(let header) = batch, count == 0 || end + header.totalBytes <= maxBytes,
                header.lastOffset < (limit ?? Offset(Int64.max))
            else {
                // A later batch that is cut by the chunk, too big, beyond the limit, or bad ends this read; the next
                // read starts at it and reports it if it is bad.
                if count > 0 { break }
                if case .failure(let defect) = batch {
                    throw StorageError(
                        .corruptData, defect.reason, location: DataLocation(file: segment.path, position: position, offset: next))
                }
                break
            }
            end += header.totalBytes
            count += 1
            next = header.nextOffset
        }
        precondition(count > 0, "a read inside the log returns at least one batch")
        return LogRead(bytes: Array(chunk[..<end]), firstOffset: first.baseOffset, nextOffset: next, batchCount: count)
    }

    /// Checks the batch at `position` in `chunk` completely (header, expected offset, CRC32C).
    private func validatedBatch(in chunk: [UInt8], at position: Int, expecting offset: Offset) -> Result<RecordBatchHeader, BatchDefect> {
        chunk.withUnsafeBytes { raw in
            let rest = UnsafeRawBufferPointer(rebasing: raw[position...])
            return Result { () throws(BatchDefect) -> RecordBatchHeader in
                let header = try RecordBatchHeader.decode(rest, batchBytesMax: limits.batchBytesMax)
                guard header.baseOffset == offset else { throw BatchDefect("base offset \(header.baseOffset), expected \(offset)") }
                guard header.totalBytes <= rest.count else { throw BatchDefect("batch runs past the end of its segment") }
                return try RecordBatch.check(UnsafeRawBufferPointer(rebasing: rest[..<header.totalBytes]), batchBytesMax: limits.batchBytesMax)
            }
        }
    }

    func checkReadable(_ offset: Offset) throws {
        guard offset >= logStartOffset, offset <= nextOffset else {
            throw StorageError(.offsetOutOfRange, "offset \(offset) outside the log \(logStartOffset)...\(nextOffset)")
        }
    }

    /// Index of the segment whose range holds `offset` (`logStartOffset <= offset < nextOffset`).
    func segmentIndex(containing offset: Offset) -> Int {
        var low = 0
        var high = segments.count
        while low < high {
            let middle = (low + high) / 2
            if segments[middle].baseOffset <= offset { low = middle + 1 } else { high = middle }
        }
        precondition(low > 0, "offset \(offset) below the first segment")
        return low - 1
    }

    /// Walks from the nearest index entry to the batch holding `offset`.
    func locateBatch(containing offset: Offset, in segment: Segment) throws -> (RecordBatchHeader, position: Int64) {
        let floor = segment.index.floor(relativeOffset: segment.relative(offset))
        var scanner = SegmentScanner(
            segment, from: floor.position, expectedOffset: segment.baseOffset.advanced(by: Int64(floor.relativeOffset)),
            batchBytesMax: limits.batchBytesMax)
        var previous: (header: RecordBatchHeader, position: Int64)?
        while true {
            let step = try scanner.next(verifyingChecksum: false)
            if case .batch(let header, let position) = step {
                if header.lastOffset >= offset { return (header, position) }
                previous = (header, position)
                continue
            }
            // A corrupt length or delta in the batch before makes the walk stumble one batch late.
            if let previous, try !checksumMatches(segment, previous.header, at: previous.position) {
                throw StorageError(
                    .corruptData, "CRC32C mismatch (found while locating offset \(offset))",
                    location: DataLocation(file: segment.path, position: previous.position, offset: previous.header.baseOffset))
            }
            let reason: String
            if case .damaged(_, let why, _) = step { reason = why } else { reason = "segment ends before offset \(offset)" }
            throw StorageError(
                .corruptData, reason, location: DataLocation(file: segment.path, position: scanner.position, offset: scanner.expectedOffset))
        }
    }

    private func checksumMatches(_ segment: Segment, _ header: RecordBatchHeader, at position: Int64) throws -> Bool {
        let bytes = try segment.readBytes(at: position, count: header.totalBytes)
        return (try? bytes.withCheckedBytes { raw throws(BatchDefect) in try RecordBatch.check(raw, batchBytesMax: limits.batchBytesMax) }) != nil
    }

    /// The first offset (at or after the log start) whose record timestamp is `>= timestamp`,
    /// nil when there is none. For a compressed batch it answers the batch's first offset.
    public func offset(forTimestamp timestamp: Int64) throws -> Offset? {
        try checkUsable()
        for segment in segments where (segment.maxTimestamp ?? Int64.min) >= timestamp && segment.nextOffset > logStartOffset {
            let floor = segment.index.floor(beforeTimestamp: timestamp)
            var scanner = SegmentScanner(
                segment, from: floor.position, expectedOffset: segment.baseOffset.advanced(by: Int64(floor.relativeOffset)),
                batchBytesMax: limits.batchBytesMax)
            while case .batch(let header, let position) = try scanner.next(verifyingChecksum: false) {
                guard header.maxTimestamp >= timestamp, header.lastOffset >= logStartOffset else { continue }
                if let found = try firstRecord(in: segment, at: position, header: header, atOrAfter: timestamp) { return found }
            }
        }
        return nil
    }

    private func firstRecord(in segment: Segment, at position: Int64, header: RecordBatchHeader, atOrAfter timestamp: Int64) throws -> Offset? {
        let location = DataLocation(file: segment.path, position: position, offset: header.baseOffset)
        let bytes = try segment.readBytes(at: position, count: header.totalBytes)
        let batch: RecordBatch
        do { batch = try RecordBatch(validating: bytes, batchBytesMax: limits.batchBytesMax) } catch let error as StorageError {
            throw StorageError(.corruptData, error.message, location: location)
        }
        guard batch.header.attributes.compressionCodec == 0 else { return max(batch.baseOffset, logStartOffset) }
        let records: [Record]
        do { records = try batch.records() } catch let error as StorageError {
            throw StorageError(.corruptData, error.message, location: location)
        }
        return records.first { $0.timestamp >= timestamp && $0.offset >= logStartOffset }?.offset
    }

    /// The epoch (Raft term) of the entry holding `offset`; also answers for `logStartOffset - 1`
    /// (the entry before the start, as a Raft snapshot's term). Nil outside that range.
    public func epoch(at offset: Offset) -> LeaderEpoch? {
        if offset == logStartOffset.advanced(by: -1) { return epochs.epochBeforeStart }
        guard offset >= logStartOffset, offset < nextOffset else { return nil }
        return epochs.epoch(containing: offset)
    }

    /// The last offset written in exactly `epoch`, nil when the log holds no entry of it.
    public func lastOffset(ofEpoch epoch: LeaderEpoch) -> Offset? {
        epochs.lastOffset(ofEpoch: epoch, nextOffset: nextOffset)
    }

    /// Kafka's OffsetForLeaderEpoch: the largest epoch `<= epoch` in the log and the offset where
    /// the next larger epoch starts (or ``nextOffset``). Nil when every epoch in the log is larger.
    public func endOffset(forEpoch epoch: LeaderEpoch) -> (epoch: LeaderEpoch, endOffset: Offset)? {
        epochs.endOffset(forEpoch: epoch, nextOffset: nextOffset)
    }
}

extension PartitionLog {
    /// Checks the leader epoch of every batch in `read` (a read of this log): it must be the
    /// epoch the log records for the batch's offsets, and at most `epochMax`.
    ///
    /// A batch's leader epoch lies outside its CRC32C (as in Kafka: the leader stamps it after
    /// the producer computed the checksum), so a flipped bit there passes every CRC check. Raft
    /// reads it as the entry's term: a term that is too high makes a log look more up to date
    /// than it is, and one that disagrees with the leader's stops replication to that replica
    /// for good (a 30-minute chaos run left a replica stuck that way).
    /// - Parameter epochMax: the highest epoch any entry may carry: the replica's durable term.
    /// - Throws: ``StorageError`` with code ``StorageError/Code/corruptData`` naming the batch's
    ///   offset (the file and position are not known here: position -1).
    public func checkEpochs(of read: LogRead, epochMax: LeaderEpoch) throws {
        var position = 0
        while position < read.bytes.count {
            let start = position
            let header = try read.bytes.withUnsafeBytes { raw in
                try RecordBatchHeader.decode(UnsafeRawBufferPointer(rebasing: raw[start...]), batchBytesMax: Int.max)
            }
            let recorded = epoch(at: header.baseOffset)
            guard header.partitionLeaderEpoch == recorded, header.partitionLeaderEpoch <= epochMax else {
                throw StorageError(
                    .corruptData,
                    "batch at offset \(header.baseOffset) carries leader epoch \(header.partitionLeaderEpoch), "
                        + "but the log records \(recorded.map { "\($0)" } ?? "none") there and no entry may exceed \(epochMax)",
                    location: DataLocation(file: directory, position: -1, offset: header.baseOffset))
            }
            position += header.totalBytes
        }
    }
}
