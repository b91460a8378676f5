#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// SIGPIPE made harmless for the whole process, once, by the first ``EventLoop``.
///
/// libuv writes to sockets with plain `write(2)`, which raises SIGPIPE when the connection is
/// already gone on this side (written to again after a reset was reported, say). Its default
/// action ends the process at once: no log line, no backtrace, every connection dropped. libuv
/// leaves the signal to the application. Ignored, the same write fails with EPIPE, which every
/// connection here handles like any other write error: it closes. A disposition the embedding
/// program chose itself (a handler, or ignoring it already) is left as it is.
enum BrokenPipeSignal {
    /// Evaluated once, on first use (Swift initialises a static `let` exactly once, thread-safely).
    static let ignored: Void = {
        var current = sigaction()
        guard sigaction(SIGPIPE, nil, &current) == 0 else { return }
        #if canImport(Glibc)
        let isDefault = current.__sigaction_handler.sa_handler == nil
        #else
        let isDefault = current.__sigaction_u.__sa_handler == nil
        #endif
        if isDefault { signal(SIGPIPE, SIG_IGN) }
    }()
}
