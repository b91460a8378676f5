import Testing
@testable import Broker

@Suite("Idempotent producer state")
struct ProducerStateTests {
    /// Appends `count` records from `producerId` the way a leader does: check, then record.
    @discardableResult
    static func append(
        _ table: inout ProducerStateTable, producerId: Int64 = 7, epoch: Int16 = 0, baseSequence: Int32, count: Int32,
        at offset: Int64, nowMs: Int64 = 0
    ) -> SequenceCheck {
        let lastSequence = Int32((Int64(baseSequence) + Int64(count) - 1) % (Int64(Int32.max) + 1))
        let verdict = table.check(producerId: producerId, epoch: epoch, baseSequence: baseSequence, lastSequence: lastSequence)
        if verdict == .accept {
            table.recordAppend(
                ProducerBatch(
                    producerId: producerId, producerEpoch: epoch, baseSequence: baseSequence, lastSequence: lastSequence,
                    firstOffset: offset, lastOffset: offset + Int64(count) - 1), nowMs: nowMs)
        }
        return verdict
    }

    @Test func aRetriedBatchIsADuplicateWithItsOriginalOffsets() {
        var table = ProducerStateTable(limits: .testMin)
        #expect(Self.append(&table, baseSequence: 0, count: 3, at: 100) == .accept)
        #expect(Self.append(&table, baseSequence: 3, count: 2, at: 200) == .accept)
        #expect(Self.append(&table, baseSequence: 0, count: 3, at: 999) == .duplicate(firstOffset: 100, lastOffset: 102))
        #expect(Self.append(&table, baseSequence: 3, count: 2, at: 999) == .duplicate(firstOffset: 200, lastOffset: 201))
        #expect(table.entry(for: 7)?.nextSequence == 5)
    }

    @Test func onlyTheLastFiveBatchesAreRecognisedAsDuplicates() {
        var table = ProducerStateTable(limits: .testMin)
        for index in 0..<6 {
            Self.append(&table, baseSequence: Int32(index), count: 1, at: Int64(index))
        }
        #expect(table.entry(for: 7)?.batches.count == ProducerLimits.batchesPerProducerCount)
        #expect(Self.append(&table, baseSequence: 1, count: 1, at: 50) == .duplicate(firstOffset: 1, lastOffset: 1))
        #expect(Self.append(&table, baseSequence: 0, count: 1, at: 50) == .outOfOrderSequence)
    }

    @Test func aGapOrAReorderingIsOutOfOrder() {
        var table = ProducerStateTable(limits: .testMin)
        Self.append(&table, baseSequence: 0, count: 2, at: 0)
        #expect(Self.append(&table, baseSequence: 3, count: 1, at: 2) == .outOfOrderSequence, "sequence 2 is missing")
        #expect(Self.append(&table, baseSequence: 1, count: 2, at: 2) == .outOfOrderSequence, "overlaps without matching")
        #expect(Self.append(&table, baseSequence: 2, count: 1, at: 2) == .accept)
    }

    @Test func anEpochBumpRestartsSequencesAndFencesTheOldEpoch() {
        var table = ProducerStateTable(limits: .testMin)
        Self.append(&table, epoch: 0, baseSequence: 0, count: 4, at: 0)
        #expect(Self.append(&table, epoch: 1, baseSequence: 4, count: 1, at: 4) == .outOfOrderSequence)
        #expect(Self.append(&table, epoch: 1, baseSequence: 0, count: 1, at: 4) == .accept)
        #expect(Self.append(&table, epoch: 0, baseSequence: 4, count: 1, at: 5) == .invalidProducerEpoch)
        #expect(table.entry(for: 7)?.batches.count == 1)
    }

    @Test func anUnknownProducerMustStartAtSequenceZero() {
        let table = ProducerStateTable(limits: .testMin)
        #expect(table.check(producerId: 9, epoch: 0, baseSequence: 5, lastSequence: 5) == .unknownProducerId)
        #expect(table.check(producerId: 9, epoch: 0, baseSequence: 0, lastSequence: 5) == .accept)
        #expect(table.check(producerId: 9, epoch: 0, baseSequence: -1, lastSequence: 5) == .outOfOrderSequence)
    }

    @Test func sequencesWrapFromInt32MaxToZero() {
        var table = ProducerStateTable(limits: .testMin)
        table.recordAppend(
            ProducerBatch(producerId: 7, producerEpoch: 0, baseSequence: Int32.max - 1, lastSequence: Int32.max, firstOffset: 0, lastOffset: 1),
            nowMs: 0)
        #expect(Self.append(&table, baseSequence: 0, count: 1, at: 2) == .accept)
    }

    @Test func rebuildingFromTheLogReproducesTheLeadersTable() {
        var leader = ProducerStateTable(limits: .testMin)
        var log: [ProducerBatch] = []
        var offset: Int64 = 0
        for (producerId, epoch, base, count) in [(1, 0, 0, 3), (2, 0, 0, 1), (1, 0, 3, 2), (2, 1, 0, 2), (1, 0, 5, 1)] as [(Int64, Int16, Int32, Int32)] {
            #expect(Self.append(&leader, producerId: producerId, epoch: epoch, baseSequence: base, count: count, at: offset) == .accept)
            log.append(leader.entry(for: producerId)!.batches.last!)
            offset += Int64(count)
        }
        let rebuilt = ProducerStateTable(limits: .testMin, rebuildingFrom: log, nowMs: 0)
        #expect(rebuilt.entry(for: 1) == leader.entry(for: 1))
        #expect(rebuilt.entry(for: 2) == leader.entry(for: 2))
        #expect(rebuilt.check(producerId: 1, epoch: 0, baseSequence: 3, lastSequence: 4) == .duplicate(firstOffset: 4, lastOffset: 5))
        #expect(rebuilt.check(producerId: 2, epoch: 0, baseSequence: 1, lastSequence: 1) == .invalidProducerEpoch)
    }

    @Test func aFencedZombieBatchInTheLogDoesNotRollTheEpochBack() {
        let log = [
            ProducerBatch(producerId: 1, producerEpoch: 2, baseSequence: 0, lastSequence: 0, firstOffset: 0, lastOffset: 0),
            ProducerBatch(producerId: 1, producerEpoch: 1, baseSequence: 9, lastSequence: 9, firstOffset: 1, lastOffset: 1),
        ]
        let table = ProducerStateTable(limits: .testMin, rebuildingFrom: log, nowMs: 0)
        #expect(table.entry(for: 1)?.epoch == 2)
        #expect(table.entry(for: 1)?.nextSequence == 1)
    }

    @Test func rebuildingSkipsPlainAndMalformedHeaders() {
        let log = [
            ProducerBatch(producerId: -1, producerEpoch: -1, baseSequence: -1, lastSequence: -1, firstOffset: 0, lastOffset: 4),
            ProducerBatch(producerId: 3, producerEpoch: 0, baseSequence: 0, lastSequence: 1, firstOffset: 9, lastOffset: 5),
            ProducerBatch(producerId: 4, producerEpoch: 0, baseSequence: 0, lastSequence: 1, firstOffset: 10, lastOffset: 11),
        ]
        let table = ProducerStateTable(limits: .testMin, rebuildingFrom: log, nowMs: 0)
        #expect(table.producerCount == 1)
        #expect(table.entry(for: 4)?.nextSequence == 2)
    }

    @Test func pastTheBoundTheLeastRecentlyUsedProducerIsForgotten() {
        var table = ProducerStateTable(limits: .testMin)
        for producerId in Int64(1)...3 {
            Self.append(&table, producerId: producerId, baseSequence: 0, count: 1, at: producerId, nowMs: producerId * 10)
        }
        Self.append(&table, producerId: 1, baseSequence: 1, count: 1, at: 10, nowMs: 40)
        Self.append(&table, producerId: 4, baseSequence: 0, count: 1, at: 11, nowMs: 50)
        #expect(table.producerCount == 3)
        #expect(table.entry(for: 2) == nil, "producer 2 was used least recently")
        #expect(table.check(producerId: 2, epoch: 0, baseSequence: 1, lastSequence: 1) == .unknownProducerId)
        #expect(table.entry(for: 1) != nil)
    }

    @Test func idleProducersExpire() {
        var table = ProducerStateTable(limits: .testMin)
        Self.append(&table, producerId: 1, baseSequence: 0, count: 1, at: 0, nowMs: 0)
        Self.append(&table, producerId: 2, baseSequence: 0, count: 1, at: 1, nowMs: 5_000)
        #expect(table.expireIdle(nowMs: 9_999) == 0)
        #expect(table.expireIdle(nowMs: 10_000) == 1)
        #expect(table.entry(for: 1) == nil && table.entry(for: 2) != nil)
    }
}

@Suite("Producer id allocation")
struct ProducerIdAllocatorTests {
    @Test func idsComeFromGrantedBlocksInOrderAndRunOutWithoutABlock() throws {
        var allocator = ProducerIdAllocator(refillThresholdCount: 2)
        #expect(allocator.allocate() == nil)
        #expect(allocator.needsBlock)
        try allocator.addBlock(ProducerIdBlock(firstId: 1_000, count: 3))
        #expect(allocator.allocate() == 1_000)
        #expect(!allocator.needsBlock)
        #expect(allocator.allocate() == 1_001)
        #expect(allocator.needsBlock, "one id left, below the refill threshold")
        try allocator.addBlock(ProducerIdBlock(firstId: 5_000, count: 2))
        #expect(!allocator.needsBlock)
        #expect([allocator.allocate(), allocator.allocate(), allocator.allocate(), allocator.allocate()] == [1_002, 5_000, 5_001, nil])
    }

    @Test func blocksThatReuseIdsOrPileUpAreRejected() throws {
        var allocator = ProducerIdAllocator(refillThresholdCount: 1)
        try allocator.addBlock(ProducerIdBlock(firstId: 100, count: 10))
        #expect(throws: ProducerIdBlockError.self) { try allocator.addBlock(ProducerIdBlock(firstId: 105, count: 10)) }
        #expect(throws: ProducerIdBlockError.self) { try allocator.addBlock(ProducerIdBlock(firstId: 200, count: 0)) }
        #expect(throws: ProducerIdBlockError.self) { try allocator.addBlock(ProducerIdBlock(firstId: Int64.max, count: 2)) }
        try allocator.addBlock(ProducerIdBlock(firstId: 110, count: 10))
        #expect(throws: ProducerIdBlockError.self) { try allocator.addBlock(ProducerIdBlock(firstId: 120, count: 10)) }
    }

    @Test func afterARestartABlockBelowWhatTheLastRunUsedIsRefused() throws {
        var restarted = ProducerIdAllocator(refillThresholdCount: 1, usedBelow: 2_000)
        #expect(restarted.usedBelow == 2_000)
        #expect(throws: ProducerIdBlockError.self, "the block the last run took, granted again from stale metadata") {
            try restarted.addBlock(ProducerIdBlock(firstId: 1_000, count: 1_000))
        }
        #expect(restarted.allocate() == nil)
        try restarted.addBlock(ProducerIdBlock(firstId: 2_000, count: 1_000))
        #expect(restarted.allocate() == 2_000)
        #expect(restarted.usedBelow == 3_000)
    }
}

@Suite("Broker limits")
struct BrokerLimitsTests {
    @Test func theShippedProfilesAreValid() throws {
        try GroupLimits.production.validate()
        try GroupLimits.testMin.validate()
        try ProducerLimits.production.validate()
        try ProducerLimits.testMin.validate()
    }

    @Test func contradictoryBoundsAreRejectedWithTheirName() {
        var groups = GroupLimits.testMin
        groups.sessionTimeoutMsMin = groups.sessionTimeoutMsMax + 1
        #expect(throws: GroupLimitsError.self) { try groups.validate() }
        groups = .testMin
        groups.identifierBytesMax = 32
        #expect { try groups.validate() } throws: { ($0 as? GroupLimitsError)?.message.contains("identifierBytesMax") == true }
        #expect(throws: ProducerLimitsError.self) { try ProducerLimits(producerCountMax: 0, producerIdleMsMax: 1).validate() }
    }
}
