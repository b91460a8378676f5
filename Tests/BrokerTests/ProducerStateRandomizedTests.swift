import Foundation
import Testing
@testable import Broker
import SeededRandom

/// Producers send, retry, skip and re-epoch at random against one partition's table; a simple
/// model of what each producer sent says what every verdict must be, and rebuilding from the
/// resulting log must reproduce the leader's table.
@Suite("Idempotent producer state: seeded random runs")
struct ProducerStateRandomizedTests {
    struct Producer {
        var epoch: Int16 = 0
        var nextSequence: Int32 = 0
        /// Appended batches of the current epoch, oldest first.
        var appended: [ProducerBatch] = []
        /// Whether any batch of any epoch was appended: the table knows the producer.
        var isKnown = false
    }

    @Test(arguments: 0..<10)
    func verdictsMatchTheModelAndTheLogRebuildsTheTable(run: Int) {
        let seed = ProcessInfo.processInfo.environment["BROKER_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        print("random producer run \(run): seed \(seed)")
        var rng = SplitMix64(seed: seed)
        let limits = ProducerLimits(producerCountMax: 16, producerIdleMsMax: 1_000_000)
        var table = ProducerStateTable(limits: limits)
        var producers = Array(repeating: Producer(), count: 6)
        var log: [ProducerBatch] = []
        var nextOffset: Int64 = 0

        for step in 0..<5_000 {
            let index = Int(rng.next() % UInt64(producers.count))
            let producerId = Int64(100 + index)
            var producer = producers[index]
            let action = rng.next() % 10
            if action < 6 {
                // A new batch, in order.
                let count = Int32(1 + rng.next() % 5)
                let batch = ProducerBatch(
                    producerId: producerId, producerEpoch: producer.epoch, baseSequence: producer.nextSequence,
                    lastSequence: producer.nextSequence + count - 1, firstOffset: nextOffset, lastOffset: nextOffset + Int64(count) - 1)
                let verdict = table.check(
                    producerId: producerId, epoch: producer.epoch, baseSequence: batch.baseSequence, lastSequence: batch.lastSequence)
                #expect(verdict == .accept, "step \(step): in-order batch refused (seed \(seed))")
                table.recordAppend(batch, nowMs: Int64(step))
                log.append(batch)
                nextOffset += Int64(count)
                producer.nextSequence += count
                producer.appended.append(batch)
                producer.isKnown = true
            } else if action < 8, !producer.appended.isEmpty {
                // A retry of an earlier batch: a duplicate if among the last five, else refused.
                let back = Int(rng.next() % UInt64(min(producer.appended.count, 7)))
                let original = producer.appended[producer.appended.count - 1 - back]
                let verdict = table.check(
                    producerId: producerId, epoch: producer.epoch, baseSequence: original.baseSequence,
                    lastSequence: original.lastSequence)
                let expected: SequenceCheck =
                    back < ProducerLimits.batchesPerProducerCount
                    ? .duplicate(firstOffset: original.firstOffset, lastOffset: original.lastOffset) : .outOfOrderSequence
                #expect(verdict == expected, "step \(step): retry \(back) back (seed \(seed))")
            } else if action == 8 {
                // A gap: the batch after a lost one.
                let base = producer.nextSequence + 1 + Int32(rng.next() % 3)
                let verdict = table.check(producerId: producerId, epoch: producer.epoch, baseSequence: base, lastSequence: base)
                let expected: SequenceCheck = producer.isKnown ? .outOfOrderSequence : .unknownProducerId
                #expect(verdict == expected, "step \(step): gap (seed \(seed))")
            } else {
                // Once the new epoch has appended, a zombie of the old one is fenced; then the
                // producer bumps its epoch again (InitProducerId), restarting its sequences.
                if producer.epoch > 0 && !producer.appended.isEmpty {
                    let verdict = table.check(producerId: producerId, epoch: producer.epoch - 1, baseSequence: 0, lastSequence: 0)
                    #expect(verdict == .invalidProducerEpoch, "step \(step): zombie epoch (seed \(seed))")
                }
                producer = Producer(epoch: producer.epoch + 1, isKnown: producer.isKnown)
            }
            producers[index] = producer
        }

        let rebuilt = ProducerStateTable(limits: limits, rebuildingFrom: log, nowMs: 0)
        for index in producers.indices {
            let producerId = Int64(100 + index)
            #expect(rebuilt.entry(for: producerId)?.batches == table.entry(for: producerId)?.batches, "seed \(seed)")
            #expect(rebuilt.entry(for: producerId)?.epoch == table.entry(for: producerId)?.epoch, "seed \(seed)")
        }
    }
}
