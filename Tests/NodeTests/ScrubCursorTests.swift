import Storage
import Testing
@testable import Node

/// The scrub's progress through one log: passes cover the log as it was when they began, follow
/// the log start and end as they move, and wait an interval between them.
struct ScrubCursorTests {
    /// Reads the whole range the way the host does: one batch of `batchOffsets` offsets per read.
    static func runPass(_ cursor: inout ScrubCursor, start: Offset, end: Offset, tick: UInt64, batchOffsets: Int64 = 10) -> [Offset] {
        var reads: [Offset] = []
        while let offset = cursor.readOffset(logStart: start, logEnd: end, tick: tick, intervalTicks: 100) {
            reads.append(offset)
            cursor.advance(to: min(end, offset.advanced(by: batchOffsets)))
        }
        return reads
    }

    @Test func aNewlyOpenedReplicaIsDueAtOnceAndItsPassCoversTheLogFromItsStart() {
        var cursor = ScrubCursor()
        #expect(cursor.isDue(at: 0))
        let reads = Self.runPass(&cursor, start: 20, end: 50, tick: 0)
        #expect(reads == [20, 30, 40])
        #expect(cursor.passesCompleted == 1)
    }

    @Test func theNextPassWaitsTheIntervalAfterTheLastOneEnded() {
        var cursor = ScrubCursor()
        _ = Self.runPass(&cursor, start: 0, end: 10, tick: 5)
        #expect(!cursor.isDue(at: 104))
        #expect(cursor.readOffset(logStart: 0, logEnd: 10, tick: 104, intervalTicks: 100) == nil)
        #expect(cursor.passesCompleted == 1, "a pass that is not due does not count")
        #expect(cursor.isDue(at: 105))
        #expect(Self.runPass(&cursor, start: 0, end: 10, tick: 105) == [0])
        #expect(cursor.passesCompleted == 2)
    }

    @Test func dataAppendedDuringAPassIsLeftToTheNextPass() {
        var cursor = ScrubCursor()
        #expect(cursor.readOffset(logStart: 0, logEnd: 20, tick: 0, intervalTicks: 100) == 0)
        cursor.advance(to: 10)
        #expect(cursor.readOffset(logStart: 0, logEnd: 90, tick: 1, intervalTicks: 100) == 10)
        cursor.advance(to: 20)
        #expect(cursor.readOffset(logStart: 0, logEnd: 90, tick: 2, intervalTicks: 100) == nil)
        #expect(cursor.passesCompleted == 1)
    }

    @Test func aLogStartThatRetentionMovedPastTheCursorIsWhereThePassGoesOn() {
        var cursor = ScrubCursor()
        #expect(cursor.readOffset(logStart: 0, logEnd: 100, tick: 0, intervalTicks: 100) == 0)
        cursor.advance(to: 10)
        #expect(cursor.readOffset(logStart: 60, logEnd: 100, tick: 1, intervalTicks: 100) == 60)
    }

    @Test func aTruncationBelowTheCursorEndsThePass() {
        var cursor = ScrubCursor()
        #expect(cursor.readOffset(logStart: 0, logEnd: 100, tick: 0, intervalTicks: 100) == 0)
        cursor.advance(to: 50)
        #expect(cursor.readOffset(logStart: 0, logEnd: 40, tick: 1, intervalTicks: 100) == nil)
        #expect(cursor.passesCompleted == 1)
    }

    @Test func anEmptyLogCompletesItsPassWithoutReading() {
        var cursor = ScrubCursor()
        #expect(cursor.readOffset(logStart: 7, logEnd: 7, tick: 3, intervalTicks: 100) == nil)
        #expect(cursor.passesCompleted == 1)
        #expect(!cursor.isDue(at: 102))
    }

    @Test func anAbandonedPassDoesNotCountAndTheNextWaitsTheInterval() {
        var cursor = ScrubCursor()
        #expect(cursor.readOffset(logStart: 0, logEnd: 100, tick: 0, intervalTicks: 100) == 0)
        cursor.abandon(tick: 4, intervalTicks: 100)
        #expect(cursor.passesCompleted == 0)
        #expect(!cursor.isDue(at: 103))
        #expect(cursor.readOffset(logStart: 0, logEnd: 100, tick: 104, intervalTicks: 100) == 0)
    }
}
