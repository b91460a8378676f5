import Checksum
import Glibc

/// CRC32C throughput on one thread, the checksum every stored and replicated batch pays for;
/// prints one raw result (benchmarks/lib/results.py's shape) that `tributary/run` wraps and
/// `report.py` divides by the memory copy bandwidth of the same run.
///
///     CRC32CBench [--mib N] [--repeats N]
@main
struct CRC32CBench {
    static func main() {
        var mib = 256, repeats = 5
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else {
                fail("\(flag) needs a positive number (usage: CRC32CBench [--mib N] [--repeats N])")
            }
            switch flag {
            case "--mib": mib = value
            case "--repeats": repeats = value
            default:
                fail("unknown option \(flag)")
            }
        }
        // A buffer of 16 KiB batches' worth of bytes, the size producers send, checked in a loop.
        let chunk = (0..<(16 << 10)).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }
        let chunks = (mib << 20) / chunk.count
        var best = Double.infinity
        var sink: UInt32 = 0
        for _ in 0..<repeats {
            var start = timespec(), end = timespec()
            clock_gettime(CLOCK_MONOTONIC, &start)
            for _ in 0..<chunks { sink ^= CRC32C.checksum(chunk) }
            clock_gettime(CLOCK_MONOTONIC, &end)
            best = min(best, Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9)
        }
        let bytes = Double(chunks * chunk.count)
        // `sink` is printed so the loop cannot be optimised away.
        print("{\"mb_per_s\":\(Int(bytes / 1e6 / best)),\"window_s\":\(best),\"value_bytes\":\(chunk.count),"
            + "\"concurrency\":1,\"check\":\(sink),\"hardware\":\(CRC32C.isHardwareAccelerated)}")
    }

    /// A usage error: one line on standard error, exit status 64.
    static func fail(_ message: String) -> Never {
        let line = Array("CRC32CBench: \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(64)
    }
}
