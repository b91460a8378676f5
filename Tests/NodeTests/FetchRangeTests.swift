import Storage
import Testing
@testable import Node

@Suite struct FetchRangeTests {
    @Test func anOffsetPastTheHighWatermarkButWithinTheLogIsAnsweredNotRefused() {
        // A new leader's high-water mark (10) lags the log (end 50) until it commits in its term:
        // a consumer at 30 read that far from the old leader and must wait, not reset.
        let inRange = { (offset: Int64) in
            KafkaBroker.fetchOffsetIsInRange(Offset(offset), logStart: 5, logEnd: 50, highWatermark: 10)
        }
        #expect(inRange(30) && inRange(50) && inRange(10) && inRange(5))
        #expect(!inRange(4), "before the log start")
        #expect(!inRange(51), "past the log's end")
        // The high-water mark is never past the end, but the bound holds if it were reported so.
        #expect(KafkaBroker.fetchOffsetIsInRange(12, logStart: 0, logEnd: 10, highWatermark: 12))
    }
}
