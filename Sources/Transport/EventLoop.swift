import CLibUV
import Dispatch
import DequeModule
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One libuv loop running on a thread of its own.
///
/// Everything on a loop (timers, listeners, connections, offload completions) belongs to the
/// loop's thread: create and use those objects only from jobs and callbacks that run on it
/// (debug builds assert this). Other threads reach the loop only through ``execute(_:)`` and
/// ``submit(_:)``, which put a job on a bounded queue and wake the loop with `uv_async_send`.
///
/// The first loop makes SIGPIPE harmless for the process (see `BrokenPipeSignal`): a write to a
/// connection already gone then fails with EPIPE instead of ending the process.
///
/// ``shutdown()`` runs the jobs already accepted, closes every handle still open on the loop,
/// waits for offloaded work in flight to complete, and joins the thread.
public final class EventLoop: @unchecked Sendable {
    /// A job from another thread.
    public typealias Job = @Sendable () -> Void

    /// A short name for logs, for example `"peer-0"`.
    public let name: String
    /// The bounds this loop and everything on it enforce.
    public let limits: TransportLimits
    /// Where this loop and its connections log.
    public let logger: Logger

    let uvLoop: UnsafeMutablePointer<uv_loop_t>
    private let wakeup: UnsafeMutablePointer<uv_async_t>
    private let endOfTurn: UnsafeMutablePointer<uv_prepare_t>
    private let inbox = Locked(Inbox())
    private let threadJoin = Locked<pthread_t?>(nil)
    /// Written once by the loop's thread before `init` returns; read-only afterwards.
    nonisolated(unsafe) private var loopThread: pthread_t? = nil

    // Loop-thread state.
    private var resources: [ObjectIdentifier: any LoopResource] = [:]
    private var endOfTurnTasks: [any EndOfTurnTask] = []
    private(set) var isStopping = false
    /// Offloaded jobs not yet completed (for metrics). Loop thread only.
    public internal(set) var offloadInFlightCount = 0

    /// Jobs waiting to run and whether shutdown was asked for. Guarded by `inbox`.
    private struct Inbox {
        var jobs = Deque<Job>()
        var isClosed = false
    }

    /// Starts a loop on a new thread.
    /// - Parameters:
    ///   - name: names the loop in logs.
    ///   - limits: the bounds of the loop and everything created on it; validated here.
    ///   - logger: where the loop logs; connections add their own metadata.
    /// - Throws: ``TransportError`` when the limits are inconsistent or libuv or the thread
    ///   cannot be set up.
    public init(name: String, limits: TransportLimits = .production, logger: Logger? = nil) throws(TransportError) {
        try limits.validate()
        BrokenPipeSignal.ignored
        self.name = name
        self.limits = limits
        var logger = logger ?? Logger(label: "tributary.transport")
        logger[metadataKey: "loop"] = "\(name)"
        self.logger = logger
        uvLoop = .allocate(capacity: 1)
        wakeup = .allocate(capacity: 1)
        endOfTurn = .allocate(capacity: 1)
        try setUpHandles()
        try startThread()
    }

    private func setUpHandles() throws(TransportError) {
        try TransportError.check(uv_loop_init(uvLoop), "uv_loop_init")
        try TransportError.check(uv_async_init(uvLoop, wakeup, onWakeup), "uv_async_init")
        try TransportError.check(uv_prepare_init(uvLoop, endOfTurn), "uv_prepare_init")
        let context = Unmanaged.passUnretained(self).toOpaque()
        uv_handle_set_data(Self.handle(wakeup), context)
        uv_handle_set_data(Self.handle(endOfTurn), context)
    }

    private func startThread() throws(TransportError) {
        let started = DispatchSemaphore(value: 0)
        let start = LoopThreadStart(loop: self, started: started)
        var thread = pthread_t()
        let code = pthread_create(&thread, nil, runLoopThread, Unmanaged.passRetained(start).toOpaque())
        guard code == 0 else {
            Unmanaged.passUnretained(start).release()
            throw TransportError(.libuv(-code), "pthread_create for loop \(name) failed with errno \(code)")
        }
        threadJoin.withLock { $0 = thread }
        started.wait()
    }

    /// Whether the caller runs on this loop's thread.
    public var inLoopThread: Bool {
        guard let loopThread else { return false }
        return pthread_equal(loopThread, pthread_self()) != 0
    }

    /// Traps in debug builds when called off the loop's thread.
    @inline(__always)
    func assertInLoop(_ function: StaticString = #function) {
        assert(inLoopThread, "\(function) must run on loop \(name)'s thread")
    }

    // MARK: Cross-thread jobs

    /// Runs `job` on the loop's thread during a coming loop turn. Callable from any thread.
    ///
    /// Jobs run in the order they were accepted. The queue is bounded by
    /// ``TransportLimits/crossThreadJobCountMax``: when it is full the job is **rejected**, not
    /// blocked on, so a producing loop never waits for a consuming one; the caller decides
    /// whether to retry later, drop, or push back on its own source.
    /// - Throws: ``TransportError`` ``TransportError/Kind/queueFull`` when the queue is at its
    ///   bound, ``TransportError/Kind/closed`` after ``shutdown()`` was called.
    public func execute(_ job: @escaping Job) throws(TransportError) {
        let bound = limits.crossThreadJobCountMax
        let outcome: TransportError.Kind? = inbox.withLock { inbox in
            if inbox.isClosed { return .closed }
            if inbox.jobs.count >= bound { return .queueFull }
            inbox.jobs.append(job)
            // Under the lock, so that the loop cannot close the handle between append and send.
            uv_async_send(wakeup)
            return nil
        }
        switch outcome {
        case nil: return
        case .closed?: throw TransportError(.closed, "loop \(name) is shut down")
        case let kind?: throw TransportError(kind, "loop \(name): cross-thread queue holds \(bound) jobs")
        }
    }

    /// Jobs accepted from other threads and not yet started (for metrics). Any thread.
    public var pendingJobCount: Int { inbox.withLock { $0.jobs.count } }

    /// Runs `body` on the loop's thread and returns its result to the awaiting task.
    /// - Throws: what `body` throws, or what ``execute(_:)`` throws when the job is not accepted.
    public func submit<Result: Sendable>(_ body: @escaping @Sendable () throws -> Result) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try execute { continuation.resume(with: Swift.Result { try body() }) }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Called by the wakeup handle on the loop's thread: runs the jobs queued so far.
    fileprivate func runQueuedJobs() {
        let (jobs, isClosed) = inbox.withLock { inbox in
            defer { inbox.jobs.removeAll(keepingCapacity: true) }
            return (inbox.jobs, inbox.isClosed)
        }
        for job in jobs { job() }
        if isClosed && !isStopping { closeEverything() }
    }

    // MARK: Shutdown

    /// Stops the loop and joins its thread. Callable from any thread but the loop's own.
    ///
    /// Jobs accepted before the call still run; later ``execute(_:)`` calls throw. Every
    /// resource still open on the loop is closed (connections report their close), offloaded
    /// work in flight completes, then the thread ends. Calling it again waits for the same end.
    public func shutdown() {
        precondition(!inLoopThread, "EventLoop.shutdown() on loop \(name)'s own thread would wait for itself")
        inbox.withLock { inbox in
            if !inbox.isClosed { uv_async_send(wakeup) }
            inbox.isClosed = true
        }
        threadJoin.withLock { thread in
            guard let joined = thread else { return }
            pthread_join(joined, nil)
            thread = nil
        }
    }

    private func closeEverything() {
        assertInLoop()
        isStopping = true
        // Taking the lock waits out any `execute` still inside its `uv_async_send`.
        inbox.withLock { precondition($0.isClosed) }
        logger.debug("closing \(resources.count) resources")
        for resource in Array(resources.values) { resource.close() }
        uv_close(Self.handle(wakeup), nil)
        uv_close(Self.handle(endOfTurn), nil)
    }

    /// The thread's body: runs the loop until ``shutdown()`` has closed every handle.
    fileprivate func run(signalling started: DispatchSemaphore) {
        loopThread = pthread_self()
        started.signal()
        uv_run(uvLoop, UV_RUN_DEFAULT)
        precondition(resources.isEmpty, "loop \(name) ended with \(resources.count) resources open")
        let code = uv_loop_close(uvLoop)
        precondition(code == 0, "uv_loop_close on loop \(name): \(String(cString: uv_err_name(code)))")
        uvLoop.deallocate()
        wakeup.deallocate()
        endOfTurn.deallocate()
    }

    // MARK: Resources and end-of-turn work

    /// Records an open handle so that shutdown closes it; a handle opened while the loop stops
    /// is closed at once.
    func register(_ resource: any LoopResource) {
        assertInLoop()
        resources[ObjectIdentifier(resource)] = resource
        if isStopping { resource.close() }
    }

    /// Forgets a handle whose close callback ran.
    func unregister(_ resource: any LoopResource) {
        assertInLoop()
        resources.removeValue(forKey: ObjectIdentifier(resource))
    }

    /// Runs `task.runAtEndOfTurn()` once, after this turn's callbacks and before the loop next
    /// waits for I/O (also when asked from another end-of-turn task). The task must not ask
    /// twice before it has run.
    func runAtEndOfTurn(_ task: any EndOfTurnTask) {
        assertInLoop()
        if endOfTurnTasks.isEmpty && !isStopping { uv_prepare_start(endOfTurn, onEndOfTurn) }
        endOfTurnTasks.append(task)
    }

    fileprivate func runEndOfTurnTasks() {
        // A task may schedule others (a frame delivered from a buffer is forwarded to another
        // connection): run them too, since the loop is about to block in poll. This ends
        // because tasks only flush what is already buffered.
        while !endOfTurnTasks.isEmpty {
            let tasks = endOfTurnTasks
            endOfTurnTasks.removeAll(keepingCapacity: true)
            for task in tasks { task.runAtEndOfTurn() }
        }
        uv_prepare_stop(endOfTurn)
    }

    /// A libuv handle pointer of any type, as `uv_handle_t`.
    static func handle<Handle>(_ pointer: UnsafeMutablePointer<Handle>) -> UnsafeMutablePointer<uv_handle_t> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: uv_handle_t.self)
    }
}

/// Something open on a loop (a handle) that shutdown must close.
protocol LoopResource: AnyObject {
    /// Starts closing; the resource unregisters itself when libuv's close callback runs.
    func close()
}

/// Work a loop runs once at the end of a turn (coalesced writes).
protocol EndOfTurnTask: AnyObject {
    func runAtEndOfTurn()
}

/// What the new thread needs; retained across `pthread_create`.
private final class LoopThreadStart {
    let loop: EventLoop
    let started: DispatchSemaphore
    init(loop: EventLoop, started: DispatchSemaphore) {
        self.loop = loop
        self.started = started
    }
}

private func runLoopThread(_ argument: UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? {
    let start = Unmanaged<LoopThreadStart>.fromOpaque(argument!).takeRetainedValue()
    start.loop.run(signalling: start.started)
    return nil
}

private func loop(of handle: UnsafeMutableRawPointer?) -> EventLoop {
    let raw = UnsafeMutableRawPointer(handle!).assumingMemoryBound(to: uv_handle_t.self)
    return Unmanaged<EventLoop>.fromOpaque(uv_handle_get_data(raw)!).takeUnretainedValue()
}

private let onWakeup: uv_async_cb = { handle in loop(of: handle).runQueuedJobs() }
private let onEndOfTurn: uv_prepare_cb = { handle in loop(of: handle).runEndOfTurnTasks() }
