import Testing

@testable import Storage

/// The simplest possible partition log: an array of stamped batches.
private struct LogModel {
    var batches: [RecordBatch] = []
    var logStart: Offset = 0
    var nextOffset: Offset = 0
    var epochBeforeStart: LeaderEpoch = .none
    /// Every offset below this was reported durable by the engine.
    var durableEnd: Offset = 0

    /// Batches wholly below the start no longer count (a crash can leave only those).
    var latestEpoch: LeaderEpoch { visibleBatches.last?.leaderEpoch ?? epochBeforeStart }

    var visibleBatches: [RecordBatch] { batches.filter { $0.lastOffset >= logStart } }

    func epoch(at offset: Offset) -> LeaderEpoch? {
        if offset == logStart.advanced(by: -1) { return epochBeforeStart }
        guard offset >= logStart, offset < nextOffset else { return nil }
        return batches.first { $0.baseOffset <= offset && offset <= $0.lastOffset }?.leaderEpoch
    }

    mutating func append(_ batch: RecordBatch) {
        batches.append(batch)
        nextOffset = batch.lastOffset.advanced(by: 1)
    }

    /// Keeps the batches wholly below `end` (a crash may also cut the log below a logical start
    /// that was inside an unsynced batch; the log then restarts empty at the start).
    mutating func truncate(toEnd end: Offset) {
        batches.removeAll { $0.lastOffset >= end }
        nextOffset = end
        durableEnd = min(durableEnd, end)
    }

    mutating func advanceStart(to offset: Offset, epochBefore: LeaderEpoch) {
        if offset > nextOffset {
            batches = []
            nextOffset = offset
            durableEnd = offset
        }
        logStart = offset
        epochBeforeStart = epochBefore
    }
}

/// Random operations against the engine and the model, checked after every step.
private struct ModelRun {
    let seed: UInt64
    var random: SeededGenerator
    var model = LogModel()
    var log: PartitionLog
    let directory: String
    let durability: DurabilityMode
    var clock: Int64 = 1_000

    init(seed: UInt64, directory: String, durability: DurabilityMode) throws {
        self.seed = seed
        self.random = SeededGenerator(seed: seed)
        self.directory = directory
        self.durability = durability
        self.log = try openLog(directory, durability: durability)
    }

    mutating func nextEpoch() -> LeaderEpoch {
        let latest = model.latestEpoch
        return Int.random(in: 0..<10, using: &random) == 0 ? LeaderEpoch(latest.rawValue + 1) : max(latest, 0)
    }

    mutating func newBatch() -> RecordBatch {
        clock += Int64.random(in: 0...400, using: &random)
        return makeBatch(
            count: Int.random(in: 1...4, using: &random), valueBytes: Int.random(in: 0...300, using: &random), timestamp: clock,
            seed: UInt8.random(in: 0...255, using: &random))
    }

    mutating func step(_ index: Int) throws {
        switch Int.random(in: 0..<100, using: &random) {
        case 0..<40:
            let epoch = nextEpoch()
            let range = try log.append(newBatch(), leaderEpoch: epoch)
            var stamped = try #require(try log.read(from: range.lowerBound, maxBytes: 1).batches().first)
            #expect(stamped.baseOffset == model.nextOffset && stamped.leaderEpoch == epoch, "seed \(seed) step \(index)")
            stamped.stamp(baseOffset: range.lowerBound, leaderEpoch: epoch)
            model.append(stamped)
        case 40..<50:
            var batch = newBatch()
            batch.stamp(baseOffset: model.nextOffset, leaderEpoch: nextEpoch())
            try log.appendReplicated(batch)
            model.append(batch)
        case 50..<56:
            #expect(try log.sync() == model.nextOffset, "seed \(seed) step \(index)")
            model.durableEnd = model.nextOffset
        case 56..<62:
            // The split sync, with an append between its steps (as on a loop thread).
            guard let pending = try log.beginSync() else { return }
            #expect(pending.endOffset == model.nextOffset, "seed \(seed) step \(index)")
            var batch = newBatch()
            batch.stamp(baseOffset: model.nextOffset, leaderEpoch: max(model.latestEpoch, 0))
            try log.appendReplicated(batch)
            model.append(batch)
            try pending.perform()
            #expect(try log.completeSync(pending) >= pending.endOffset, "seed \(seed) step \(index)")
            model.durableEnd = max(model.durableEnd, pending.endOffset)
        case 62..<70:
            try truncate(index)
        case 70..<76:
            let now = clock + Int64.random(in: 0...5_000, using: &random)
            let bound = Offset(Int64.random(in: model.logStart.rawValue...model.nextOffset.rawValue, using: &random))
            let policy = RetentionPolicy(
                retentionMs: Bool.random(using: &random) ? Int64.random(in: 0...5_000, using: &random) : nil,
                retentionBytes: Bool.random(using: &random) ? Int64.random(in: 0...20_000, using: &random) : nil)
            try log.applyRetention(policy, nowMs: now, deletableBelow: bound)
            #expect(log.logStartOffset <= max(bound, model.logStart), "seed \(seed) step \(index)")
            if log.logStartOffset > model.logStart {
                model.advanceStart(to: log.logStartOffset, epochBefore: try #require(model.epoch(at: log.logStartOffset.advanced(by: -1))))
            }
        case 76..<84:
            let target = Offset(Int64.random(in: model.logStart.rawValue...(model.nextOffset.rawValue + 30), using: &random))
            guard target > model.logStart else { return }
            let epochBefore = target > model.nextOffset ? LeaderEpoch(model.latestEpoch.rawValue + Int32.random(in: 0...2, using: &random)) : try #require(model.epoch(at: target.advanced(by: -1)))
            try log.advanceStart(to: target, epochBeforeStart: target > model.nextOffset ? epochBefore : nil)
            model.advanceStart(to: target, epochBefore: epochBefore)
        case 84..<92:
            try log.sync()
            model.durableEnd = model.nextOffset
            log = try openLog(directory, durability: durability)
        default:
            try crash(index)
        }
    }

    mutating func truncate(_ index: Int) throws {
        let candidates = model.batches.filter { $0.baseOffset >= model.logStart }
        guard let victim = candidates.randomElement(using: &random) else { return }
        if victim.lastOffset > victim.baseOffset, Bool.random(using: &random) {
            expectStorageError(.notOnBatchBoundary) { try log.truncate(after: victim.baseOffset) }
            return
        }
        try log.truncate(after: victim.baseOffset.advanced(by: -1))
        model.truncate(toEnd: victim.baseOffset)
    }

    /// Drops the engine without syncing (a crash: held bytes are lost; in the simulated mode
    /// exactly what a power cut would lose) and reopens.
    mutating func crash(_ index: Int) throws {
        let claimed = log.durableEndOffset
        #expect(claimed >= model.durableEnd, "seed \(seed) step \(index)")
        log = try openLog(directory, durability: durability)
        #expect(log.nextOffset >= claimed && log.nextOffset <= model.nextOffset, "seed \(seed) step \(index): lost synced data")
        model.truncate(toEnd: log.nextOffset)
        model.durableEnd = log.durableEndOffset
    }

    mutating func check(_ index: Int) throws {
        let context = "seed \(seed) step \(index)"
        #expect(log.nextOffset == model.nextOffset, "\(context)")
        #expect(log.logStartOffset == model.logStart, "\(context)")
        #expect(log.durableEndOffset >= model.durableEnd && log.durableEndOffset <= log.nextOffset, "\(context)")
        let stored = try readAll(log, maxBytes: Int.random(in: 1...5_000, using: &random))
        #expect(stored.map(\.bytes) == model.visibleBatches.map(\.bytes), "\(context)")
        for _ in 0..<5 {
            let offset = Offset(Int64.random(in: (model.logStart.rawValue - 2)...(model.nextOffset.rawValue + 1), using: &random))
            #expect(log.epoch(at: offset) == model.epoch(at: offset), "\(context) offset \(offset)")
        }
    }
}

@Suite struct ModelBasedTests {
    @Test(arguments: 0..<32, [DurabilityMode.normal, .unsafeSimulatedPowerLoss])
    func randomOperationsMatchTheInMemoryModel(seed: UInt64, durability: DurabilityMode) throws {
        let directory = TemporaryDirectory("model", inMemory: true)
        var run = try ModelRun(seed: seed &* 0x9E37_79B9 &+ 11, directory: directory.path, durability: durability)
        for index in 0..<160 {
            do {
                try run.step(index)
                try run.check(index)
            } catch {
                Issue.record("seed \(run.seed) \(durability) step \(index): \(error)")
                return
            }
        }
    }
}
