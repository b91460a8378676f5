import ClusterMetadata
import Raft
import Testing
import Transport
@testable import Node
import SeededRandom

@Suite struct RaftBatchFrameTests {
    static let sender = NodeID(2)
    static let receiver = NodeID(5)

    static func message(_ body: MessageBody, term: UInt64 = 7) -> Message {
        Message(from: sender, to: receiver, term: Term(term), body: body)
    }

    static let mixed: [(RaftGroupID, Message)] = [
        (RaftGroupID(1), message(.heartbeat(commit: LogIndex(41)))),
        (RaftGroupID(2), message(.heartbeatResponse)),
        (RaftGroupID(3), message(.voteRequest(VoteRequest(isPreVote: true, isTransfer: false, lastIndex: LogIndex(9), lastTerm: Term(3))))),
        (RaftGroupID(1 << 40), message(.append(AppendRequest(
            prevIndex: LogIndex(4), prevTerm: Term(6),
            entries: [Entry(term: Term(7), index: LogIndex(5), lastIndex: LogIndex(7), payload: [1, 2, 3])],
            commit: LogIndex(4))))),
        (RaftGroupID(4), message(.appendResponse(AppendResponse(accepted: true, index: LogIndex(7))))),
    ]

    static func body(_ entries: [(RaftGroupID, Message)], bodyBytesMax: Int = 1 << 20) -> [PeerFrame] {
        var outbox = PeerOutbox(bodyBytesMax: bodyBytesMax)
        for (group, message) in entries { outbox.add(message, group: group) }
        return outbox.takeFrames().map(\.frame)
    }

    @Test func messagesOfManyGroupsForOnePeerRoundTripInOneFrame() throws {
        let frames = Self.body(Self.mixed)
        #expect(frames.count == 1)
        #expect(frames[0].kind == RaftBatchFrame.kind)
        let decoded = try RaftBatchFrame.decode(frames[0].body, sender: Self.sender, receiver: Self.receiver)
        #expect(decoded.map(\.0) == Self.mixed.map(\.0))
        #expect(decoded.map(\.1) == Self.mixed.map(\.1))
    }

    @Test func heartbeatsAndTheirResponsesTakeAFewBytesEach() {
        let heartbeat = RaftBatchFrame.encodeEntry(Self.message(.heartbeat(commit: LogIndex(1))), group: RaftGroupID(1))
        let response = RaftBatchFrame.encodeEntry(Self.message(.heartbeatResponse), group: RaftGroupID(1))
        #expect(heartbeat.count == 25)
        #expect(response.count == 17)
    }

    @Test func theOutboxSplitsAtTheFrameBoundAndKeepsOrderPerPeer() throws {
        let heartbeats = (0..<100).map { (RaftGroupID(UInt64($0)), Self.message(.heartbeat(commit: LogIndex(UInt64($0))))) }
        let frames = Self.body(heartbeats, bodyBytesMax: 4 + 25 * 30)
        #expect(frames.count == 4)
        #expect(frames.allSatisfy { $0.body.count <= 4 + 25 * 30 })
        let decoded = try frames.flatMap { try RaftBatchFrame.decode($0.body, sender: Self.sender, receiver: Self.receiver) }
        #expect(decoded.map(\.0) == heartbeats.map(\.0))
    }

    @Test func theOutboxMakesOneFramePerPeer() {
        var outbox = PeerOutbox(bodyBytesMax: 1 << 20)
        for peer in 1...3 {
            for group in 0..<50 {
                let message = Message(from: Self.sender, to: NodeID(UInt64(peer)), term: Term(1), body: .heartbeatResponse)
                outbox.add(message, group: RaftGroupID(UInt64(group)))
            }
        }
        let frames = outbox.takeFrames()
        #expect(frames.map(\.peer) == [NodeID(1), NodeID(2), NodeID(3)])
        #expect(frames.map(\.messageCount) == [50, 50, 50])
        #expect(outbox.isEmpty)
    }

    @Test func aMessageNamingAnotherSenderOrReceiverIsRejected() {
        let forged = Message(from: NodeID(9), to: Self.receiver, term: Term(1), body: .timeoutNow)
        let body = Self.body([(RaftGroupID(1), forged)])[0].body
        #expect(throws: RaftBatchDecodingError.self) {
            try RaftBatchFrame.decode(body, sender: Self.sender, receiver: Self.receiver)
        }
    }

    @Test func everyTruncationAndASeededThousandCorruptionsAreErrorsNeverTraps() {
        let body = Self.body(Self.mixed)[0].body
        for length in 0..<body.count {
            #expect(throws: RaftBatchDecodingError.self) {
                try RaftBatchFrame.decode(Array(body.prefix(length)), sender: Self.sender, receiver: Self.receiver)
            }
        }
        let seed: UInt64 = 0x5EED_F4A3
        var random = SplitMix64(seed: seed)
        for _ in 0..<1_000 {
            var corrupted = body
            for _ in 0..<(1 + Int(random.next() % 4)) {
                corrupted[Int(random.next() % UInt64(corrupted.count))] = UInt8(truncatingIfNeeded: random.next())
            }
            // Either it decodes (a byte in a payload, say) or it throws; it must not trap.
            _ = try? RaftBatchFrame.decode(corrupted, sender: Self.sender, receiver: Self.receiver)
        }
        var garbage = [UInt8](repeating: 0, count: 64)
        for index in garbage.indices { garbage[index] = UInt8(truncatingIfNeeded: random.next()) }
        #expect(throws: RaftBatchDecodingError.self, "seed \(seed)") {
            try RaftBatchFrame.decode([0xFF, 0xFF, 0xFF, 0xFF] + garbage, sender: Self.sender, receiver: Self.receiver)
        }
    }
}
