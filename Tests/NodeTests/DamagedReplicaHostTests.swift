import ClusterMetadata
import Foundation
import Raft
import Storage
import Testing
@testable import Node

/// A replica whose storage turns out damaged while it runs is cut at the damage and reopened
/// refilling: it does not campaign, votes only as its intact log would have, and is a full
/// voter again once it holds everything it had.
@Suite(.serialized) struct DamagedReplicaHostTests {
    /// Which segment of a log to damage.
    enum SegmentChoice {
        /// The second, sealed: the first holding data.
        case firstWithData
        /// The last: the one written.
        case last
    }

    /// One segment file of `directory`, opened for writing in place.
    static func openSegment(_ choice: SegmentChoice, in directory: String) throws -> FileHandle {
        let segments = try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".log") }.sorted()
        try #require(segments.count >= 3, "the second segment must be sealed")
        let index = switch choice {
        case .firstWithData: 1
        case .last: segments.count - 1
        }
        return try #require(FileHandle(forUpdatingAtPath: directory + "/" + segments[index]))
    }

    /// Flips the last byte of one segment of `directory` in place: inside the CRC32C of that
    /// segment's last batch.
    static func flipLastByte(of choice: SegmentChoice, in directory: String) throws {
        let file = try openSegment(choice, in: directory)
        defer { try? file.close() }
        let size = try file.seekToEnd()
        try file.seek(toOffset: size - 1)
        let byte = try #require(try file.read(upToCount: 1)?.first)
        try file.seek(toOffset: size - 1)
        try file.write(contentsOf: [byte ^ 0x01])
    }

    /// Reads `group`'s log on `host` from the start, as consumers would, until a read fails;
    /// returns whether one did.
    static func readsFail(_ host: RaftHost, group: RaftGroupID, readsMax: Int = 1_000) -> Bool {
        var next = Offset(0)
        for _ in 0..<readsMax {
            guard let read = try? host.read(group, from: next, maxBytes: 64 << 10) else { return true }
            if read.batchCount == 0 { return false }
            next = read.nextOffset
        }
        return false
    }

    /// Proposes enough batches to `cluster`'s groups that each log's first segment is sealed
    /// (segments of 4 KiB), and returns once no message in flight can make a replica read them
    /// again: only the reader a test names may find damage put into them afterwards.
    ///
    /// Under load a leader re-sends entries its followers already hold (after a lost or late
    /// answer), and a follower reads its own copy of each such entry to compare bounds. Once the
    /// leaders know every follower holds everything no new re-send starts, and one more proposal
    /// reaching every replica behind any re-sends still on their way means those were handled.
    static func commitSealedSegmentsAndQuiesce(_ cluster: HostCluster) async throws {
        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 80, firstTag: 0)
        try await cluster.waitUntil("the leaders know every replica holds their logs") {
            try await cluster.leadersKnowAllCaughtUp()
        }
        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 1, firstTag: 80)
        try await cluster.waitUntil("every replica has the proposal sent behind any re-sends") {
            try await cluster.leadersKnowAllCaughtUp()
        }
    }

    @Test func aLeaderThatReadsADamagedBatchIsCutReopenedAsARefillingFollowerAndRefillsByteIdentical() async throws {
        let cluster = try await HostCluster(groupCount: 1, root: NSTemporaryDirectory(), options: RaftHostTests.options)
        let group = RaftGroupID(1)
        try await cluster.waitUntil("the group has a leader") { try await cluster.agreedLeaders() != nil }
        try await Self.commitSealedSegmentsAndQuiesce(cluster)
        let damaged = try #require(try await cluster.agreedLeaders()?[group]?.leader)
        let lastBefore = try #require(try await cluster.statuses()[damaged]?[group]?.lastIndex)
        try Self.flipLastByte(of: .firstWithData, in: cluster.directory(of: damaged, group: group))

        // Fetches from the start meet the bad batch: the replica is cut there and reopened on
        // the spot (no sync is in flight in an idle group), as a refilling follower.
        let (readFailed, reopened) = try await cluster.hosts[damaged]!.run { host in
            (Self.readsFail(host, group: group), host.status(of: group))
        }
        #expect(readFailed)
        let status = try #require(reopened)
        #expect(status.failure == nil)
        #expect(status.role == .follower)
        #expect(status.lastIndex < lastBefore)
        #expect(status.logEndOffset > Offset(1), "cut at the bad batch, not at the start")
        #expect(status.refillingThrough == lastBefore)

        try await cluster.waitUntil("the damaged replica has refilled and votes again") {
            guard try await cluster.allCaughtUp() else { return false }
            return try await cluster.statuses()[damaged]?[group]?.refillingThrough == nil
        }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)

        // It votes again: with one of the others gone, a leader needs its vote (or is it).
        let leader = try #require(try await cluster.agreedLeaders()?[group]?.leader)
        let gone = leader == damaged ? try #require(cluster.ids.first { $0 != damaged }) : leader
        try await cluster.stop(gone)
        try await cluster.waitUntil("the damaged replica and the other elect a leader") { try await cluster.agreedLeaders() != nil }
        try await cluster.stopAll()
    }

    @Test func aSealedSegmentThatRotsWhileNothingReadsItIsFoundByTheScrubAndRefilled() async throws {
        let (cluster, group, leader, damaged) = try await Self.scrubbedGroupWithCommittedLog()
        // No consumer and no lagging follower reads this old batch again: only a re-read finds it.
        try Self.flipLastByte(of: .firstWithData, in: cluster.directory(of: damaged, group: group))

        try await cluster.waitUntil("the scrub found the damage and the replica refilled") {
            guard try await cluster.hosts[damaged]!.run({ $0.counters.scrubDamageFound }) == 1 else { return false }
            guard try await cluster.allCaughtUp() else { return false }
            let status = try await cluster.statuses()[damaged]?[group]
            return status?.refillingThrough == nil && (status?.scrubPasses ?? 0) >= 1
        }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)
        let intact = try await cluster.hosts[leader]!.run { $0.counters }
        #expect(intact.scrubDamageFound == 0, "the intact replicas' scrubs find nothing")
        #expect(intact.scrubPasses >= 2, "passes repeat after their interval")
        try await cluster.stopAll()
    }

    /// One group on three hosts that scrub every 10 ticks, with sealed segments committed on
    /// every replica and nothing in flight that reads them; its leader, and a follower to damage.
    static func scrubbedGroupWithCommittedLog() async throws -> (HostCluster, RaftGroupID, NodeID, NodeID) {
        var options = RaftHostTests.options
        options.scrubIntervalTicks = 10
        let cluster = try await HostCluster(groupCount: 1, root: NSTemporaryDirectory(), options: options)
        let group = RaftGroupID(1)
        try await cluster.waitUntil("the group has a leader") { try await cluster.agreedLeaders() != nil }
        try await commitSealedSegmentsAndQuiesce(cluster)
        let leader = try #require(try await cluster.agreedLeaders()?[group]?.leader)
        return (cluster, group, leader, try #require(cluster.ids.first { $0 != leader }))
    }

    /// Writes `epoch` into the leader-epoch field of the first batch of one segment: bytes 12-15,
    /// outside the batch's CRC32C, so every checksum still holds.
    static func setEpochOfFirstBatch(of choice: SegmentChoice, in directory: String, to epoch: Int32) throws {
        let file = try openSegment(choice, in: directory)
        defer { try? file.close() }
        try file.seek(toOffset: 12)
        try file.write(contentsOf: withUnsafeBytes(of: epoch.bigEndian) { Data($0) })
    }

    /// Found by a 30-minute chaos run: a flipped leader epoch (no checksum covers it) left a
    /// replica whose last term disagreed with its leader's, so replication to it stopped for good.
    @Test func aLeaderEpochDamagedOutsideTheChecksumIsCutAtOpenOrFoundByTheScrubAndRefilled() async throws {
        let (cluster, group, leader, damaged) = try await Self.scrubbedGroupWithCommittedLog()

        // A term no replica ever had, on the newest segment of a stopped replica: open cuts it.
        try await cluster.stop(damaged)
        try Self.setEpochOfFirstBatch(of: .last, in: cluster.directory(of: damaged, group: group), to: 0x7FFF_0000)
        try await cluster.restart(damaged)
        try await cluster.waitUntil("the replica with an impossible term refilled") {
            guard try await cluster.allCaughtUp() else { return false }
            return try await cluster.statuses()[damaged]?[group]?.refillingThrough == nil
        }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)

        // An epoch that disagrees with the log's record, in a sealed segment of a running
        // replica: only the scrub re-reads it.
        try Self.setEpochOfFirstBatch(of: .firstWithData, in: cluster.directory(of: damaged, group: group), to: 0)
        try await cluster.waitUntil("the scrub found the epoch and the replica refilled") {
            guard try await cluster.hosts[damaged]!.run({ $0.counters.scrubDamageFound }) >= 1 else { return false }
            guard try await cluster.allCaughtUp() else { return false }
            return try await cluster.statuses()[damaged]?[group]?.refillingThrough == nil
        }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)
        try await cluster.stopAll()
    }

    @Test func aLeaderThatMeetsADamagedBatchSendingToAFollowerStepsBackToRefillInsteadOfStopping() async throws {
        let cluster = try await HostCluster(groupCount: 1, root: NSTemporaryDirectory(), options: RaftHostTests.options)
        let group = RaftGroupID(1)
        try await cluster.waitUntil("the group has a leader") { try await cluster.agreedLeaders() != nil }
        let damaged = try #require(try await cluster.agreedLeaders()?[group]?.leader)
        let absent = try #require(cluster.ids.first { $0 != damaged })
        try await cluster.stop(absent)
        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 80, firstTag: 0)
        // The absent follower needs the batch that is now bad: the leader reads it to send it.
        try Self.flipLastByte(of: .last, in: cluster.directory(of: damaged, group: group))
        try await cluster.restart(absent)

        try await cluster.waitUntil("the damaged replica has refilled and votes again") {
            guard try await cluster.allCaughtUp() else { return false }
            return try await cluster.statuses()[damaged]?[group]?.refillingThrough == nil
        }
        let leader = try #require(try await cluster.agreedLeaders()?[group]?.leader)
        #expect(leader != damaged, "the damaged leader was reopened as a follower that does not campaign")
        try await RaftHostTests.expectByteIdenticalLogs(cluster)
        try await cluster.stopAll()
    }
}
