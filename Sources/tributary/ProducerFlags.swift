import ArgumentParser
import TributaryClient

/// `--acks all|1|0`.
enum AcksArgument: String, ExpressibleByArgument, CaseIterable {
    case all
    case leader = "1"
    case none = "0"

    init?(argument: String) {
        switch argument {
        case "all", "-1": self = .all
        case "1": self = .leader
        case "0": self = .none
        default: return nil
        }
    }

    /// The client's value.
    var acks: Acks {
        switch self {
        case .all: .all
        case .leader: .leader
        case .none: .none
        }
    }
}

/// The producer settings `produce` and `perf produce` share.
struct ProducerFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "What the broker waits for before it answers: all (the partition's Raft majority has the batch), 1 (the leader has it), 0 (no answer at all).",
        valueName: "all|1|0"))
    var acks: AcksArgument = .all

    @Option(name: .customLong("linger-ms"), help: ArgumentHelp(
        "How long a partition's first record waits for more before its batch is sent; records sent while a batch is in flight are batched anyway.",
        valueName: "ms"))
    var lingerMs: Int64 = 0

    @Option(name: .customLong("batch-bytes"), help: ArgumentHelp("The largest batch, in bytes (Kafka's batch.size).", valueName: "bytes"))
    var batchBytes: Int = 16 << 10

    @Option(name: .customLong("batch-records"), help: ArgumentHelp(
        "The most records in one batch; 1 sends each record in a request of its own (no batching).", valueName: "N"))
    var batchRecords: Int?

    @Flag(name: .customLong("no-idempotence"), help: "Do not number batches (retries may then write a batch twice). Implied by --acks 1 or 0.")
    var noIdempotence = false

    func validate() throws {
        guard (0...60_000).contains(lingerMs) else { throw ValidationError("--linger-ms must be in 0...60000") }
        guard (1_024...(16 << 20)).contains(batchBytes) else { throw ValidationError("--batch-bytes must be in 1024...16777216") }
        if let batchRecords, batchRecords < 1 { throw ValidationError("--batch-records must be at least 1") }
    }

    /// The producer options these flags describe.
    /// - Parameter bufferedRecordCountMax: records the caller may have waiting for acknowledgement at once.
    func producerOptions(bufferedRecordCountMax: Int) -> ProducerOptions {
        ProducerOptions(
            acks: acks.acks, idempotent: acks == .all && !noIdempotence, lingerTime: .milliseconds(lingerMs),
            batchBytesMax: batchBytes, batchRecordCountMax: batchRecords ?? .max, bufferedRecordCountMax: bufferedRecordCountMax)
    }
}
