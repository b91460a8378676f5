import ChaosCheck
import Foundation
import TributaryClient

extension Workload {
    static let groupName = "chaos-group"

    /// The one member of the consumer group: polls, then commits each partition whose position
    /// moved (one commit-offset operation per partition), and now and then fetches a committed
    /// offset. Being the only member, it is the only one committing any group-partition.
    func groupMember(process: ProcessID) async {
        var drained = false
        while !state.isStopped && !drained {
            guard let client = try? KafkaClient(bootstrapServers: options.bootstrap, options: Self.clientOptions()),
                  let member = try? ConsumerGroup(client: client, groupId: Self.groupName, topics: [options.topic],
                                                  consumerOptions: ConsumerOptions(
                                                      fetchMaxWait: .milliseconds(200), partitionFetchBytesMax: 256 << 10,
                                                      autoOffsetReset: .earliest))
            else { try? await Task.sleep(nanoseconds: 500_000_000); continue }
            // A new member: its assignment starts empty.
            history.record(process: process, type: .invoke, .assign(partitions: []))
            history.record(process: process, type: .ok, .assign(partitions: []))
            drained = await memberLoop(process: process, member: member)
            _ = await withDeadline(seconds: 3) { try await member.leave() }
            await client.close()
        }
    }

    /// Polls and commits until the workload stops, the member drained (true), or an operation
    /// fails (false: the member is replaced).
    private func memberLoop(process: ProcessID, member: ConsumerGroup) async -> Bool {
        var committed: [Int32: Int64] = [:]
        var round = 0
        var emptyPolls = 0
        while !state.isStopped {
            round += 1
            let generation = await member.generationId
            history.record(process: process, type: .invoke, .poll(PollOperation()))
            let outcome = await withDeadline(seconds: options.operationTimeoutSeconds) { try await member.poll() }
            let rebalanced: [PartitionID]
            if await member.generationId != generation {
                // A join happened during the poll: positions came from the committed offsets.
                rebalanced = await member.assignment.map { PartitionID(Int($0.partition)) }.sorted()
            } else { rebalanced = [] }
            switch outcome {
            case .value(let records):
                history.record(process: process, type: .ok, .poll(PollOperation(records: Self.polled(records), rebalanced: rebalanced)))
                emptyPolls = records.isEmpty && state.producersStopped ? emptyPolls + 1 : 0
            case .error(let error):
                history.record(process: process, type: .info, .poll(PollOperation(rebalanced: rebalanced)), error: "\(error)")
                return false
            case .timedOut:
                history.record(process: process, type: .info, .poll(PollOperation(rebalanced: rebalanced)), error: "timed out")
                return false
            }
            guard await commitMoved(process: process, member: member, committed: &committed) else { return false }
            if round % 20 == 0, !(await fetchOne(process: process, member: member, round: round)) { return false }
            if emptyPolls >= WorkloadState.emptyPollsToDrain { return true }
        }
        return false
    }

    /// Commits every assigned partition whose position moved; false when the member must be replaced.
    private func commitMoved(process: ProcessID, member: ConsumerGroup, committed: inout [Int32: Int64]) async -> Bool {
        for partition in await member.assignment.sorted(by: { $0.partition < $1.partition }) {
            guard let position = await member.consumer.position(of: partition), committed[partition.partition] != position else { continue }
            let op = ChaosCheck.Operation.commitOffset(OffsetCommitOperation(
                group: Self.groupName, partition: PartitionID(Int(partition.partition)), offset: LogOffset(position)))
            history.record(process: process, type: .invoke, op)
            let outcome = await withDeadline(seconds: options.operationTimeoutSeconds) { try await member.commit([partition: position]) }
            switch outcome {
            case .value:
                history.record(process: process, type: .ok, op)
                committed[partition.partition] = position
            case .error(let error):
                // A commit retried after a lost answer may have taken effect: indeterminate.
                history.record(process: process, type: .info, op, error: "\(error)")
                return false
            case .timedOut:
                history.record(process: process, type: .info, op, error: "timed out")
                return false
            }
        }
        return true
    }

    /// Reads one partition's committed offset; false when the member must be replaced.
    private func fetchOne(process: ProcessID, member: ConsumerGroup, round: Int) async -> Bool {
        let partition = TopicPartition(options.topic, Int32((round / 20) % options.partitionCount))
        var fetch = OffsetFetchOperation(group: Self.groupName, partition: PartitionID(Int(partition.partition)))
        history.record(process: process, type: .invoke, .fetchOffset(fetch))
        let outcome = await withDeadline(seconds: options.operationTimeoutSeconds) { try await member.committedOffsets(for: [partition]) }
        switch outcome {
        case .value(let offsets):
            fetch.offset = offsets[partition].map(LogOffset.init)
            history.record(process: process, type: .ok, .fetchOffset(fetch))
            return true
        case .error(let error):
            history.record(process: process, type: .info, .fetchOffset(fetch), error: "\(error)")
            return false
        case .timedOut:
            history.record(process: process, type: .info, .fetchOffset(fetch), error: "timed out")
            return false
        }
    }
}
