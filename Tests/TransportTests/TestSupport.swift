import Dispatch
import Logging
import Testing
@testable import Transport

#if canImport(Glibc)
import Glibc
#endif

/// How long a test waits for a completion signal before failing (a bug fails, never hangs).
let waitSecondsMax = 20.0

/// A one-way completion signal between threads with a bounded wait.
final class Signal: Sendable {
    private let semaphore = DispatchSemaphore(value: 0)
    func fire() { semaphore.signal() }
    /// Waits for one `fire()`; false after ``waitSecondsMax``.
    func wait() -> Bool { semaphore.wait(timeout: .now() + waitSecondsMax) == .success }
}

/// State shared between the test thread and a loop thread.
final class Shared<Value>: @unchecked Sendable {
    private let locked: Locked<Value>
    init(_ value: Value) { locked = Locked(value) }
    func withValue<R>(_ body: (inout Value) -> R) -> R { locked.withLock { body(&$0) } }
    var snapshot: Value { withValue { $0 } }
}

extension EventLoop {
    /// Runs `body` on the loop and returns its result to the calling (test) thread.
    func sync<R>(_ body: @escaping @Sendable () throws -> R) throws -> R {
        let result = Shared<Result<R, any Error>?>(nil)
        let done = Signal()
        try execute {
            result.withValue { $0 = Result { try body() } }
            done.fire()
        }
        try #require(done.wait(), "loop \(name) did not run the job in time")
        return try result.snapshot!.get()
    }

    static func forTest(_ name: String, limits: TransportLimits = .testMin, logger: Logger? = nil) throws -> EventLoop {
        try EventLoop(name: name, limits: limits, logger: logger)
    }
}

let loopback = try! SocketAddress(host: "127.0.0.1", port: 0)

/// A blocking POSIX socket client, independent of the code under test, for sending arbitrary
/// bytes and reading what the server answers.
final class RawClient {
    private let fd: Int32

    init(port: UInt16) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        try #require(fd >= 0)
        var timeout = timeval(tv_sec: Int(waitSecondsMax), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let code = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(code == 0, "connect to 127.0.0.1:\(port) failed: errno \(errno)")
    }

    deinit { Glibc.close(fd) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { return }
            offset += sent
        }
    }

    func send(_ text: String) { send(Array(text.utf8)) }

    /// Half-closes: the server sees the end of the stream.
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads until the server closes (or the bounded wait ends); returns everything read.
    func readToEnd() -> [UInt8] {
        readUntilServerCloses() ?? []
    }

    /// Reads until the server closes the connection (end of stream or reset) and returns what
    /// it sent; nil if the server kept the connection open for the whole bounded wait.
    func readUntilServerCloses() -> [UInt8]? {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count > 0 { all += chunk[0..<count]; continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return nil }
            return all
        }
    }

    /// Reads exactly `count` bytes, or fewer if the stream ends or the wait runs out.
    func read(count: Int) -> [UInt8] {
        var all: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while all.count < count {
            let got = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, Swift.min($0.count, count - all.count), 0) }
            if got <= 0 { return all }
            all += chunk[0..<got]
        }
        return all
    }
}

/// A POSIX listening socket that never accepts: once its accept queue is full, the kernel drops
/// further SYNs, so a connect to it hangs until the connector gives up.
final class UnacceptingListener {
    private let fd: Int32
    let port: UInt16

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        self.fd = fd
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(fd, pointer, length) == 0 && listen(fd, 0) == 0 && getsockname(fd, pointer, &length) == 0
            }
        }
        try #require(bound, "could not set up the unaccepting listener: errno \(errno)")
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit { Glibc.close(fd) }
}

/// A log handler that keeps every message, to check that the transport logged what it did.
struct CapturingLogHandler: LogHandler {
    let lines: Shared<[(level: Logger.Level, message: String)]>
    var logLevel: Logger.Level = .trace
    var metadata: Logger.Metadata = [:]

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        lines.withValue { $0.append((event.level, event.message.description)) }
    }

    /// A logger writing into `lines`.
    static func logger(into lines: Shared<[(level: Logger.Level, message: String)]>) -> Logger {
        Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
    }
}
