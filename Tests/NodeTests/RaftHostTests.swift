import ClusterMetadata
import Foundation
import Raft
import Storage
import Testing
import Transport
@testable import Node

/// Three hosts, each on its own event loop, talking over loopback TCP, with real directories.
@Suite(.serialized) struct RaftHostTests {
    static let options = RaftHostOptions(
        tickInterval: .milliseconds(20), electionTimeoutTicks: 10, heartbeatIntervalTicks: 1, appendBytesMax: 16 << 10,
        proposalTimeoutTicks: 1_000, logOptions: PartitionLogOptions(limits: .testMin))

    /// Proposes `count` batches to every group's leader at once (so cycles carry many) and
    /// expects every one to commit at its own offsets.
    static func proposeEverywhere(
        _ cluster: HostCluster, count: Int, firstTag: Int
    ) async throws -> [RaftGroupID: [ClosedRange<Offset>]] {
        let leaders = try #require(try await cluster.agreedLeaders())
        return try await withThrowingTaskGroup(of: (RaftGroupID, Result<ClosedRange<Offset>, ProposalFailure>).self) { tasks in
            for group in cluster.groups {
                let leader = leaders[group]!.leader!
                for tag in firstTag..<(firstTag + count) {
                    tasks.addTask { (group, await cluster.propose(HostCluster.batch(tag), to: group, leader: leader)) }
                }
            }
            var committed: [RaftGroupID: [ClosedRange<Offset>]] = [:]
            for try await (group, result) in tasks {
                switch result {
                case .success(let offsets): committed[group, default: []].append(offsets)
                case .failure(let failure): Issue.record("proposal to \(group) failed: \(failure)")
                }
            }
            return committed
        }
    }

    /// Makes all `proposals` (group, batch tag) on host `id` within one turn of its loop, so
    /// that one host cycle carries them all.
    static func proposeInOneTurn(
        _ cluster: HostCluster, on id: NodeID, _ proposals: [(RaftGroupID, Int)]
    ) async throws -> CollectedResults.Results {
        let node = cluster.hosts[id]!
        return try await withCheckedThrowingContinuation { continuation in
            do {
                try node.loop.execute {
                    let collected = CollectedResults(expecting: proposals.count, continuation: continuation)
                    for (group, tag) in proposals { node.host.propose(HostCluster.batch(tag), to: group) { collected.add($0) } }
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Every live replica of every group holds the same bytes, from the latest log start among
    /// them (replicas remove prefixes on their own).
    static func expectByteIdenticalLogs(_ cluster: HostCluster) async throws {
        let statuses = try await cluster.statuses()
        for group in cluster.groups {
            let ids = cluster.hosts.keys.sorted()
            let start = ids.compactMap { statuses[$0]?[group]?.logStartOffset }.max() ?? 0
            let reference = try await cluster.logBytes(of: ids[0], group: group, from: start)
            #expect(!reference.isEmpty)
            for id in ids.dropFirst() {
                let bytes = try await cluster.logBytes(of: id, group: group, from: start)
                #expect(bytes == reference, "\(group) on \(id) differs from \(ids[0])")
            }
        }
    }

    @Test func sixGroupsOnThreeHostsElectLeadersCommitProposalsAndHoldByteIdenticalLogs() async throws {
        let cluster = try await HostCluster(groupCount: 6, root: NSTemporaryDirectory(), options: Self.options)
        try await cluster.waitUntil("every group has a leader") { try await cluster.agreedLeaders() != nil }

        let committed = try await Self.proposeEverywhere(cluster, count: 20, firstTag: 0)
        for group in cluster.groups {
            let ranges = (committed[group] ?? []).sorted { $0.lowerBound < $1.lowerBound }
            #expect(ranges.count == 20, "\(group) committed \(ranges.count) of 20")
            // Each batch of 2 records got 2 offsets of its own; none overlap.
            #expect(ranges.allSatisfy { $0.count == 2 })
            #expect(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound < $1.lowerBound })
        }
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        try await Self.expectByteIdenticalLogs(cluster)

        let counters = try await cluster.hosts.values.asyncMap { try await $0.run { $0.counters } }
        // (Messages for unknown groups are legitimate here: a node that added its groups first
        // may campaign before the others have added theirs.)
        #expect(counters.allSatisfy { $0.malformedFrames == 0 })
        let batches = counters.map(\.syncBatches).reduce(0, +), syncs = counters.map(\.groupSyncs).reduce(0, +)
        print("6 groups, 120 proposals: \(syncs) group syncs (elections included) in \(batches) offloaded jobs")

        // A follower points at the leader; an unknown group is named.
        let leaders = try #require(try await cluster.agreedLeaders())
        let leader = try #require(leaders[RaftGroupID(1)]?.leader)
        let follower = try #require(cluster.ids.first { $0 != leader })
        let refused = await cluster.propose(HostCluster.batch(999), to: RaftGroupID(1), leader: follower)
        #expect(refused == .failure(.notLeader(leaderHint: leader)))
        let unknown = await cluster.propose(HostCluster.batch(999), to: RaftGroupID(77), leader: leader)
        #expect(unknown == .failure(.unknownGroup(RaftGroupID(77))))
        try await cluster.stopAll()
    }

    @Test func proposalsMadeInOneLoopTurnShareOneSyncOnEachReplica() async throws {
        let cluster = try await HostCluster(groupCount: 1, root: NSTemporaryDirectory(), options: Self.options)
        try await cluster.waitUntil("the group has a leader") { try await cluster.agreedLeaders() != nil }
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        let group = RaftGroupID(1)
        let leader = try #require(try await cluster.agreedLeaders()?[group]?.leader)
        let ids = cluster.ids
        let before = try await ids.asyncMap { try await cluster.hosts[$0]!.run { $0.counters.groupSyncs } }

        let proposalCount = 20
        let results = try await Self.proposeInOneTurn(cluster, on: leader, (0..<proposalCount).map { (group, $0) })
        #expect(results.allSatisfy { if case .success = $0 { true } else { false } }, "\(results)")
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        let after = try await ids.asyncMap { try await cluster.hosts[$0]!.run { $0.counters.groupSyncs } }
        let syncs = zip(after, before).map { $0 - $1 }
        print("\(proposalCount) proposals in one turn: group syncs per replica \(syncs)")
        // One sync per replica for all of them (two if a heartbeat split the follower's append);
        // a sync per proposal would be 20.
        #expect(syncs.allSatisfy { $0 >= 1 && $0 <= 2 })
        try await cluster.stopAll()
    }

    @Test func manyGroupsWrittenInOneCycleShareOneFilesystemSyncAndStayIdentical() async throws {
        try #require(FilesystemSync.reportsWritebackErrors, "this kernel's syncfs does not report writeback errors")
        var options = Self.options
        options.filesystemSyncGroupsMin = 3
        let cluster = try await HostCluster(groupCount: 12, root: NSTemporaryDirectory(), options: options)
        try await cluster.waitUntil("every group has a leader") { try await cluster.agreedLeaders() != nil }
        let leaders = try #require(try await cluster.agreedLeaders())
        let busiest = Dictionary(grouping: cluster.groups, by: { leaders[$0]!.leader! }).max { $0.value.count < $1.value.count }!
        let before = try await cluster.hosts[busiest.key]!.run { $0.counters.filesystemSyncs }

        // The host leading the most groups leads at least 4 of the 12: one turn of proposals to
        // all of them is one cycle with at least 4 logs to sync.
        let results = try await Self.proposeInOneTurn(cluster, on: busiest.key, busiest.value.map { ($0, 1) })
        #expect(results.allSatisfy { if case .success = $0 { true } else { false } }, "\(results)")
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        try await Self.expectByteIdenticalLogs(cluster)
        let used = try await cluster.hosts[busiest.key]!.run { $0.counters.filesystemSyncs } - before
        print("\(busiest.value.count) groups proposed to in one turn: \(used) filesystem syncs on their leader")
        #expect(used >= 1)
        try await cluster.stopAll()
    }

    @Test func whenTheHostLeadingMostGroupsStopsOthersTakeOverAndItCatchesUpOnRestart() async throws {
        let cluster = try await HostCluster(groupCount: 6, root: NSTemporaryDirectory(), options: Self.options)
        try await cluster.waitUntil("every group has a leader") { try await cluster.agreedLeaders() != nil }
        _ = try await Self.proposeEverywhere(cluster, count: 5, firstTag: 0)

        let leaders = try #require(try await cluster.agreedLeaders())
        let counts = Dictionary(grouping: leaders.values.compactMap(\.leader), by: { $0 }).mapValues(\.count)
        let victim = counts.max { $0.value < $1.value }!.key
        let stoppedAt = ContinuousClock.now
        try await cluster.stop(victim)
        try await cluster.waitUntil("every group has a leader among the survivors") {
            guard let leaders = try await cluster.agreedLeaders() else { return false }
            return leaders.values.allSatisfy { $0.leader != victim }
        }
        print("failover: \(counts[victim]!) groups led by \(victim) had new leaders after \(ContinuousClock.now - stoppedAt)")

        let afterFailover = try await Self.proposeEverywhere(cluster, count: 5, firstTag: 100)
        #expect(cluster.groups.allSatisfy { afterFailover[$0]?.count == 5 })

        try await cluster.restart(victim)
        try await cluster.waitUntil("the restarted host has caught up") {
            try await cluster.allCaughtUp()
        }
        _ = try await Self.proposeEverywhere(cluster, count: 5, firstTag: 200)
        try await cluster.waitUntil("every replica has committed its leader's log") { try await cluster.allCaughtUp() }
        try await Self.expectByteIdenticalLogs(cluster)
        try await cluster.stopAll()
    }

    @Test func aHostThatHandsOffLeadershipBeforeStoppingLeadsNoGroupAndCommitsGoOnWithoutIt() async throws {
        let cluster = try await HostCluster(groupCount: 6, root: NSTemporaryDirectory(), options: Self.options)
        try await cluster.waitUntil("every group has a leader") { try await cluster.agreedLeaders() != nil }
        _ = try await Self.proposeEverywhere(cluster, count: 3, firstTag: 0)
        let leaders = try #require(try await cluster.agreedLeaders())
        let counts = Dictionary(grouping: leaders.values.compactMap(\.leader), by: { $0 }).mapValues(\.count)
        let leaving = counts.max { $0.value < $1.value }!.key

        let startedAt = ContinuousClock.now
        let handedOff = try await cluster.hosts[leaving]!.run { $0.handOffLeadership() }
        #expect(handedOff.count == counts[leaving])
        try await cluster.waitUntil("no group is led by \(leaving)") {
            guard let leaders = try await cluster.agreedLeaders() else { return false }
            return leaders.values.allSatisfy { $0.leader != leaving }
        }
        print("hand-off: \(handedOff.count) groups left \(leaving) after \(ContinuousClock.now - startedAt)")
        try await cluster.stop(leaving)
        let afterStop = try await Self.proposeEverywhere(cluster, count: 3, firstTag: 100)
        #expect(cluster.groups.allSatisfy { afterStop[$0]?.count == 3 })
        try await cluster.stopAll()
    }

    @Test func aLeaderCutOffFromItsFollowersNeverReportsAProposalCommitted() async throws {
        var options = Self.options
        options.proposalTimeoutTicks = 30
        let cluster = try await HostCluster(groupCount: 1, root: NSTemporaryDirectory(), options: options)
        try await cluster.waitUntil("the group has a leader") { try await cluster.agreedLeaders() != nil }
        let leader = try #require(try await cluster.agreedLeaders()?[RaftGroupID(1)]?.leader)
        for id in cluster.ids where id != leader { try await cluster.stop(id) }

        let outcome = await cluster.propose(HostCluster.batch(1), to: RaftGroupID(1), leader: leader)
        print("proposal to a leader without followers: \(outcome)")
        // Still leader (check-quorum has not yet stepped it down): it times out; else refused.
        switch outcome {
        case .failure(.timedOut), .failure(.notLeader): break
        default: Issue.record("expected a timeout or a refusal, got \(outcome)")
        }
        let status = try #require(try await cluster.statuses()[leader]?[RaftGroupID(1)])
        #expect(status.highWatermark <= Offset(1), "nothing but the no-op may be committed")
        try await cluster.stopAll()
    }

    @Test func threeHundredGroupsOnThreeHostsElectLeadersAndPeerFramesPerTickStayBounded() async throws {
        // tmpfs when there is one: 900 replicas create 900 directories with fsynced files, which
        // on a shared disk measures the disk, not the host.
        let root = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        var options = Self.options
        options.tickInterval = .milliseconds(50)
        let startedAt = ContinuousClock.now
        let cluster = try await HostCluster(groupCount: 300, root: root, options: options)
        try await cluster.waitUntil("all 300 groups have a leader", timeout: .seconds(180)) {
            try await cluster.agreedLeaders() != nil
        }
        print("300 groups on 3 hosts: every group had a leader \(ContinuousClock.now - startedAt) after start")

        let ids = cluster.hosts.keys.sorted()
        let before = try await ids.asyncMap { try await cluster.hosts[$0]!.run { $0.counters } }
        let windowTicks: UInt64 = 20
        try await cluster.waitUntil("\(windowTicks) more ticks on every host") {
            let now = try await ids.asyncMap { try await cluster.hosts[$0]!.run { $0.counters.ticks } }
            return zip(now, before).allSatisfy { $0 >= $1.ticks + windowTicks }
        }
        let after = try await ids.asyncMap { try await cluster.hosts[$0]!.run { $0.counters } }
        let peerCount = ids.count - 1
        for (id, (start, end)) in zip(ids, zip(before, after)) {
            let ticks = Double(end.ticks - start.ticks)
            let frames = Double(end.framesSent - start.framesSent)
            let messages = Double(end.messagesSent - start.messagesSent)
            print("\(id): \(frames / ticks) frames and \(messages / ticks) Raft messages per tick to \(peerCount) peers")
            // Per tick and peer: this host's heartbeats, and its answers to the peer's, each
            // one frame whatever the group count; twice that leaves room for a turn that split
            // them. Without coalescing it would be one frame per message: hundreds.
            #expect(frames / ticks <= Double(4 * peerCount), "\(id) sent \(frames) frames in \(ticks) ticks")
            #expect(end.malformedFrames == 0)
            #expect(end.messagesForUnknownGroups == start.messagesForUnknownGroups, "every group is hosted everywhere by now")
        }
        try await cluster.stopAll()
    }
}

/// Gathers a fixed number of proposal results on a loop and hands them over once complete.
final class CollectedResults {
    typealias Results = [Result<ClosedRange<Offset>, ProposalFailure>]
    private let expected: Int
    private let continuation: CheckedContinuation<Results, Error>
    private var results: Results = []

    init(expecting expected: Int, continuation: CheckedContinuation<Results, Error>) {
        self.expected = expected
        self.continuation = continuation
    }

    func add(_ result: Result<ClosedRange<Offset>, ProposalFailure>) {
        results.append(result)
        if results.count == expected { continuation.resume(returning: results) }
    }
}

extension Sequence {
    /// `map` with an async transform, in order.
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var results: [T] = []
        for element in self { results.append(try await transform(element)) }
        return results
    }
}
