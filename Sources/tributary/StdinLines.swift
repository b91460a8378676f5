import Dispatch
import Foundation

/// The lines of standard input as an async sequence, read on a thread of their own so that a
/// terminal waiting for input never blocks a task of the cooperative pool (the producer's
/// acknowledgements keep arriving), and at most `bufferedLineCountMax` lines ahead of the reader.
struct StdinLines: AsyncSequence {
    typealias Element = String

    /// Lines read and not yet taken, at most.
    let bufferedLineCountMax: Int

    init(bufferedLineCountMax: Int = 1_024) {
        precondition(bufferedLineCountMax >= 1, "StdinLines needs room for one line")
        self.bufferedLineCountMax = bufferedLineCountMax
    }

    func makeAsyncIterator() -> Iterator {
        let room = DispatchSemaphore(value: bufferedLineCountMax)
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .unbounded)
        let reader = Thread {
            // Each yield takes one unit of room and each line taken gives it back, so the
            // unbounded stream buffer never holds more than bufferedLineCountMax lines.
            while let line = readLine(strippingNewline: true) {
                room.wait()
                continuation.yield(line)
            }
            continuation.finish()
        }
        reader.name = "stdin-reader"
        reader.start()
        return Iterator(lines: stream.makeAsyncIterator(), room: room)
    }

    struct Iterator: AsyncIteratorProtocol {
        var lines: AsyncStream<String>.Iterator
        let room: DispatchSemaphore

        mutating func next() async -> String? {
            guard let line = await lines.next() else { return nil }
            room.signal()
            return line
        }
    }
}
