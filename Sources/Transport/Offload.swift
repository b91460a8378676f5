import CLibUV

extension EventLoop {
    /// Runs blocking `work` (an `fdatasync`, a file write) on libuv's thread pool and then
    /// `completion` with its result back on this loop's thread.
    ///
    /// Happens-before: everything the loop thread did before calling `offload` happens before
    /// `work` starts, and everything `work` did (including its writes to disk and memory)
    /// happens before `completion` runs (`uv_queue_work` guarantees both). `work` must touch
    /// nothing the loop touches meanwhile: hand it what it needs (a file descriptor, the bytes)
    /// and let it return what the loop needs.
    ///
    /// At most ``TransportLimits/offloadCountMax`` offloads of this loop are in flight. On
    /// shutdown, work in flight completes and its completion still runs.
    ///
    /// Call on the loop's thread.
    /// - Throws: ``TransportError`` ``TransportError/Kind/queueFull`` at the bound,
    ///   ``TransportError/Kind/closed`` while the loop stops.
    public func offload<Result: Sendable>(
        _ work: @escaping @Sendable () -> Result,
        completion: @escaping (Result) -> Void
    ) throws(TransportError) {
        assertInLoop()
        if isStopping { throw TransportError(.closed, "loop \(name) is shutting down") }
        guard offloadInFlightCount < limits.offloadCountMax else {
            throw TransportError(.queueFull, "loop \(name): \(limits.offloadCountMax) offloads in flight")
        }
        let job = OffloadJob(loop: self, work: work, completion: completion)
        let request = UnsafeMutablePointer<uv_work_t>.allocate(capacity: 1)
        uv_req_set_data(
            UnsafeMutableRawPointer(request).assumingMemoryBound(to: uv_req_t.self),
            Unmanaged.passRetained(job).toOpaque()
        )
        let code = uv_queue_work(uvLoop, request, runOffloadedWork, completeOffloadedWork)
        precondition(code == 0, "uv_queue_work with a work callback cannot fail: \(code)")
        offloadInFlightCount += 1
    }
}

/// What crosses to the pool thread: `run()` there, `complete()` back on the loop.
///
/// `@unchecked Sendable`: `work` and `result` are used by the pool thread only between
/// `uv_queue_work`'s two callbacks, which libuv orders; `completion` is used on the loop only.
private final class OffloadJob: @unchecked Sendable {
    let loop: EventLoop
    private let work: () -> Void
    private let completion: () -> Void

    init<Result: Sendable>(loop: EventLoop, work: @escaping @Sendable () -> Result, completion: @escaping (Result) -> Void) {
        self.loop = loop
        let slot = ResultSlot<Result>()
        self.work = { slot.value = work() }
        self.completion = { completion(slot.value!) }
    }

    func run() { work() }
    func complete() { completion() }
}

/// Holds the result between the pool thread and the loop thread (ordered by libuv).
private final class ResultSlot<Value>: @unchecked Sendable {
    var value: Value?
}

private func job(of request: UnsafeMutablePointer<uv_work_t>?) -> Unmanaged<OffloadJob> {
    let raw = UnsafeMutableRawPointer(request!).assumingMemoryBound(to: uv_req_t.self)
    return Unmanaged<OffloadJob>.fromOpaque(uv_req_get_data(raw)!)
}

private let runOffloadedWork: uv_work_cb = { request in job(of: request).takeUnretainedValue().run() }

private let completeOffloadedWork: uv_after_work_cb = { request, status in
    let job = job(of: request).takeRetainedValue()
    request!.deallocate()
    job.loop.offloadInFlightCount -= 1
    // `status` is UV_ECANCELED only for cancelled requests, and this module never cancels.
    precondition(status == 0, "offloaded work ended with status \(status)")
    job.complete()
}
