import Testing
@testable import Broker
import SeededRandom

@Suite("Group coordinator: committed offsets and replay")
struct GroupOffsetTests {
    @Test func aGrouplessCommitCreatesTheGroupAndFetchReturnsIt() {
        var h = GroupHarness()
        let outcome = h.commit(["a": 10, "b": 20])
        #expect(outcome.results.map(\.error) == [nil, nil])
        #expect(outcome.results.map(\.previousOffset) == [nil, nil])
        #expect(h.state == .empty)
        let all = h.coordinator.fetchOffsets(groupId: GroupHarness.groupId, partitions: nil)
        #expect(all.map(\.partition.topic) == ["a", "b"])
        #expect(all.map { $0.committed?.offset } == [10, 20])
        let listed = h.coordinator.fetchOffsets(
            groupId: GroupHarness.groupId, partitions: [TopicPartition(topic: "b", partition: 0), TopicPartition(topic: "c", partition: 0)])
        #expect(listed.map { $0.committed?.offset } == [20, nil])
    }

    @Test func aCommitReportsThePreviousOffsetSoACheckerCanSeeAMoveBackwards() {
        var h = GroupHarness()
        _ = h.commit(["a": 10])
        let reset = h.commit(["a": 3])
        #expect(reset.results.first?.error == nil, "Kafka accepts any offset: a lower one is a reset")
        #expect(reset.results.first?.previousOffset == 10)
        #expect(h.coordinator.fetchOffsets(groupId: GroupHarness.groupId, partitions: nil).first?.committed?.offset == 3)
    }

    @Test func commitsFromAStaleGenerationAreRejectedAndChangeNothing() {
        var h = GroupHarness()
        let (first, generation) = h.stableSingleMember()
        #expect(h.commit(memberId: first, generationId: generation, ["a": 5]).results.first?.error == nil)
        let stale = h.commit(memberId: first, generationId: generation - 1, ["a": 1])
        #expect(stale.results.first?.error == .illegalGeneration)
        #expect(stale.effects.records.isEmpty)
        #expect(h.commit(memberId: "stranger", generationId: generation, ["a": 1]).results.first?.error == .unknownMemberId)
        #expect(h.commit(["a": 1]).results.first?.error == .unknownMemberId, "groupless commits need an Empty group")
        #expect(h.coordinator.fetchOffsets(groupId: GroupHarness.groupId, partitions: nil).first?.committed?.offset == 5)
    }

    @Test func commitsWhileTheGroupAwaitsItsAssignmentAreRefusedButAllowedWhilePreparing() throws {
        var h = GroupHarness()
        let (first, generation) = h.stableSingleMember()
        _ = h.join(GroupHarness.joinRequest())
        #expect(h.state == .preparingRebalance)
        #expect(h.commit(memberId: first, generationId: generation, ["a": 1]).results.first?.error == nil)
        let rejoined = try #require(h.joins[h.join(GroupHarness.joinRequest(memberId: first))])
        #expect(h.state == .completingRebalance)
        let early = h.commit(memberId: first, generationId: rejoined.generationId, ["a": 2])
        #expect(early.results.first?.error == .rebalanceInProgress)
    }

    @Test func perPartitionBoundsRefuseOnlyTheOffendingPartitions() {
        var h = GroupHarness()
        let entries = [
            CommitOffsetsRequest.Entry(partition: TopicPartition(topic: "a", partition: 0), offset: 1, metadata: "ok"),
            CommitOffsetsRequest.Entry(
                partition: TopicPartition(topic: "a", partition: 1), offset: 1,
                metadata: String(repeating: "x", count: GroupLimits.testMin.offsetMetadataBytesMax + 1)),
        ]
        let outcome = h.coordinator.commitOffsets(CommitOffsetsRequest(groupId: GroupHarness.groupId, offsets: entries), nowMs: h.nowMs)
        #expect(outcome.results.map(\.error) == [nil, .offsetMetadataTooLarge])
        #expect(outcome.effects.records.count == 1)

        let many = (0..<Int32(GroupLimits.testMin.committedPartitionsPerGroupMax)).map {
            CommitOffsetsRequest.Entry(partition: TopicPartition(topic: "b", partition: $0), offset: 1)
        }
        let bounded = h.coordinator.commitOffsets(CommitOffsetsRequest(groupId: GroupHarness.groupId, offsets: many), nowMs: h.nowMs)
        #expect(bounded.results.filter { $0.error == .invalidCommitOffsetSize }.count == 1, "the 17th partition is refused")
    }

    @Test func replayingTheRecordsOnANewCoordinatorRestoresGroupsMembersAndOffsets() throws {
        var h = GroupHarness()
        let (first, generation) = h.stableSingleMember(assignment: [4, 2])
        _ = h.commit(memberId: first, generationId: generation, ["a": 7, "b": 9])

        // The records travel as bytes, as they would through the offsets partition.
        let decoded = try h.records.map { try GroupRecord(key: $0.key, value: $0.value) }
        #expect(decoded == h.records)
        var recovered = GroupCoordinator(limits: .testMin, memberIdSalt: "t2")
        recovered.replay(decoded, nowMs: h.nowMs)
        recovered.checkInvariants()

        let before = h.coordinator.describeGroup(GroupHarness.groupId)
        let after = recovered.describeGroup(GroupHarness.groupId)
        #expect(after.state == .stable)
        #expect(after.generationId == before.generationId)
        #expect(after.leaderId == first)
        #expect(after.members.map(\.assignment) == [[4, 2]])
        #expect(recovered.fetchOffsets(groupId: GroupHarness.groupId, partitions: nil)
            == h.coordinator.fetchOffsets(groupId: GroupHarness.groupId, partitions: nil))
        var resumed = recovered
        #expect(resumed.heartbeat(groupId: GroupHarness.groupId, memberId: first, generationId: generation, nowMs: h.nowMs) == nil,
                "the member carries on with the new coordinator without rejoining")
    }

    @Test func replayHonoursDeletionTombstones() throws {
        var h = GroupHarness()
        _ = h.commit(["a": 1])
        guard case .success(let deletion) = h.coordinator.deleteGroup(GroupHarness.groupId) else {
            Issue.record("an Empty group can be deleted")
            return
        }
        h.absorb(deletion)
        _ = h.commit(["b": 2])
        var recovered = GroupCoordinator(limits: .testMin, memberIdSalt: "t2")
        recovered.replay(h.records, nowMs: 0)
        let offsets = recovered.fetchOffsets(groupId: GroupHarness.groupId, partitions: nil)
        #expect(offsets.map(\.partition.topic) == ["b"])
    }

    @Test func deletingAGroupWithMembersIsRefused() {
        var h = GroupHarness()
        _ = h.stableSingleMember()
        #expect(h.coordinator.deleteGroup(GroupHarness.groupId) == .failure(.nonEmptyGroup))
        #expect(h.coordinator.deleteGroup("missing") == .failure(.groupIdNotFound))
    }
}

@Suite("Group records: durable format")
struct GroupRecordTests {
    static let snapshot = GroupSnapshot(
        groupId: "g", protocolType: "consumer", generationId: 3, protocolName: "range", leaderId: "m-1",
        members: [
            GroupSnapshot.Member(
                memberId: "m-1", groupInstanceId: "pod-0", clientId: "c", clientHost: "/10.0.0.1", sessionTimeoutMs: 10_000,
                rebalanceTimeoutMs: 30_000, subscription: [1, 2, 3], assignment: [4, 5]),
            GroupSnapshot.Member(
                memberId: "m-2", groupInstanceId: nil, clientId: "c", clientHost: "/10.0.0.2", sessionTimeoutMs: 10_000,
                rebalanceTimeoutMs: 30_000, subscription: [], assignment: []),
        ])

    static let samples: [GroupRecord] = [
        .offsetCommit(
            groupId: "g", partition: TopicPartition(topic: "t", partition: 4),
            offset: CommittedOffset(offset: 42, leaderEpoch: 7, metadata: "meta", commitTimestampMs: 1_700_000_000_000)),
        .offsetCommit(
            groupId: "g", partition: TopicPartition(topic: "t", partition: 5),
            offset: CommittedOffset(offset: -1, leaderEpoch: -1, metadata: nil, commitTimestampMs: 0)),
        .offsetDeletion(groupId: "g", partition: TopicPartition(topic: "t", partition: 4)),
        .groupMetadata(snapshot),
        .groupDeletion(groupId: "g"),
    ]

    @Test func everyRecordKindRoundTripsThroughItsKeyAndValueBytes() throws {
        for record in Self.samples {
            #expect(try GroupRecord(key: record.key, value: record.value) == record)
        }
    }

    @Test func aSnapshotOfMembersWithEmptyFieldsRoundTrips() throws {
        let bare = GroupSnapshot.Member(
            memberId: "", groupInstanceId: nil, clientId: "", clientHost: "", sessionTimeoutMs: 0, rebalanceTimeoutMs: 0,
            subscription: [], assignment: [])
        let record = GroupRecord.groupMetadata(
            GroupSnapshot(groupId: "g", protocolType: nil, generationId: 1, protocolName: "p", leaderId: nil, members: [bare]))
        #expect(try GroupRecord(key: record.key, value: record.value) == record)
    }

    @Test func snapshotsThatDecodeButBreakTheCoordinatorsAssumptionsAreRefused() {
        var twice = Self.snapshot
        twice.members[1].memberId = twice.members[0].memberId
        var sameInstance = Self.snapshot
        sameInstance.members[1].groupInstanceId = sameInstance.members[0].groupInstanceId
        var exhausted = Self.snapshot
        exhausted.generationId = Int32.max
        for bad in [twice, sameInstance, exhausted] {
            let record = GroupRecord.groupMetadata(bad)
            #expect(throws: GroupRecordDecodingError.self) { try GroupRecord(key: record.key, value: record.value) }
        }
    }

    @Test func anOffsetCommitAndItsTombstoneShareAKeySoTheLaterWins() {
        #expect(Self.samples[0].key == Self.samples[2].key)
        #expect(Self.samples[2].value == nil)
        #expect(Self.samples[3].key == Self.samples[4].key)
    }

    @Test func everyTruncationOfAValidRecordIsAnErrorNotATrap() throws {
        for record in Self.samples {
            let key = record.key
            for length in 0..<key.count {
                #expect(throws: GroupRecordDecodingError.self) { try GroupRecord(key: Array(key[..<length]), value: record.value) }
            }
            guard let value = record.value else { continue }
            for length in 0..<value.count {
                #expect(throws: GroupRecordDecodingError.self) { try GroupRecord(key: key, value: Array(value[..<length])) }
            }
        }
    }

    @Test func seededRandomBytesNeverTrapTheDecoder() {
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SplitMix64(seed: seed)
        var decoded = 0
        for _ in 0..<20_000 {
            let base = Self.samples[Int(rng.next() % UInt64(Self.samples.count))]
            var key = base.key
            var value = base.value ?? []
            for _ in 0..<(1 + rng.next() % 4) {
                if rng.next() % 2 == 0, !key.isEmpty { key[Int(rng.next() % UInt64(key.count))] = UInt8(truncatingIfNeeded: rng.next()) }
                if !value.isEmpty { value[Int(rng.next() % UInt64(value.count))] = UInt8(truncatingIfNeeded: rng.next()) }
            }
            // Whatever decodes must be exactly what the encoder writes for it: no two byte
            // strings mean the same record, so compaction by key cannot be fooled.
            guard let record = try? GroupRecord(key: key, value: value) else { continue }
            decoded += 1
            #expect(record.key == key && record.value == value, "seed \(seed)")
        }
        print("GroupRecord fuzz: seed \(seed), \(decoded) of 20000 mutated records decoded")
    }
}
