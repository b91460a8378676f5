import BenchSupport
import Checksum

/// CRC32C throughput on one thread, the checksum every stored and replicated batch pays for;
/// prints one raw result (benchmarks/lib/results.py's shape) that `tributary/run` wraps and
/// `report.py` divides by the memory copy bandwidth of the same run.
///
///     CRC32CBench [--mib N] [--repeats N]
@main
struct CRC32CBench {
    static func main() {
        let options = Bench.options(usage: "CRC32CBench [--mib N] [--repeats N]", defaults: ["mib": 256, "repeats": 5])
        // A buffer of 16 KiB batches' worth of bytes, the size producers send, checked in a loop.
        let chunk = (0..<(16 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let chunks = (options["mib"]! << 20) / chunk.count
        var best = Double.infinity
        var sink: UInt32 = 0
        for _ in 0..<options["repeats"]! {
            best = min(best, Bench.seconds { for _ in 0..<chunks { sink ^= CRC32C.checksum(chunk) } })
        }
        let bytes = Double(chunks * chunk.count)
        // `sink` is printed so the loop cannot be optimised away.
        print("{\"mb_per_s\":\(Int(bytes / 1e6 / best)),\"window_s\":\(best),\"value_bytes\":\(chunk.count),"
            + "\"concurrency\":1,\"check\":\(sink),\"hardware\":\(CRC32C.isHardwareAccelerated)}")
    }
}
