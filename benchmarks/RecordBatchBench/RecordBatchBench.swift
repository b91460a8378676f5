import BenchSupport
import Storage

/// Record batch v2 work on one thread, for the record shapes producers send (16 KiB batches of
/// 1 KiB or of 100-byte values): encoding one from records (what a producer does per batch),
/// validating one (what a broker does per produced batch: framing and CRC32C) and decoding its
/// records (what a consumer does). Prints one raw result (benchmarks/lib/results.py's shape) per
/// line; under `tools/malloc_count.c` each also says how many heap allocations a record cost.
///
///     RecordBatchBench [--mib N] [--repeats N]
@main
struct RecordBatchBench {
    /// A batch's worth of one record shape.
    struct Shape {
        let valueBytes: Int
        let recordsPerBatch: Int
    }

    static let shapes = [Shape(valueBytes: 1024, recordsPerBatch: 16), Shape(valueBytes: 100, recordsPerBatch: 128)]

    static func main() {
        let options = Bench.options(usage: "RecordBatchBench [--mib N] [--repeats N]", defaults: ["mib": 128, "repeats": 3])
        for shape in shapes {
            let value = (0..<shape.valueBytes).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let records = (0..<shape.recordsPerBatch).map { NewRecord(value: value, timestamp: 1_800_000_000_000 + Int64($0)) }
            let producer = ProducerIdentity(producerId: 7, producerEpoch: 0, baseSequence: 0)
            let batch = RecordBatchBuilder.batch(records, producer: producer)
            let batches = max(1, (options["mib"]! << 20) / batch.bytes.count)
            let operations: [(String, () -> Int)] = [
                ("encode", { RecordBatchBuilder.batch(records, producer: producer).bytes.count }),
                ("validate", { Int((try? RecordBatch(validating: batch.bytes))?.header.crc ?? 0) }),
                ("decode", { (try? batch.records())?.count ?? 0 }),
            ]
            for (name, operation) in operations {
                measure(name, operation, shape: shape, batchBytes: batch.bytes.count, batches: batches, repeats: options["repeats"]!)
            }
        }
    }

    /// Runs `operation` `batches` times per repeat and prints the best repeat's rates.
    static func measure(_ name: String, _ operation: () -> Int, shape: Shape, batchBytes: Int, batches: Int, repeats: Int) {
        var best = Double.infinity
        var sink = 0
        var allocationsPerRecord: Double?
        for _ in 0..<repeats {
            let allocationsBefore = Bench.allocationCount()
            best = min(best, Bench.seconds { for _ in 0..<batches { sink &+= operation() } })
            if let before = allocationsBefore, let after = Bench.allocationCount() {
                allocationsPerRecord = Double(after - before) / Double(batches * shape.recordsPerBatch)
            }
        }
        let records = Double(batches * shape.recordsPerBatch)
        // `check` is printed so the loop cannot be optimised away.
        print("{\"operation\":\"\(name)\",\"records_per_s\":\(Int(records / best)),\"mb_per_s\":\(Int(Double(batches * batchBytes) / 1e6 / best)),"
            + "\"window_s\":\(best),\"value_bytes\":\(shape.valueBytes),\"concurrency\":1,\"records_per_batch\":\(shape.recordsPerBatch),"
            + "\"allocations_per_record\":\(allocationsPerRecord.map { "\(($0 * 100).rounded() / 100)" } ?? "null"),\"check\":\(sink)}")
    }
}
