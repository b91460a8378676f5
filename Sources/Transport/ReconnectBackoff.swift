import SeededRandom
/// Delays between reconnect attempts: exponential, capped, with jitter.
///
/// After `n` consecutive failures the base delay is `delayMin * 2^(n-1)`, capped at `delayMax`;
/// the delay returned is uniform in `[base / 2, base]`, so that nodes that lost each other at
/// the same moment do not retry in lockstep. The jitter comes from a seeded generator, so a
/// run is reproducible from its seed.
public struct ReconnectBackoff: Sendable {
    /// The base delay after the first failure.
    public let delayMin: Duration
    /// The largest base delay.
    public let delayMax: Duration
    private var random: SplitMix64

    /// Makes a backoff between `delayMin` and `delayMax` with jitter drawn from `seed`.
    public init(delayMin: Duration, delayMax: Duration, seed: UInt64) {
        precondition(delayMin > .zero && delayMin <= delayMax, "backoff needs 0 < delayMin <= delayMax")
        self.delayMin = delayMin
        self.delayMax = delayMax
        random = SplitMix64(seed: seed)
    }

    /// The delay before the next attempt after `failureCount` (at least 1) consecutive failures.
    public mutating func delay(afterFailures failureCount: Int) -> Duration {
        precondition(failureCount >= 1, "a backoff delay follows at least one failure")
        var base = delayMin
        for _ in 1..<min(failureCount, 63) where base < delayMax { base *= 2 }
        base = min(base, delayMax)
        let nanoseconds = base.wholeNanoseconds
        return .nanoseconds(Int64.random(in: (nanoseconds / 2)...nanoseconds, using: &random))
    }
}

extension Duration {
    /// This duration in whole nanoseconds (truncated).
    var wholeNanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
