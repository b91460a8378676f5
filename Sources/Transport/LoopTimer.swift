import CLibUV

/// A one-shot or repeating timer on a loop (`uv_timer_t`): Raft ticks, reconnect delays,
/// connect timeouts.
///
/// Create, schedule, cancel and close it on its loop's thread only. It stays alive while open
/// (the loop holds it); ``close()`` releases it, and shutdown closes it if it is still open.
public final class LoopTimer: LoopResource, @unchecked Sendable {
    /// The loop this timer runs on.
    public let loop: EventLoop
    private let handle: UnsafeMutablePointer<uv_timer_t>
    private var body: (() -> Void)?
    private var isClosing = false

    /// Makes an idle timer on `loop`. Call on the loop's thread.
    public init(loop: EventLoop) {
        loop.assertInLoop()
        self.loop = loop
        handle = .allocate(capacity: 1)
        let code = uv_timer_init(loop.uvLoop, handle)
        precondition(code == 0, "uv_timer_init cannot fail on an open loop: \(code)")
        uv_handle_set_data(EventLoop.handle(handle), Unmanaged.passUnretained(self).toOpaque())
        loop.register(self)
    }

    /// Runs `body` on the loop after `delay`, then every `interval` if one is given.
    ///
    /// Replaces any earlier schedule. Delays are rounded up to whole milliseconds (libuv's unit).
    /// Does nothing once the timer is closing.
    public func schedule(after delay: Duration, repeating interval: Duration? = nil, _ body: @escaping () -> Void) {
        loop.assertInLoop()
        guard !isClosing else { return }
        precondition(delay >= .zero && (interval.map { $0 > .zero } ?? true), "timer delays must not be negative")
        self.body = body
        uv_timer_start(handle, onTimer, delay.wholeMillisecondsRoundedUp, interval?.wholeMillisecondsRoundedUp ?? 0)
    }

    /// Whether the timer is scheduled.
    public var isScheduled: Bool {
        loop.assertInLoop()
        return !isClosing && uv_is_active(EventLoop.handle(handle)) != 0
    }

    /// Stops the timer; it can be scheduled again.
    public func cancel() {
        loop.assertInLoop()
        guard !isClosing else { return }
        uv_timer_stop(handle)
        body = nil
    }

    /// Stops the timer for good and releases it.
    public func close() {
        loop.assertInLoop()
        guard !isClosing else { return }
        isClosing = true
        body = nil
        uv_close(EventLoop.handle(handle), onTimerClosed)
    }

    fileprivate func fire() {
        guard let body else { return }
        // A one-shot timer is inactive when its callback runs: drop the body so it is released.
        if uv_timer_get_repeat(handle) == 0 { self.body = nil }
        body()
    }

    fileprivate func didClose() {
        handle.deallocate()
        loop.unregister(self)
    }

    fileprivate static func from(_ handle: UnsafeMutableRawPointer?) -> LoopTimer {
        let raw = handle!.assumingMemoryBound(to: uv_handle_t.self)
        return Unmanaged<LoopTimer>.fromOpaque(uv_handle_get_data(raw)!).takeUnretainedValue()
    }
}

private let onTimer: uv_timer_cb = { handle in LoopTimer.from(UnsafeMutableRawPointer(handle)).fire() }
private let onTimerClosed: uv_close_cb = { handle in LoopTimer.from(UnsafeMutableRawPointer(handle)).didClose() }

extension Duration {
    /// This duration in whole milliseconds, rounded up, for libuv (0 for negative durations).
    var wholeMillisecondsRoundedUp: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        let attosecondsPerMillisecond: Int64 = 1_000_000_000_000_000
        let milliseconds = (attoseconds + attosecondsPerMillisecond - 1) / attosecondsPerMillisecond
        return UInt64(seconds) * 1_000 + UInt64(milliseconds)
    }
}
