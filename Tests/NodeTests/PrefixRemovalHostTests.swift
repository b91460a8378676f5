import ClusterMetadata
import Foundation
import Raft
import Storage
import Testing
@testable import Node

/// Prefix removal in running hosts: retention (each replica on its own) and log-start entries
/// (DeleteRecords, agreed through Raft).
@Suite(.serialized) struct PrefixRemovalHostTests {
    static let options: RaftHostOptions = {
        var options = RaftHostTests.options
        options.retentionCheckIntervalTicks = 1
        return options
    }()

    /// Keeps at most 0 bytes: every sealed segment below what the replica applied goes.
    static let keepNothing = RetentionPolicy(retentionMs: nil, retentionBytes: 0)

    static func setRetention(_ policies: [RaftGroupID: RetentionPolicy], on nodes: [TestHost]) async throws {
        for node in nodes { try await node.run { $0.retentionPolicies = policies } }
    }

    static func segmentCount(in directory: String) throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: directory).filter { $0.hasSuffix(".log") }.count
    }

    static func proposeLogStart(_ offset: Offset, to group: RaftGroupID, on node: TestHost) async throws -> Result<Offset, ProposalFailure> {
        try await withCheckedThrowingContinuation { continuation in
            do {
                try node.loop.execute { node.host.proposeLogStart(offset, to: group) { continuation.resume(returning: $0) } }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    @Test func retentionDeletesSealedSegmentsByAgeOrSizeOnEveryReplicaAndLeavesGroupsWithoutAPolicyWhole() async throws {
        let cluster = try await HostCluster(groupCount: 3, root: NSTemporaryDirectory(), options: Self.options)
        try await cluster.waitUntil("every group has a leader") { try await cluster.agreedLeaders() != nil }
        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 80, firstTag: 0)
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        let (bySize, byAge, exempt) = (RaftGroupID(1), RaftGroupID(2), RaftGroupID(3))
        // The batches' timestamps are from 2023: a day's retention has expired all of them.
        try await Self.setRetention(
            [bySize: Self.keepNothing, byAge: RetentionPolicy(retentionMs: 86_400_000, retentionBytes: nil)],
            on: Array(cluster.hosts.values))

        try await cluster.waitUntil("every replica of the trimmed groups kept only its active segment") {
            try cluster.ids.allSatisfy { id in
                try [bySize, byAge].allSatisfy { try Self.segmentCount(in: cluster.directory(of: id, group: $0)) == 1 }
            }
        }
        let statuses = try await cluster.statuses()
        for id in cluster.ids {
            for group in [bySize, byAge] {
                let status = try #require(statuses[id]?[group])
                #expect(status.logStartOffset > 0 && status.logStartOffset <= status.highWatermark)
                #expect(status.logEndOffset == status.highWatermark, "the active segment and its data stay")
            }
            #expect(statuses[id]?[exempt]?.logStartOffset == 0)
            #expect(try Self.segmentCount(in: cluster.directory(of: id, group: exempt)) > 1)
        }
        let deleted = try await cluster.hosts.values.asyncMap { try await $0.run { $0.counters.retentionSegmentsDeleted } }
        #expect(deleted.allSatisfy { $0 > 0 })
        try await RaftHostTests.expectByteIdenticalLogs(cluster)
        try await cluster.stopAll()
    }

    @Test func retentionNeverDeletesPastTheCommitIndex() async throws {
        let cluster = try await HostCluster(groupCount: 1, root: NSTemporaryDirectory(), options: Self.options)
        let group = RaftGroupID(1)
        try await cluster.waitUntil("the group has a leader") { try await cluster.agreedLeaders() != nil }
        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 80, firstTag: 0)
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        let leader = try #require(try await cluster.agreedLeaders()?[group]?.leader)
        for id in cluster.ids where id != leader { try await cluster.stop(id) }
        let node = try #require(cluster.hosts[leader])
        let committed = try #require(try await cluster.statuses()[leader]?[group])

        // Alone, the leader appends what it can never commit: several sealed segments' worth.
        try await node.run { host in
            for tag in 100..<260 { host.propose(HostCluster.batch(tag), to: group) { _ in } }
        }
        try await cluster.waitUntil("the leader appended the uncommitted batches") {
            try await cluster.statuses()[leader]?[group]?.logEndOffset ?? 0 >= committed.logEndOffset.advanced(by: 320)
        }
        let ticks = try await node.run { $0.counters.ticks }
        try await Self.setRetention([group: Self.keepNothing], on: [node])
        try await cluster.waitUntil("a few retention checks ran") { try await node.run { $0.counters.ticks } >= ticks + 5 }

        let status = try #require(try await cluster.statuses()[leader]?[group])
        #expect(status.highWatermark == committed.highWatermark, "nothing more committed")
        #expect(status.logStartOffset > 0, "committed sealed segments went")
        #expect(status.logStartOffset <= status.highWatermark, "uncommitted data stays")
        #expect(try Self.segmentCount(in: cluster.directory(of: leader, group: group)) > 1)
        try await cluster.stopAll()
    }

    @Test func aFollowerBehindAPrefixItsLeaderRemovedIsResetToTheLeadersStartAndConvergesByteIdentical() async throws {
        let cluster = try await HostCluster(groupCount: 1, root: NSTemporaryDirectory(), options: Self.options)
        let group = RaftGroupID(1)
        try await cluster.waitUntil("the group has a leader") { try await cluster.agreedLeaders() != nil }
        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 20, firstTag: 0)
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        let leader = try #require(try await cluster.agreedLeaders()?[group]?.leader)
        let behind = try #require(cluster.ids.first { $0 != leader })
        let behindEnd = try #require(try await cluster.statuses()[behind]?[group]?.logEndOffset)
        try await cluster.stop(behind)

        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 120, firstTag: 100)
        try await Self.setRetention([group: Self.keepNothing], on: Array(cluster.hosts.values))
        try await cluster.waitUntil("the live replicas removed everything the stopped one holds") {
            try await cluster.statuses().values.allSatisfy { ($0[group]?.logStartOffset ?? 0) > behindEnd }
        }
        try await cluster.restart(behind)
        try await cluster.waitUntil("the lagging replica was reset and caught up") {
            guard try await cluster.allCaughtUp() else { return false }
            return try await cluster.statuses()[behind]?[group]?.logStartOffset ?? 0 > behindEnd
        }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)

        // And it keeps following: later entries reach it as appends.
        _ = try await RaftHostTests.proposeEverywhere(cluster, count: 10, firstTag: 500)
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)
        try await cluster.stopAll()
    }

    @Test func aLogStartEntryMovesTheStartOfEveryReplicaSurvivesARestartAndRefusesOffsetsPastTheHighWaterMark() async throws {
        let cluster = try await HostCluster(groupCount: 1, root: NSTemporaryDirectory(), options: Self.options)
        let group = RaftGroupID(1)
        try await cluster.waitUntil("the group has a leader") { try await cluster.agreedLeaders() != nil }
        let ranges = try await RaftHostTests.proposeEverywhere(cluster, count: 40, firstTag: 0)[group]!.sorted { $0.lowerBound < $1.lowerBound }
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        let leaderStatus = try #require(try await cluster.agreedLeaders()?[group])
        let leader = try #require(cluster.hosts[leaderStatus.leader!])
        let follower = try #require(cluster.hosts.values.first { $0.id != leader.id })

        let past = try await Self.proposeLogStart(leaderStatus.highWatermark.advanced(by: 1), to: group, on: leader)
        guard case .failure(.invalidBatch(_)) = past else { throw Failure("past the high-water mark: \(past)") }
        let notLeader = try await Self.proposeLogStart(ranges[5].lowerBound, to: group, on: follower)
        #expect(notLeader == .failure(.notLeader(leaderHint: leader.id)))

        // Inside a batch: Raft removes whole entries, so the start stops at the batch's first offset.
        let inside = try await Self.proposeLogStart(ranges[10].upperBound, to: group, on: leader)
        #expect(inside == .success(ranges[10].lowerBound))
        try await cluster.waitUntil("every replica applied the first log start") {
            try await cluster.statuses().values.allSatisfy { $0[group]?.logStartOffset == ranges[10].lowerBound }
        }
        let moved = try await Self.proposeLogStart(ranges[30].lowerBound, to: group, on: leader)
        #expect(moved == .success(ranges[30].lowerBound))
        let below = try await Self.proposeLogStart(ranges[20].lowerBound, to: group, on: leader)
        #expect(below == .success(ranges[30].lowerBound), "a start never moves back")
        try await cluster.waitUntil("every replica applied the second log start") {
            try await cluster.statuses().values.allSatisfy { $0[group]?.logStartOffset == ranges[30].lowerBound }
        }
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)

        try await cluster.stopAll()
        for id in cluster.ids { try await cluster.restart(id) }
        try await cluster.waitUntil("the restarted group has a leader") { try await cluster.agreedLeaders() != nil }
        let restarted = try await cluster.statuses()
        #expect(cluster.ids.allSatisfy { restarted[$0]?[group]?.logStartOffset == ranges[30].lowerBound })
        // The new leader's first entry reaches every replica before the logs are compared.
        try await cluster.waitUntil("every replica has committed the new leader's log") { try await cluster.allCaughtUp() }
        try await RaftHostTests.expectByteIdenticalLogs(cluster)
        try await cluster.stopAll()
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }
}
