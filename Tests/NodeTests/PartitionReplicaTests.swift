import Foundation
import Raft
import Storage
import Testing
@testable import Node

@Suite struct PartitionReplicaTests {
    /// A producer's batch of `count` records whose values name the batch and record.
    static func batch(_ tag: Int, records count: Int) -> RecordBatch {
        RecordBatchBuilder.batch((0..<count).map { i in
            NewRecord(key: Array("k\(tag)".utf8), value: Array("v\(tag)-\(i)".utf8), timestamp: 1_700_000_000_000 + Int64(tag))
        })
    }

    @Test func threeReplicasCommitProposedBatchesAtDenseOffsetsWithByteIdenticalLogs() throws {
        let group = try ReplicaGroup()
        let leaderID = try group.electLeader()
        let leader = group.replicas[leaderID]!
        var expected: [(ClosedRange<LogIndex>, [UInt8])] = []
        for tag in 0..<25 {
            let batch = Self.batch(tag, records: 1 + tag % 4)
            expected.append((try leader.propose(batch), Array(batch.bytes.dropFirst(61))))
            if tag % 5 == 4 { try group.settle() }
        }
        try group.settle()

        let last = expected.last!.0.upperBound
        for id in group.ids {
            #expect(group.replicas[id]!.core.commitIndex == last, "replica \(id) commit")
        }
        let reference = try group.logBytes(of: leaderID)
        for id in group.ids where id != leaderID {
            #expect(try group.logBytes(of: id) == reference, "replica \(id) differs from the leader")
        }
        // Offsets are dense: every batch follows the previous one, control batches included, and
        // each proposed batch sits at the offsets its proposal returned, records unchanged.
        let batches = try group.batches(of: leaderID)
        var next = Offset(0)
        for stored in batches {
            #expect(stored.baseOffset == next)
            next = stored.lastOffset.advanced(by: 1)
        }
        let data = batches.filter { !$0.isControl }
        #expect(data.count == expected.count)
        for (stored, (range, recordBytes)) in zip(data, expected) {
            #expect(LogIndex(offset: stored.baseOffset) == range.lowerBound)
            #expect(LogIndex(offset: stored.lastOffset) == range.upperBound)
            #expect(Array(stored.bytes.dropFirst(61)) == recordBytes, "records of the batch at \(stored.baseOffset)")
        }
    }

    @Test func aRestartedFollowerKeepsItsTermAndLogAndCatchesUpOnWhatItMissed() throws {
        let group = try ReplicaGroup()
        let leaderID = try group.electLeader()
        for tag in 0..<5 { _ = try group.replicas[leaderID]!.propose(Self.batch(tag, records: 2)) }
        try group.settle()
        let follower = group.ids.first { $0 != leaderID }!
        let termBefore = group.replicas[follower]!.core.currentTerm
        let logBefore = try group.logBytes(of: follower)

        group.stop(follower)
        for tag in 5..<12 { _ = try group.replicas[leaderID]!.propose(Self.batch(tag, records: 3)) }
        try group.settle()
        try group.start(follower)
        #expect(group.replicas[follower]!.core.currentTerm == termBefore)
        #expect(try group.logBytes(of: follower) == logBefore)

        for _ in 0..<3 {
            for id in group.ids { try group.replicas[id]!.tick() }
            try group.settle()
        }
        #expect(group.replicas[leaderID]!.core.currentRole == .leader, "a restarted follower must not depose the leader")
        #expect(try group.logBytes(of: follower) == group.logBytes(of: leaderID))
    }

    @Test func aFollowerBehindTheLeadersLogStartIsMovedToItAndCatchesUp() throws {
        let group = try ReplicaGroup()
        let leaderID = try group.electLeader()
        let follower = group.ids.first { $0 != leaderID }!
        group.stop(follower)
        var ranges: [ClosedRange<LogIndex>] = []
        for tag in 0..<30 { ranges.append(try group.replicas[leaderID]!.propose(Self.batch(tag, records: 2))) }
        try group.settle()
        // Retention on every live replica removes everything before the 20th batch.
        let newStart = ranges[20].lowerBound.offset
        for id in group.ids where id != follower { try group.replicas[id]!.log.advanceStart(to: newStart) }

        try group.start(follower)
        for _ in 0..<3 {
            for id in group.ids { try group.replicas[id]!.tick() }
            try group.settle()
        }
        let moved = group.replicas[follower]!
        #expect(moved.log.logStartOffset == newStart)
        #expect(moved.core.commitIndex == ranges.last!.upperBound)
        #expect(try group.logBytes(of: follower) == group.logBytes(of: leaderID))
    }

    /// Flips one bit of byte `position` of the last segment in `directory`.
    static func flipByte(_ position: Int, ofLastSegmentIn directory: String) throws {
        let segment = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".log") }.sorted().last!
        let path = directory + "/" + segment
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[position] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
    }

    @Test func aFollowerWhoseSyncedSegmentIsDamagedRefillsWithoutCampaigningThenVotesFreelyAgain() throws {
        let group = try ReplicaGroup()
        let leaderID = try group.electLeader()
        for tag in 0..<20 { _ = try group.replicas[leaderID]!.propose(Self.batch(tag, records: 3)) }
        try group.settle()
        let follower = group.ids.first { $0 != leaderID }!
        let directory = group.directory(of: follower)
        let durableLast = group.replicas[follower]!.core.lastIndex
        group.stop(follower)
        // The first batch's base offset, below the durable checkpoint: damage, not a torn tail.
        try Self.flipByte(7, ofLastSegmentIn: directory)

        try group.start(follower)
        let damaged = group.replicas[follower]!
        #expect(damaged.damageCut != nil)
        #expect(damaged.core.lastIndex < durableLast)
        #expect(damaged.core.lostLogEnd?.index == durableLast)
        // A crash during the refill keeps it refilling.
        group.stop(follower)
        try group.start(follower)
        #expect(group.replicas[follower]!.core.lostLogEnd?.index == durableLast)
        #expect(try ReplicaState.read(in: directory)?.lostLogEnd?.index == durableLast)

        for _ in 0..<20 where group.replicas[follower]!.core.lostLogEnd != nil {
            for id in group.ids { try group.replicas[id]?.tick() }
            try group.settle()
        }
        #expect(group.replicas[follower]!.core.lostLogEnd == nil)
        #expect(try ReplicaState.read(in: directory)?.lostLogEnd == nil)
        #expect(try group.logBytes(of: follower) == group.logBytes(of: leaderID))
        // It votes again: without the leader, the other two elect one of them.
        group.stop(leaderID)
        #expect(try group.electLeader() != leaderID)
    }

    @Test func aCorruptRaftStateFileStopsTheReplicaFromOpeningInsteadOfResettingIt() throws {
        let group = try ReplicaGroup()
        try group.electLeader()
        let id = group.ids[0]
        group.stop(id)
        let path = group.directory(of: id) + "/" + ReplicaState.fileName
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[14] ^= 0x40
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(throws: StorageError.self) { try group.start(id) }
    }

    @Test func stateFilesRoundTripEveryFieldAndRejectUnknownFormats() throws {
        let state = ReplicaState(
            hardState: HardState(term: Term(7), vote: NodeID(3), commit: LogIndex(42)),
            membership: Membership(voters: [NodeID(1), NodeID(2), NodeID(3)], learners: [NodeID(4)], index: LogIndex(9)))
        let directory = NSTemporaryDirectory() + "tributary-state-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try state.write(in: directory)
        #expect(try ReplicaState.read(in: directory) == state)

        var noVote = state
        noVote.hardState.vote = nil
        try noVote.write(in: directory)
        #expect(try ReplicaState.read(in: directory) == noVote)

        var refilling = state
        refilling.lostLogEnd = LostLogEnd(index: LogIndex(77), term: Term(6))
        try refilling.write(in: directory)
        #expect(try ReplicaState.read(in: directory) == refilling)

        // Version 1 had no lost end; such files still read, as not refilling.
        var versionOne = state.encoded()
        versionOne[0] = 1
        versionOne.removeSubrange(26..<43)
        try DurableStateFile.write(versionOne, to: directory + "/" + ReplicaState.fileName, payloadBytesMax: 1 << 16)
        #expect(try ReplicaState.read(in: directory) == state)

        var future = state.encoded()
        future[0] = 99
        try DurableStateFile.write(future, to: directory + "/" + ReplicaState.fileName, payloadBytesMax: 1 << 16)
        #expect(throws: ReplicaStateError.self) { try ReplicaState.read(in: directory) }
    }
}
