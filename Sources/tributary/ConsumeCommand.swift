import ArgumentParser
import Foundation
import TributaryClient

/// `--from earliest|latest|OFFSET`.
enum StartArgument: ExpressibleByArgument, Equatable {
    case earliest
    case latest
    case offset(Int64)

    init?(argument: String) {
        switch argument {
        case "earliest", "beginning": self = .earliest
        case "latest", "end": self = .latest
        default:
            guard let offset = Int64(argument), offset >= 0 else { return nil }
            self = .offset(offset)
        }
    }

    /// The client's value.
    var spec: OffsetSpec {
        switch self {
        case .earliest: .earliest
        case .latest: .latest
        case .offset(let offset): .offset(offset)
        }
    }
}

/// `tributary consume TOPIC`: prints records as lines.
struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print a topic's records, one per line.",
        discussion: """
            Each record prints as its value, or with --print-key as key SEP value, and with \
            --print-offset preceded by partition SEP offset SEP (SEP is --separator, a tab by \
            default; a missing key or value prints as nothing). Reads every partition unless \
            --partition names one, from --from (earliest, latest or an offset). With --group G it \
            joins consumer group G, starts at the group's committed offsets (else at --from) and \
            commits what it printed when it stops. Stops after --max-messages records, or with \
            --exit-at-end once every partition is read up to its high-water mark; otherwise runs \
            until interrupted.
            """)

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The topic.")
    var topic: String

    @Option(name: .long, help: ArgumentHelp("Where to start: earliest, latest or an offset.", valueName: "earliest|latest|OFFSET"))
    var from: StartArgument = .latest

    @Option(name: .long, help: "Read only this partition.")
    var partition: Int32?

    @Option(name: .long, help: "Read as a member of this consumer group.")
    var group: String?

    @Option(name: .customLong("max-messages"), help: "Stop after printing this many records.")
    var maxMessages: Int?

    @Flag(name: .customLong("exit-at-end"), help: "Stop once every partition is read up to its high-water mark.")
    var exitAtEnd = false

    @Flag(name: .customLong("print-key"), help: "Print the key before the value.")
    var printKey = false

    @Flag(name: .customLong("print-offset"), help: "Print the partition and offset first.")
    var printOffset = false

    @Option(name: .customLong("separator"), help: ArgumentHelp("What separates the fields printed (default: a tab).", valueName: "SEP"))
    var separator: String = "\t"

    func validate() throws {
        if let partition, partition < 0 { throw ValidationError("--partition must be >= 0") }
        if let maxMessages, maxMessages < 1 { throw ValidationError("--max-messages must be >= 1") }
        if group != nil, partition != nil { throw ValidationError("--group assigns partitions itself: drop --partition") }
        if group != nil, case .offset = from { throw ValidationError("with --group, --from is earliest or latest") }
        if let group, group.isEmpty { throw ValidationError("--group is empty") }
    }

    func run() async throws {
        try await cluster.withClient("consume") { client in
            var options = ConsumerOptions()
            if case .offset = from {} else { options.autoOffsetReset = from.spec }
            if let group {
                let member = try ConsumerGroup(client: client, groupId: group, topics: [topic], consumerOptions: options)
                var failure: (any Error)?
                var printedUpTo: [TopicPartition: Int64] = [:]
                do { printedUpTo = try await read(poll: { try await member.poll() }, consumer: member.consumer) } catch { failure = error }
                // Commit what was printed, not the consumer's positions: --max-messages may stop
                // in the middle of what one poll returned.
                if failure == nil { try await member.commit(printedUpTo) }
                try? await member.leave()
                if let failure { throw failure }
            } else {
                let consumer = try Consumer(client: client, options: options)
                let info = try await client.topic(topic)
                let partitions = partition.map { [$0] } ?? info.partitions.map(\.partition)
                guard partitions.allSatisfy({ Int($0) < info.partitions.count }) else {
                    throw CommandFailure("topic \(topic) has \(info.partitions.count) partitions, no partition \(partition ?? -1)")
                }
                await consumer.assign(partitions.map { TopicPartition(topic, $0) })
                for assigned in await consumer.assignment { try await consumer.seek(assigned, to: from.spec) }
                try await read(poll: { try await consumer.poll() }, consumer: consumer)
            }
        }
    }

    /// Polls and prints until the limits say stop.
    /// - Returns: per partition, the offset after the last record printed.
    @discardableResult
    private func read(poll: () async throws -> [ConsumerRecord], consumer: Consumer) async throws -> [TopicPartition: Int64] {
        var printed = 0
        var printedUpTo: [TopicPartition: Int64] = [:]
        while true {
            if exitAtEnd, try await isAtEnd(consumer) { return printedUpTo }
            let records = try await poll()
            var out = ""
            var pollUpTo = printedUpTo
            for record in records {
                if let maxMessages, printed >= maxMessages { break }
                out += line(for: record)
                out += "\n"
                printed += 1
                pollUpTo[record.topicPartition] = record.offset + 1
            }
            // One write per poll: output shows as it arrives, even through a pipe. When the
            // reader went away (`| head`), stop as `head` expects, and commit only what it got.
            if !out.isEmpty {
                do { try FileHandle.standardOutput.write(contentsOf: Data(out.utf8)) } catch { return printedUpTo }
            }
            printedUpTo = pollUpTo
            if let maxMessages, printed >= maxMessages { return printedUpTo }
        }
    }

    /// Whether every assigned partition's position has reached its high-water mark as of the
    /// last fetch; false before the first fetch (and before a group member has its partitions).
    private func isAtEnd(_ consumer: Consumer) async throws -> Bool {
        let assignment = await consumer.assignment
        guard !assignment.isEmpty else { return false }
        for partition in assignment {
            guard let position = await consumer.position(of: partition),
                  let end = await consumer.highWatermark(of: partition), position >= end
            else { return false }
        }
        return true
    }

    private func line(for record: ConsumerRecord) -> String {
        var fields: [String] = []
        if printOffset { fields += ["\(record.topicPartition.partition)", "\(record.offset)"] }
        if printKey { fields.append(record.key.map { String(decoding: $0, as: UTF8.self) } ?? "") }
        fields.append(record.value.map { String(decoding: $0, as: UTF8.self) } ?? "")
        return fields.joined(separator: separator)
    }
}
