import Foundation

/// The outcome of an operation raced against a deadline.
enum Timed<T: Sendable>: Sendable {
    case value(T)
    case error(any Error)
    case timedOut
}

/// Runs `operation`, answering `.timedOut` after `seconds` even if the operation ignores
/// cancellation (it is cancelled and left to finish on its own; callers treat it as
/// indeterminate and do not reuse state it may still touch).
func withDeadline<T: Sendable>(seconds: Double, _ operation: @escaping @Sendable () async throws -> T) async -> Timed<T> {
    precondition(seconds > 0, "a deadline lies in the future")
    let once = Once<Timed<T>>()
    return await withCheckedContinuation { continuation in
        once.set(continuation)
        let work = Task {
            do { once.finish(.value(try await operation())) } catch { once.finish(.error(error)) }
        }
        Task {
            try? await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
            if once.finish(.timedOut) { work.cancel() }
        }
    }
}

/// Resumes a continuation exactly once.
private final class Once<T: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<T, Never>?
    private var pending: T?
    private var done = false

    func set(_ c: CheckedContinuation<T, Never>) {
        lock.lock(); defer { lock.unlock() }
        if let pending { c.resume(returning: pending); continuation = nil } else { continuation = c }
    }

    @discardableResult
    func finish(_ value: T) -> Bool {
        lock.lock(); defer { lock.unlock() }
        guard !done else { return false }
        done = true
        if let continuation { continuation.resume(returning: value); self.continuation = nil } else { pending = value }
        return true
    }
}
