import ChaosCheck
import Foundation

/// Appends history events to `RUN/history.jsonl` under one lock, stamping each with the time
/// since the run started, and counts outcomes for the progress line.
public final class HistoryRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private let file: FileHandle
    private let startNanos: UInt64
    private var buffer: [UInt8] = []
    private static let bufferBytesMax = 64 << 10
    /// Completions counted per outcome, for the progress line.
    private(set) var okCount = 0, failCount = 0, infoCount = 0

    /// Creates (truncates) the history file.
    public init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil),
              let handle = FileHandle(forWritingAtPath: path)
        else { throw HarnessError("cannot create \(path)") }
        file = handle
        startNanos = DispatchTime.now().uptimeNanoseconds
    }

    /// Nanoseconds since the run started.
    public func nowNanos() -> Int64 { Int64(DispatchTime.now().uptimeNanoseconds - startNanos) }

    /// Writes one event; the time is taken under the lock, so lines are in time order.
    public func record(process: ProcessID?, type: EventType, _ operation: ChaosCheck.Operation, error: String? = nil) {
        lock.lock()
        defer { lock.unlock() }
        let event = HistoryEvent(timeNanos: nowNanos(), process: process, type: type, operation: operation)
        var line = event.jsonLine()
        precondition(line.hasSuffix("}"), "a history line is one JSON object")
        if let error {
            // An extra field the checker ignores (chaos/README.md allows "error").
            line.removeLast()
            line += ",\"error\":\(Self.quoted(error))}"
        }
        buffer += Array(line.utf8) + [0x0A]
        if type != .invoke, process != nil {
            switch type { case .ok: okCount += 1; case .fail: failCount += 1; default: infoCount += 1 }
        }
        if buffer.count >= Self.bufferBytesMax { flushLocked() }
    }

    /// Counts of completed operations: ok, fail, info.
    public func counts() -> (ok: Int, fail: Int, info: Int) {
        lock.lock(); defer { lock.unlock() }
        return (okCount, failCount, infoCount)
    }

    /// Writes what is buffered to the file.
    public func flush() {
        lock.lock(); defer { lock.unlock() }
        flushLocked()
    }

    private func flushLocked() {
        guard !buffer.isEmpty else { return }
        file.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    private static func quoted(_ text: String) -> String {
        let data = (try? JSONEncoder().encode(text)) ?? Data("\"?\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}

/// A harness failure (not an anomaly): the cluster would not start, a file cannot be written.
public struct HarnessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
