import ChaosCheck
import Testing

/// Each anomaly, planted in a small history, is reported with its kind and an example that
/// points at it; the same histories without the plant pass.
@Suite struct AnomalyDetectionTests {
    @Test func aCleanHistoryWithIndeterminateSendsRetriesControlRecordsAndFaultsPasses() throws {
        var h = HistoryBuilder()
        h.fault("kill", ["n1"])
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 1)
        h.send(2, 20, to: 0, at: 3, producer: HistoryBuilder.plain)
        h.send(1, 12, to: 0, outcome: .info)  // landed at 4 although its acknowledgement was lost
        h.send(1, 13, to: 0, outcome: .info)  // never landed
        h.send(1, 14, to: 0, outcome: .fail)
        h.send(2, 21, to: 1, at: 0, producer: HistoryBuilder.plain)
        h.fault("heal", [])
        h.assign(5, [0, 1])
        h.poll(5, [(0, 0, 10), (0, 1, 11)])
        h.poll(5, [(0, 3, 20), (1, 0, 21)])  // offset 2 is a control record: not a skip
        h.poll(5, [(0, 4, 12)])
        h.commit(5, 0, 5)
        h.fetch(6, 0, returns: 5)
        h.seek(5, 0, to: 0)
        h.poll(5, [(0, 0, 10)])  // re-reading after a seek is not nonmonotonic
        h.commit(5, 0, 1, reset: true)
        h.fetch(6, 0, returns: 1)
        let report = try check(h.events, replicas(0, [10, 11, nil, 20, 12]) + replicas(1, [21]))
        #expect(report.isValid)
        #expect(report.kinds == [])
        #expect(report.faults.map(\.kind) == ["heal", "kill"])
        #expect(report.operations.first { $0.operation == "send" }?.counts == OutcomeCounts(ok: 4, fail: 1, info: 2))
    }

    @Test func anAcknowledgedSendMissingFromTheFinalLogIsALostWrite() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 1)
        h.poll(5, [(0, 0, 10)])
        let report = try check(h.events, replicas(0, [10]))
        #expect(!report.isValid)
        #expect(report.kinds == [.lostWrite])
        let example = try #require(report.examples(of: .lostWrite).first)
        #expect(example.value == 11 && example.offset == 1 && example.partition == 0)
    }

    @Test func anAcknowledgedSendAtAnotherOffsetThanAcknowledgedIsALostWrite() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(2, 11, to: 0, at: 1, producer: HistoryBuilder.plain)
        let report = try check(h.events, replicas(0, [11, 10]))
        #expect(report.kinds == [.lostWrite])
        #expect(report.anomalies(of: .lostWrite)?.count == 2)
        #expect(report.examples(of: .lostWrite).first?.detail.contains("at offset 1") == true)
    }

    @Test func aProducersSendsStoredOutOfSendOrderAreANonmonotonicSend() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 1)
        h.send(1, 11, to: 0, at: 0)
        h.poll(5, [(0, 0, 11), (0, 1, 10)])
        let report = try check(h.events, replicas(0, [11, 10]))
        #expect(report.kinds == [.nonmonotonicSend])
        let example = try #require(report.examples(of: .nonmonotonicSend).first)
        #expect(example.value == 11 && example.offset == 0)
    }

    @Test func anIdempotentValueAtTwoOffsetsIsADuplicate() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.poll(5, [(0, 0, 10), (0, 1, 10)])
        let report = try check(h.events, replicas(0, [10, 10]))
        #expect(report.kinds == [.duplicate])
        #expect(report.examples(of: .duplicate).first?.value == 10)
        #expect(!report.isValid)
    }

    @Test func aPlainProducersDuplicateIsReportedButDoesNotFailTheRun() throws {
        var h = HistoryBuilder()
        h.send(2, 10, to: 0, at: 1, producer: HistoryBuilder.plain)
        h.poll(5, [(0, 0, 10), (0, 1, 10)])
        let report = try check(h.events, replicas(0, [10, 10]))
        #expect(report.kinds == [.plainDuplicate])
        #expect(report.isValid)
    }

    @Test func aReplicaLogWithAMissingOffsetIsAGap() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 2)
        h.poll(5, [(0, 0, 10), (0, 2, 11)])
        let holey = ["n1", "n2", "n3"].map { name in
            ReplicaLog(partition: 0, replica: name, startOffset: 0, endOffset: 3, entries: [
                LogEntry(offset: 0, content: .value(10)), LogEntry(offset: 2, content: .value(11)),
            ])
        }
        let report = try check(h.events, holey)
        #expect(report.kinds == [.gap])
        #expect(report.anomalies(of: .gap)?.count == 3)
        #expect(report.examples(of: .gap).first?.offset == 1)
    }

    @Test func offsetsListedOutOfOrderOrPastTheEndAreGaps() throws {
        let log = ReplicaLog(partition: 0, replica: "n1", startOffset: 0, endOffset: 2, entries: [
            LogEntry(offset: 1, content: .control), LogEntry(offset: 0, content: .control),
            LogEntry(offset: 5, content: .control),
        ])
        let report = try check([], [log])
        #expect(report.kinds == [.gap])
        #expect(report.examples(of: .gap).map(\.offset) == [0, 0, 5])
    }

    @Test func aRecordNobodySentIsAPhantom() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.poll(5, [(0, 0, 10)])
        let report = try check(h.events, replicas(0, [10, 99]))
        #expect(report.kinds == [.phantom])
        let example = try #require(report.examples(of: .phantom).first)
        #expect(example.value == 99 && example.offset == 1)
    }

    @Test func aForeignRecordOrAPolledUnknownValueIsAPhantom() throws {
        var h = HistoryBuilder()
        h.poll(5, [(0, 0, 77)])
        let foreign = ReplicaLog(partition: 1, replica: "n1", startOffset: 0, endOffset: 1,
                                 entries: [LogEntry(offset: 0, content: .foreign)])
        let report = try check(h.events, [foreign])
        #expect(report.kinds == [.phantom])
        #expect(report.examples(of: .phantom).map(\.partition) == [0, 1])
    }

    @Test func aValueReadFromOrStoredInAnotherPartitionThanItWasSentToIsAPhantom() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.poll(5, [(1, 0, 10)])
        let report = try check(h.events, replicas(0, [nil]) + replicas(1, [10]))
        #expect(report.kinds == [.lostWrite, .phantom])
        #expect(report.examples(of: .phantom).map(\.partition) == [1, 1])
        #expect(report.examples(of: .phantom).allSatisfy { $0.detail.contains("sent to partition 0") })
    }

    @Test func aDumpClaimingAHugeRangeIsCheckedInTimeProportionalToItsRecords() throws {
        let huge = LogOffset(Int64.max / 2)
        let logs = ["n1", "n2"].map { name in
            ReplicaLog(partition: 0, replica: name, startOffset: 0, endOffset: huge,
                       entries: [LogEntry(offset: 0, content: .control), LogEntry(offset: 1, content: .control)])
        }
        let report = try check([], logs)
        #expect(report.kinds == [.gap])
        #expect(report.examples(of: .gap).first?.offset == 2)
    }

    @Test func replicasHoldingDifferentValuesOrEndingApartAreDivergent() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 1)
        h.poll(5, [(0, 0, 10), (0, 1, 11)])
        let logs = [replica(0, "n1", [10, 11]), replica(0, "n2", [10, 12]), replica(0, "n3", [10])]
        let report = try check(h.events, logs)
        #expect(report.kinds == [.divergentReplica])
        let examples = report.examples(of: .divergentReplica)
        #expect(examples.map(\.offset) == [1, 1])
        #expect(examples[0].detail.contains("n2 holds 12"))
        #expect(examples[1].detail.contains("ends at"))
    }

    @Test func replicasHoldingTheSameValueWithDifferentBytesAreDivergent() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.poll(5, [(0, 0, 10)])
        let logs = [(name: "n1", crc: UInt32(7)), ("n2", 7), ("n3", 8), ("n4", nil)].map { name, crc in
            ReplicaLog(partition: 0, replica: name, startOffset: 0, endOffset: 1,
                       entries: [LogEntry(offset: 0, content: .value(10), checksum: crc)])
        }
        let report = try check(h.events, logs)
        #expect(report.kinds == [.divergentReplica])
        #expect(report.anomalies(of: .divergentReplica)?.count == 1)
        #expect(report.examples(of: .divergentReplica).first?.detail.contains("10 (crc 8)") == true)
    }

    @Test func aReplicaWhoseBytesFailTheirChecksIsDamagedAndComparedOnlyBeforeTheDamage() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 1)
        h.send(1, 12, to: 0, at: 2)
        h.poll(5, [(0, 0, 10), (0, 1, 11), (0, 2, 12)])
        var damaged = replica(0, "n2", [10])
        damaged.endOffset = 3
        damaged.damagedOffset = 1
        let report = try check(h.events, [replica(0, "n1", [10, 11, 12]), damaged, replica(0, "n3", [10, 11, 12])])
        #expect(!report.isValid)
        #expect(report.kinds == [.damagedReplica], "not also a gap or a divergence past the damage")
        let example = try #require(report.examples(of: .damagedReplica).first)
        #expect(example.offset == 1)
        #expect(example.detail.contains("replica n2"))
    }

    @Test func aDamagedReplicaThatDisagreesBeforeItsDamageIsAlsoDivergent() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 1)
        h.poll(5, [(0, 0, 10), (0, 1, 11)])
        var damaged = replica(0, "n2", [13])
        damaged.endOffset = 2
        damaged.damagedOffset = 1
        let report = try check(h.events, [replica(0, "n1", [10, 11]), damaged])
        #expect(report.kinds == [.divergentReplica, .damagedReplica])
    }

    @Test func aCommittedOffsetMovingBackwardsIsAnOffsetCommitRegression() throws {
        var h = HistoryBuilder()
        h.commit(5, 0, 10)
        h.commit(5, 0, 5)
        let report = try check(h.events)
        #expect(report.kinds == [.offsetCommitRegression])
        #expect(report.examples(of: .offsetCommitRegression).first?.offset == 5)
    }

    @Test func aFetchedCommittedOffsetBelowAnAcknowledgedOneIsAnOffsetCommitRegression() throws {
        var h = HistoryBuilder()
        h.commit(5, 0, 10)
        h.fetch(6, 0, returns: 4)
        h.fetch(6, 0, returns: nil)
        let report = try check(h.events)
        #expect(report.anomalies(of: .offsetCommitRegression)?.count == 2)
    }

    @Test func explicitResetsEvenIndeterminateOnesAndFailedCommitsDoNotCountAsRegressions() throws {
        var h = HistoryBuilder()
        h.commit(5, 0, 10)
        h.commit(5, 0, 3, outcome: .fail)
        h.commit(5, 0, 2, reset: true)
        h.fetch(6, 0, returns: 2)
        h.commit(5, group: "other", 0, 1)
        h.commit(5, 0, 1, reset: true, outcome: .info)  // may have moved the offset back to 1
        h.fetch(6, 0, returns: 1)
        let report = try check(h.events)
        #expect(report.kinds == [])
    }

    @Test func readingAValueWhoseSendFailedIsAnAbortedRead() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, outcome: .fail)
        h.poll(5, [(0, 0, 10)])
        let report = try check(h.events)
        #expect(report.kinds == [.abortedRead])
        #expect(report.examples(of: .abortedRead).first?.value == 10)
    }

    @Test func aFailedSendInTheFinalLogIsAnAbortedRead() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, outcome: .fail)
        let report = try check(h.events, replicas(0, [10]))
        #expect(report.kinds == [.abortedRead])
        #expect(report.examples(of: .abortedRead).first?.detail.contains("final log") == true)
    }

    @Test func pollingARecordTheFinalLogDoesNotHoldIsAPrecommittedRead() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, outcome: .info)
        h.poll(5, [(0, 0, 10), (0, 1, 11)])
        let report = try check(h.events, replicas(0, [10]))
        #expect(report.kinds == [.precommittedRead])
        let example = try #require(report.examples(of: .precommittedRead).first)
        #expect(example.value == 11 && example.offset == 1 && example.process == 5)
    }

    @Test func successivePollsJumpingOverRecordsAreAPollSkip() throws {
        var h = HistoryBuilder()
        for value in Int64(0)..<4 { h.send(1, RecordValue(10 + value), to: 0, at: LogOffset(value)) }
        h.poll(6, [(0, 0, 10), (0, 1, 11), (0, 2, 12), (0, 3, 13)])
        h.poll(5, [(0, 0, 10)])
        h.poll(5, [(0, 3, 13)])
        let report = try check(h.events, replicas(0, [10, 11, 12, 13]))
        #expect(report.kinds == [.pollSkip])
        let example = try #require(report.examples(of: .pollSkip).first)
        #expect(example.offset == 1 && example.process == 5)
        #expect(example.detail.contains("skipping 2 records"))
    }

    @Test func withoutAFinalLogAPollSkipIsFoundFromLaterReadsOfTheSkippedOffsets() throws {
        var h = HistoryBuilder()
        for value in Int64(0)..<3 { h.send(1, RecordValue(10 + value), to: 0, at: LogOffset(value)) }
        h.poll(5, [(0, 0, 10)])
        h.poll(5, [(0, 2, 12)])
        h.poll(6, [(0, 0, 10), (0, 1, 11), (0, 2, 12)])  // shows offset 1 exists, after the jump
        let report = try check(h.events)
        #expect(report.kinds == [.pollSkip])
        #expect(report.examples(of: .pollSkip).first?.offset == 1)
    }

    @Test func aConsumerReadingBackwardsIsANonmonotonicPoll() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 1)
        h.poll(5, [(0, 0, 10), (0, 1, 11)])
        h.poll(5, [(0, 0, 10)])
        let report = try check(h.events, replicas(0, [10, 11]))
        #expect(report.kinds == [.nonmonotonicPoll])
        let example = try #require(report.examples(of: .nonmonotonicPoll).first)
        #expect(example.offset == 0 && example.process == 5)
    }

    @Test func readingBackwardsAfterASeekARebalanceOrAReassignmentIsAllowed() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 1)
        h.poll(5, [(0, 0, 10), (0, 1, 11)])
        h.seek(5, 0, to: 0)
        h.poll(5, [(0, 0, 10), (0, 1, 11)])
        h.poll(5, [(0, 0, 10)], rebalanced: [0])
        h.poll(5, [(0, 1, 11)])
        h.assign(5, [1])
        h.poll(5, [(0, 0, 10), (0, 1, 11)])
        h.append(5, .invoke, .assign(partitions: [1]))
        h.append(5, .info, .assign(partitions: [1]))  // may have taken effect
        h.poll(5, [(0, 0, 10)])
        let report = try check(h.events, replicas(0, [10, 11]))
        #expect(report.kinds == [])
    }

    @Test func twoClientsSeeingDifferentValuesAtOneOffsetAreInconsistentOffsets() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(2, 11, to: 0, outcome: .info, producer: HistoryBuilder.plain)
        h.poll(5, [(0, 0, 10)])
        h.poll(6, [(0, 0, 11)])
        let report = try check(h.events)
        #expect(report.kinds == [.inconsistentOffsets])
        let example = try #require(report.examples(of: .inconsistentOffsets).first)
        #expect(example.offset == 0 && example.value == 11)
    }

    @Test func withoutAFinalLogAnAcknowledgedValueBelowTheHighestPollIsLostAndAboveItUnseen() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 0, at: 1)
        h.send(1, 12, to: 0, at: 2)
        h.poll(5, [(0, 1, 11)])
        let report = try check(h.events)
        #expect(report.kinds == [.lostWrite, .unseen])
        #expect(report.examples(of: .lostWrite).first?.value == 10)
        #expect(report.examples(of: .unseen).first?.value == 12)
    }

    @Test func anAcknowledgedValueNoPollReturnedButTheFinalLogHoldsIsUnseenAndPasses() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        let report = try check(h.events, replicas(0, [10]))
        #expect(report.kinds == [.unseen])
        #expect(report.isValid)
    }

    @Test func aPartitionWrittenToButMissingFromTheDumpsFailsTheRun() throws {
        var h = HistoryBuilder()
        h.send(1, 10, to: 0, at: 0)
        h.send(1, 11, to: 1, at: 0)
        h.poll(5, [(0, 0, 10), (1, 0, 11)])
        let report = try check(h.events, replicas(0, [10]))
        #expect(report.partitionsMissingFinalLog == [1])
        #expect(!report.isValid)
    }

    @Test func examplesAreBoundedButEveryAnomalyIsCounted() throws {
        var h = HistoryBuilder()
        for value in Int64(0)..<20 { h.send(1, RecordValue(value), to: 0, at: LogOffset(value)) }
        let report = try check(h.events, replicas(0, []), exampleCountMax: 3)
        #expect(report.anomalies(of: .lostWrite)?.count == 20)
        #expect(report.examples(of: .lostWrite).map(\.value) == [0, 1, 2])
    }
}
