import Dispatch
import Transport

/// Measures peer-frame echo over loopback between two loops and offload round trips, and
/// prints the figures (nothing is asserted).
enum Bench {
    static func main() {
        do {
            let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
            if arguments.count == 3 {
                return try echo(bodyBytes: arguments[0], window: arguments[1], frameCount: arguments[2])
            }
            for (bodyBytes, window) in [(64, 1), (64, 256), (1_024, 256), (16_384, 64)] {
                try echo(bodyBytes: bodyBytes, window: window, frameCount: window == 1 ? 20_000 : 200_000)
            }
            try offloadRoundTrips(count: 100_000)
        } catch {
            print("benchmark failed: \(error)")
        }
    }

    /// Keeps `window` frames in flight from a client loop to an echo loop until `frameCount`
    /// echoes came back.
    static func echo(bodyBytes: Int, window: Int, frameCount: Int) throws {
        let server = try EventLoop(name: "bench-server")
        let client = try EventLoop(name: "bench-client")
        defer { client.shutdown(); server.shutdown() }
        let ready = DispatchSemaphore(value: 0), done = DispatchSemaphore(value: 0)
        let port = Box<UInt16>(0)
        try server.execute {
            let listener = try! TCPListener(on: server, at: SocketAddress(host: "127.0.0.1", port: 0)) { connection in
                connection.startReading(with: PeerFrameDecoder(frameBytesMax: server.limits.frameBytesMax)) { frame in
                    _ = connection.send(frame)
                }
            }
            port.value = listener.localAddress.port
            ready.signal()
        }
        ready.wait()
        let clock = ContinuousClock()
        let started = Box(clock.now)
        try client.execute {
            let frame = PeerFrame(kind: 1, body: Array(repeating: 0xA5, count: bodyBytes))
            var sent = 0, received = 0
            let connection = TCPConnection.connect(on: client, to: try! SocketAddress(host: "127.0.0.1", port: port.value)) { error in
                precondition(error == nil, "connect failed: \(error!)")
                started.value = clock.now
            }
            connection.startReading(with: PeerFrameDecoder(frameBytesMax: client.limits.frameBytesMax)) { _ in
                received += 1
                if received == frameCount { done.signal(); return }
                if sent < frameCount, connection.send(frame).isQueued { sent += 1 }
            }
            while sent < min(window, frameCount) { _ = connection.send(frame); sent += 1 }
        }
        done.wait()
        let seconds = (clock.now - started.value).seconds
        let perSecond = Double(frameCount) / seconds
        let megabytes = Double(frameCount * (bodyBytes + PeerFrameHeader.byteCount)) / seconds / 1e6
        print("echo body=\(bodyBytes)B window=\(window): \(Int(perSecond)) frames/s, \(fixed(megabytes)) MB/s each way, mean round trip \(fixed(seconds / Double(frameCount) * Double(window) * 1e6)) µs")
    }

    /// Offloads trivial work `count` times, one at a time, and reports the round-trip rate.
    static func offloadRoundTrips(count: Int) throws {
        let loop = try EventLoop(name: "bench-offload")
        defer { loop.shutdown() }
        let done = DispatchSemaphore(value: 0)
        let clock = ContinuousClock()
        let started = clock.now
        try loop.execute {
            var remaining = count
            func next() {
                try! loop.offload({ 1 }) { _ in
                    remaining -= 1
                    if remaining == 0 { _ = done.signal() } else { next() }
                }
            }
            next()
        }
        done.wait()
        let seconds = (clock.now - started).seconds
        print("offload round trips: \(Int(Double(count) / seconds))/s, \(fixed(seconds / Double(count) * 1e6)) µs each")
    }

    static func fixed(_ value: Double) -> String {
        let scaled = (value * 10).rounded() / 10
        return "\(scaled)"
    }
}

/// A value handed between the bench thread and a loop; ordered by the semaphores around it.
final class Box<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}

extension Duration {
    var seconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
