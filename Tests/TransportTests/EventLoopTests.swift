#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import Transport

@Suite struct EventLoopTests {
    /// libuv writes with `write(2)`: to a connection already gone, that raises SIGPIPE, whose
    /// default action ends the process without a word in its log. A process with a loop gets
    /// EPIPE instead (without the loop's doing, this test ends the whole test run).
    @Test func writingToAConnectionWhoseOtherEndIsGoneFailsWithEPIPEInsteadOfEndingTheProcess() throws {
        let loop = try EventLoop.forTest("broken-pipe")
        defer { loop.shutdown() }
        var ends: [Int32] = [-1, -1]
        try #require(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &ends) == 0)
        defer { close(ends[0]) }
        close(ends[1])
        let byte: [UInt8] = [1]
        let written = byte.withUnsafeBytes { write(ends[0], $0.baseAddress, $0.count) }
        let error = errno
        #expect(written == -1)
        #expect(error == EPIPE)
    }

    @Test func executeRunsJobsOnTheLoopThreadInTheOrderTheyWereAccepted() throws {
        let loop = try EventLoop.forTest("order")
        defer { loop.shutdown() }
        let seen = Shared<[Int]>([])
        let onLoopThread = Shared(true)
        for index in 0..<5 {
            try loop.execute {
                onLoopThread.withValue { $0 = $0 && loop.inLoopThread }
                seen.withValue { $0.append(index) }
            }
        }
        try loop.sync {}
        #expect(seen.snapshot == [0, 1, 2, 3, 4])
        #expect(onLoopThread.snapshot)
        #expect(!loop.inLoopThread)
    }

    @Test func executeRejectsAJobWhenTheCrossThreadQueueIsFull() throws {
        let loop = try EventLoop.forTest("full")
        defer { loop.shutdown() }
        let started = Signal(), release = Signal()
        try loop.execute { started.fire(); _ = release.wait() }
        try #require(started.wait())
        let ran = Shared(0), allRan = Signal()
        let bound = loop.limits.crossThreadJobCountMax
        for _ in 0..<bound {
            try loop.execute { if ran.withValue({ $0 += 1; return $0 }) == bound { allRan.fire() } }
        }
        #expect(throws: TransportError.self) { try loop.execute {} }
        do {
            try loop.execute {}
        } catch {
            #expect(error.kind == .queueFull)
        }
        release.fire()
        #expect(allRan.wait())
        #expect(ran.snapshot == bound)
    }

    @Test func jobsAcceptedBeforeShutdownRunAndLaterOnesAreRejected() throws {
        let loop = try EventLoop.forTest("shutdown")
        let ran = Shared(0)
        for _ in 0..<3 { try loop.execute { ran.withValue { $0 += 1 } } }
        loop.shutdown()
        #expect(ran.snapshot == 3)
        do {
            try loop.execute {}
            Issue.record("execute after shutdown was accepted")
        } catch {
            #expect(error.kind == .closed)
        }
        loop.shutdown()  // a second call returns too
    }

    @Test func submitReturnsTheValueComputedOnTheLoop() async throws {
        let loop = try EventLoop.forTest("submit")
        defer { loop.shutdown() }
        let value = try await loop.submit { loop.inLoopThread ? 42 : -1 }
        #expect(value == 42)
    }

    @Test func aOneShotTimerFiresOnceAndARepeatingTimerFiresUntilCancelled() throws {
        let loop = try EventLoop.forTest("timers")
        defer { loop.shutdown() }
        let oneShot = Shared(0), repeating = Shared(0)
        let oneShotFired = Signal(), repeatedFiveTimes = Signal()
        try loop.sync {
            LoopTimer(loop: loop).schedule(after: .milliseconds(1)) {
                oneShot.withValue { $0 += 1 }
                oneShotFired.fire()
            }
            let ticker = LoopTimer(loop: loop)
            ticker.schedule(after: .zero, repeating: .milliseconds(1)) {
                let count = repeating.withValue { $0 += 1; return $0 }
                if count == 5 {
                    ticker.cancel()
                    repeatedFiveTimes.fire()
                }
            }
        }
        #expect(oneShotFired.wait())
        #expect(repeatedFiveTimes.wait())
        // Another timer turn passes before we look again: neither timer fired after that.
        let later = Signal()
        try loop.sync { LoopTimer(loop: loop).schedule(after: .milliseconds(5)) { later.fire() } }
        #expect(later.wait())
        #expect(oneShot.snapshot == 1)
        #expect(repeating.snapshot == 5)
    }

    @Test func shutdownClosesTimersThatAreStillScheduled() throws {
        let loop = try EventLoop.forTest("open-timer")
        try loop.sync {
            LoopTimer(loop: loop).schedule(after: .seconds(3600), repeating: .seconds(3600)) {}
        }
        loop.shutdown()  // returns: the timer was closed, so the loop could end
    }

    @Test func offloadRunsWorkOffTheLoopAndCompletesOnTheLoop() throws {
        let loop = try EventLoop.forTest("offload")
        defer { loop.shutdown() }
        let done = Signal()
        let observed = Shared<(workOnLoop: Bool, completionOnLoop: Bool, result: Int)?>(nil)
        try loop.sync {
            try loop.offload({ (loop.inLoopThread, 7 * 6) }) { workOnLoop, result in
                observed.withValue { $0 = (workOnLoop, loop.inLoopThread, result) }
                done.fire()
            }
        }
        #expect(done.wait())
        let seen = try #require(observed.snapshot)
        #expect(!seen.workOnLoop)
        #expect(seen.completionOnLoop)
        #expect(seen.result == 42)
    }

    @Test func offloadRejectsWorkBeyondTheInFlightBound() throws {
        let loop = try EventLoop.forTest("offload-bound")
        defer { loop.shutdown() }
        let release = Signal()
        let completed = Shared(0)
        let allDone = Signal()
        let bound = loop.limits.offloadCountMax
        let rejection = try loop.sync { () -> TransportError? in
            for _ in 0..<bound {
                try loop.offload({ _ = release.wait() }) {
                    if completed.withValue({ $0 += 1; return $0 }) == bound { allDone.fire() }
                }
            }
            do throws(TransportError) {
                try loop.offload({}) {}
                return nil
            } catch {
                return error
            }
        }
        #expect(rejection?.kind == .queueFull)
        for _ in 0..<bound { release.fire() }
        #expect(allDone.wait())
    }
}
