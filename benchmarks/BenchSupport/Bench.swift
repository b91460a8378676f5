import Glibc

/// What the in-process micro benchmarks share: their options, timing, the allocation count when
/// run under `tools/malloc_count.c`, and usage errors.
public enum Bench {
    /// The program's `--name N` options (positive integers), each starting from `defaults`;
    /// anything else is a usage error naming `usage`.
    public static func options(usage: String, defaults: [String: Int]) -> [String: Int] {
        var values = defaults
        var arguments = CommandLine.arguments.dropFirst()
        while let flag = arguments.popFirst() {
            let name = String(flag.drop(while: { $0 == "-" }))
            guard flag.hasPrefix("--"), values[name] != nil else { fail("unknown option \(flag) (usage: \(usage))") }
            guard let value = arguments.popFirst().flatMap(Int.init), value > 0 else {
                fail("\(flag) needs a positive number (usage: \(usage))")
            }
            values[name] = value
        }
        return values
    }

    /// The wall-clock seconds `body` takes (CLOCK_MONOTONIC).
    public static func seconds(_ body: () -> Void) -> Double {
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        body()
        clock_gettime(CLOCK_MONOTONIC, &end)
        return Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
    }

    /// The heap allocations this process made so far, when `malloc_count.so` is preloaded
    /// (it exports `malloc_count_total`); nil otherwise.
    public static func allocationCount() -> UInt64? {
        guard let symbol = dlsym(nil, "malloc_count_total") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) () -> UInt64).self)()
    }

    /// A usage error: one line on standard error, exit status 64.
    public static func fail(_ message: String) -> Never {
        let line = Array("\(CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? "bench"): \(message)\n".utf8)
        _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
        exit(64)
    }
}
