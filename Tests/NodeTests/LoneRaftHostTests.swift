import ClusterMetadata
import Foundation
import Raft
import Storage
import Testing
import Transport
@testable import Node

/// One host without peers: the test hands frames over and drives single-voter groups.
@Suite struct LoneRaftHostTests {
    /// A host of one single-voter group (it elects itself), run on its own loop.
    static func withLoneHost(_ body: @escaping @Sendable (RaftHost) throws -> Void) async throws {
        let root = NSTemporaryDirectory() + "tributary-host-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let loop = try EventLoop(name: "lone", limits: HostCluster.limits)
        defer { loop.shutdown() }
        try await loop.submit {
            let host = try RaftHost(loop: loop, localID: NodeID(1), options: RaftHostTests.options, seed: 1) { _, _ in .rejectedClosed }
            defer { host.close() }
            try host.addGroup(RaftGroupID(1), directory: root + "/g1", membership: Membership(voters: [NodeID(1)]))
            try body(host)
        }
    }

    @Test func malformedFramesAreDroppedWholeAndCounted() async throws {
        try await Self.withLoneHost { host in
            host.receive(PeerFrame(kind: RaftBatchFrame.kind, body: [0, 0, 0, 9, 1, 2, 3]), from: NodeID(2))
            host.receive(PeerFrame(kind: 42, body: []), from: NodeID(2))
            // A valid heartbeat after a truncated second entry: nothing of the frame is stepped.
            var outbox = PeerOutbox(bodyBytesMax: 1 << 10)
            outbox.add(Message(from: NodeID(2), to: NodeID(1), term: Term(99), body: .heartbeat(commit: .zero)), group: RaftGroupID(1))
            outbox.add(Message(from: NodeID(2), to: NodeID(1), term: Term(99), body: .heartbeatResponse), group: RaftGroupID(1))
            let body = outbox.takeFrames()[0].frame.body
            host.receive(PeerFrame(kind: RaftBatchFrame.kind, body: Array(body.dropLast())), from: NodeID(2))
            #expect(host.counters.framesReceived == 3)
            #expect(host.counters.malformedFrames == 3)
            #expect(host.status(of: RaftGroupID(1))?.term != Term(99))
        }
    }

    @Test func messagesForGroupsNotHostedHereAreDroppedAndCounted() async throws {
        try await Self.withLoneHost { host in
            var outbox = PeerOutbox(bodyBytesMax: 1 << 10)
            for group in [RaftGroupID(5), RaftGroupID(6)] {
                outbox.add(Message(from: NodeID(2), to: NodeID(1), term: Term(3), body: .heartbeat(commit: .zero)), group: group)
            }
            host.receive(outbox.takeFrames()[0].frame, from: NodeID(2))
            #expect(host.counters.messagesForUnknownGroups == 2)
            #expect(host.counters.malformedFrames == 0)
        }
    }

    @Test func controlAndOversizedBatchesAreRefusedBeforeTheyReachTheLog() async throws {
        try await Self.withLoneHost { host in
            let control = RecordBatchBuilder.controlBatch(type: ControlRecordType(rawValue: 0), value: [], timestamp: 0)
            var outcome: Result<ClosedRange<Offset>, ProposalFailure>?
            host.propose(control, to: RaftGroupID(1)) { outcome = $0 }
            guard case .failure(.invalidBatch) = outcome else { Issue.record("control batch: \(String(describing: outcome))"); return }
            let big = HostCluster.batch(1, records: 200)
            #expect(big.header.totalBytes > RaftHostTests.options.logOptions.limits.batchBytesMax)
            host.propose(big, to: RaftGroupID(1)) { outcome = $0 }
            guard case .failure(.invalidBatch) = outcome else { Issue.record("big batch: \(String(describing: outcome))"); return }
        }
    }

    @Test func aSingleVoterGroupElectsItselfCommitsAtItsOffsetsAndRemovalFailsWhatIsPending() async throws {
        let root = NSTemporaryDirectory() + "tributary-host-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let loop = try EventLoop(name: "lone", limits: HostCluster.limits)
        defer { loop.shutdown() }
        let host: RaftHost = try await withCheckedThrowingContinuation { continuation in
            do {
                try loop.execute {
                    do {
                        let host = try RaftHost(loop: loop, localID: NodeID(1), options: RaftHostTests.options, seed: 1) { _, _ in
                            .rejectedClosed
                        }
                        var waiting: CheckedContinuation<RaftHost, Error>? = continuation
                        host.onStatusChange = { status in
                            guard status.role == .leader, let leading = waiting else { return }
                            waiting = nil
                            leading.resume(returning: host)
                        }
                        try host.addGroup(RaftGroupID(1), directory: root + "/g1", membership: Membership(voters: [NodeID(1)]))
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
        // The leader's no-op took offset 0.
        let committed = await host.propose(HostCluster.batch(1, records: 2), to: RaftGroupID(1))
        #expect(committed == .success(Offset(1)...Offset(2)))
        let status = try await loop.submit { host.status(of: RaftGroupID(1)) }
        #expect(status?.highWatermark == Offset(3))
        // Proposed and removed in the same turn: accepted by the leader, then stopped.
        let stopped = try await loop.submit { () -> Result<ClosedRange<Offset>, ProposalFailure>? in
            var outcome: Result<ClosedRange<Offset>, ProposalFailure>?
            host.propose(HostCluster.batch(2), to: RaftGroupID(1)) { outcome = $0 }
            #expect(outcome == nil)
            host.removeGroup(RaftGroupID(1))
            return outcome
        }
        #expect(stopped == .failure(.groupStopped))
        try await loop.submit { host.close() }
    }

    @Test func aRemovedGroupIsUnknownToProposalsAndMessages() async throws {
        try await Self.withLoneHost { host in
            var outcome: Result<ClosedRange<Offset>, ProposalFailure>?
            // Not yet leader (no tick has run): refused with no hint.
            host.propose(HostCluster.batch(1), to: RaftGroupID(1)) { outcome = $0 }
            #expect(outcome == .failure(.notLeader(leaderHint: nil)))
            #expect(throws: RaftHostError.self) {
                try host.addGroup(RaftGroupID(1), directory: "/nonexistent", membership: Membership(voters: [NodeID(1)]))
            }
            host.removeGroup(RaftGroupID(1))
            host.propose(HostCluster.batch(2), to: RaftGroupID(1)) { outcome = $0 }
            #expect(outcome == .failure(.unknownGroup(RaftGroupID(1))))
            var outbox = PeerOutbox(bodyBytesMax: 1 << 10)
            outbox.add(Message(from: NodeID(2), to: NodeID(1), term: Term(3), body: .heartbeatResponse), group: RaftGroupID(1))
            host.receive(outbox.takeFrames()[0].frame, from: NodeID(2))
            #expect(host.counters.messagesForUnknownGroups == 1)
            #expect(host.groupIDs.isEmpty)
        }
    }
}
