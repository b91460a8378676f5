import Dispatch
import Foundation

/// Waits for SIGTERM or SIGINT without killing the process, so the node can shut down cleanly.
enum TerminationSignal {
    /// Suspends until the process receives SIGTERM or SIGINT; returns the signal's name.
    static func next() async -> String {
        await withCheckedContinuation { (continuation: CheckedContinuation<String, Never>) in
            let resumed = ResumeOnce(continuation)
            for (number, name) in [(SIGTERM, "SIGTERM"), (SIGINT, "SIGINT")] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { resumed.resume(returning: name) }
                source.resume()
                Sources.keep(source)
            }
        }
    }

    /// Keeps the signal sources alive for the life of the process.
    private enum Sources {
        nonisolated(unsafe) static var all: [any DispatchSourceSignal] = []
        static func keep(_ source: any DispatchSourceSignal) { all.append(source) }
    }
}

/// Resumes a continuation at most once, whichever signal comes first.
private final class ResumeOnce: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<String, Never>?

    init(_ continuation: CheckedContinuation<String, Never>) { self.continuation = continuation }

    func resume(returning value: String) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(returning: value)
    }
}
