extension HistoryChecker {
    /// Completes the checks that need the whole history (lost writes, unseen values, aborted
    /// reads, duplicates and phantoms in the final logs) and returns the report. Operations still
    /// outstanding count as indeterminate.
    public consuming func finish() -> CheckReport {
        for outstanding in pending.outstanding { statistics.countUnfinished(outstanding.invoke.operation.name) }
        sent.endOutstanding()
        for value in sent.all { checkSentValue(value) }
        checkFinalLogValues()
        checkDeferredJumps()
        anomalies.merge(finalLogs.anomalies)
        return makeReport()
    }

    /// Jumps in partitions without a final log skip records if a client saw any offset between
    /// their ends, at any time in the history.
    private mutating func checkDeferredJumps() {
        let jumpsByPartition = Dictionary(grouping: deferredJumps, by: \.partition)
        for partition in jumpsByPartition.keys.sorted() {
            let seen = observed.sortedOffsets(in: partition)
            for jump in jumpsByPartition[partition]! {
                let index = seen.partitionPoint { $0 > jump.from }
                if index < seen.count && seen[index] < jump.to {
                    report(pollSkip(jump, skipped: nil, first: seen[index]))
                }
            }
        }
    }

    private mutating func checkSentValue(_ value: SentValue) {
        switch value.outcome {
        case .ok:
            if let log = finalLogs.log(of: value.partition) {
                checkAcknowledged(value, against: log)
            } else {
                checkAcknowledgedFromPolls(value)
            }
        case .fail:
            if value.isPolled {
                report(Anomaly(.abortedRead, partition: value.partition, offset: value.firstObservedOffset,
                               value: value.value, process: value.process, timeNanos: value.completionTimeNanos,
                               detail: "\(value.value) was polled although its send failed"))
            }
            if let placement = finalLogs.placement(of: value.value) {
                report(Anomaly(.abortedRead, partition: placement.partition, offset: placement.offset,
                               value: value.value, process: value.process, timeNanos: value.completionTimeNanos,
                               detail: "\(value.value) is in the final log although its send failed"))
            }
        case .info, .invoke:
            break
        }
    }

    /// An acknowledged value must be in its partition's final log, at the acknowledged offset.
    private mutating func checkAcknowledged(_ value: SentValue, against log: FinalLog) {
        let acked = value.ackedOffset.map { "at offset \($0)" } ?? "(offset unknown)"
        let lost = { (detail: String, offset: LogOffset?) in
            Anomaly(.lostWrite, partition: value.partition, offset: offset, value: value.value,
                    process: value.process, timeNanos: value.completionTimeNanos,
                    detail: "\(value.value) was acknowledged \(acked) in partition \(value.partition), " + detail)
        }
        guard let placement = finalLogs.placement(of: value.value) else {
            report(lost("but no final log holds it", value.ackedOffset))
            return
        }
        guard placement.partition == value.partition else {
            let found = "partition \(placement.partition) at offset \(placement.offset)"
            report(lost("but it is in \(found)", value.ackedOffset))
            return
        }
        if let offset = value.ackedOffset, log.content(at: offset) != .value(value.value) {
            let held = log.content(at: offset)?.description ?? "nothing"
            let found = "\(value.value) at offset \(placement.offset)"
            report(lost("but the final log holds \(held) there and \(found)", offset))
            return
        }
        if !value.isPolled {
            report(Anomaly(.unseen, partition: value.partition, offset: placement.offset, value: value.value,
                           process: value.process, timeNanos: value.completionTimeNanos,
                           detail: "\(value.value) was never polled; the final log holds it at offset "
                               + "\(placement.offset)"))
        }
    }

    /// Without a final log, Jepsen's rule: an acknowledged value at or below the highest offset
    /// polled in its partition must have been polled.
    private mutating func checkAcknowledgedFromPolls(_ value: SentValue) {
        guard !value.isPolled else { return }
        let highest = highestPolled[value.partition]
        if let offset = value.ackedOffset, let highest, offset <= highest {
            report(Anomaly(.lostWrite, partition: value.partition, offset: offset, value: value.value,
                           process: value.process, timeNanos: value.completionTimeNanos,
                           detail: "\(value.value) was acknowledged at offset \(offset) but never polled, although "
                               + "polls of partition \(value.partition) reached offset \(highest)"))
        } else {
            let reach = highest.map { "polls reached offset \($0)" } ?? "no poll read the partition"
            report(Anomaly(.unseen, partition: value.partition, offset: value.ackedOffset, value: value.value,
                           process: value.process, timeNanos: value.completionTimeNanos,
                           detail: "\(value.value) was never polled (\(reach); no final log)"))
        }
    }

    /// Duplicated values and values nobody sent, in partition and offset order.
    private mutating func checkFinalLogValues() {
        for (value, placements) in finalLogs.duplicates.sorted(by: { $0.key < $1.key }) {
            if let sentValue = sent[value] { report(duplicate(sentValue, at: placements)) }
        }
        for partition in finalLogs.partitions {
            for entry in finalLogs.log(of: partition)!.allEntries {
                guard case .value(let value) = entry.content else { continue }
                let sentTo = sent[value]?.partition
                guard sentTo != partition else { continue }
                report(Anomaly(.phantom, partition: partition, offset: entry.offset, value: value,
                               detail: "the final log of partition \(partition) holds \(value) at offset "
                                   + "\(entry.offset), which was "
                                   + (sentTo.map { "sent to partition \($0)" } ?? "never sent")))
            }
        }
    }

    private func makeReport() -> CheckReport {
        let withLog = finalLogs.partitions
        let missing = withLog.isEmpty ? [] : Set(sent.all.map(\.partition)).subtracting(withLog).sorted()
        var notes: [String] = []
        if withLog.isEmpty { notes.append("no final logs: checked from the history alone") }
        if droppedJumpCount > 0 {
            notes.append("\(droppedJumpCount) consumer position jumps were not checked for poll-skip "
                + "(more than \(options.deferredSkipCountMax) in partitions without a final log)")
        }
        let rows = anomalies.kinds.map {
            CheckReport.AnomalyRow(kind: $0, isFailure: $0.isFailure, count: anomalies.count(of: $0),
                                   examples: anomalies.examples(of: $0))
        }
        return CheckReport(
            isValid: missing.isEmpty && !rows.contains(where: \.isFailure),
            eventCount: eventCount,
            operations: statistics.operations.keys.sorted().map {
                CheckReport.OperationRow(operation: $0.rawValue, counts: statistics.operations[$0]!)
            },
            faults: statistics.faults.keys.sorted().map {
                CheckReport.FaultRow(kind: $0, counts: statistics.faults[$0]!)
            },
            anomalies: rows, partitionsWithFinalLog: withLog, partitionsMissingFinalLog: missing, notes: notes)
    }
}
