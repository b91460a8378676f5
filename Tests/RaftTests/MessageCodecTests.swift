import Testing
import SeededRandom
@_spi(Testing) import Raft

@Suite struct MessageCodecTests {
    static let membership = Membership(voters: [NodeID(1), NodeID(2), NodeID(3)], learners: [NodeID(7)], index: LogIndex(12))

    static let bodies: [MessageBody] = [
        .voteRequest(VoteRequest(isPreVote: true, isTransfer: false, lastIndex: LogIndex(9), lastTerm: Term(3))),
        .voteRequest(VoteRequest(isPreVote: false, isTransfer: true, lastIndex: LogIndex(0), lastTerm: Term(0))),
        .voteResponse(VoteResponse(isPreVote: true, granted: true)),
        .voteResponse(VoteResponse(isPreVote: false, granted: false)),
        .append(AppendRequest(prevIndex: LogIndex(4), prevTerm: Term(2), entries: [], commit: LogIndex(3))),
        .append(AppendRequest(
            prevIndex: LogIndex(4), prevTerm: Term(2),
            entries: [
                Entry(term: Term(2), index: LogIndex(5), lastIndex: LogIndex(9), kind: .data, payload: Array(0..<200)),
                Entry(term: Term(3), index: LogIndex(10), kind: .noop),
                Entry(term: Term(3), index: LogIndex(11), kind: .membership, payload: membership.encoded()),
            ],
            commit: LogIndex(9))),
        .appendResponse(AppendResponse(accepted: true, index: LogIndex(11))),
        .appendResponse(AppendResponse(accepted: false, index: LogIndex(11), hintIndex: LogIndex(6), hintTerm: Term(1))),
        .heartbeat(commit: LogIndex(5)),
        .heartbeatResponse,
        .installStart(InstallStart(start: LogStart(index: LogIndex(100), termBefore: Term(4)), membership: membership)),
        .timeoutNow,
    ]

    @Test(arguments: bodies)
    func everyMessageKindSurvivesARoundTrip(body: MessageBody) throws {
        let message = Message(from: NodeID(1), to: NodeID(2), term: Term(5), body: body)
        let bytes = MessageCodec.encode(message)
        #expect(try MessageCodec.decode(bytes) == message)
        #expect(try MessageCodec.frameByteCount(prefix: bytes[...], frameBytesMax: 1 << 20) == bytes.count)
    }

    @Test func randomMessagesSurviveARoundTrip() throws {
        var random = SplitMix64(seed: 99)
        for _ in 0..<2_000 {
            let message = Self.randomMessage(using: &random)
            #expect(try MessageCodec.decode(MessageCodec.encode(message)) == message, "\(message)")
        }
    }

    @Test func everyFlippedBitIsDetected() {
        let message = Message(from: NodeID(1), to: NodeID(2), term: Term(5), body: Self.bodies[5])
        let bytes = MessageCodec.encode(message)
        for position in 0..<bytes.count {
            for bit in 0..<8 {
                var corrupted = bytes
                corrupted[position] ^= 1 << UInt8(bit)
                #expect(throws: MessageDecodingError.self) { try MessageCodec.decode(corrupted) }
            }
        }
    }

    @Test func everyTruncationAndExtensionIsRejected() {
        let bytes = MessageCodec.encode(Message(from: NodeID(1), to: NodeID(2), term: Term(5), body: Self.bodies[5]))
        for length in 0..<bytes.count {
            #expect(throws: MessageDecodingError.self) { try MessageCodec.decode(Array(bytes.prefix(length))) }
        }
        #expect(throws: MessageDecodingError.self) { try MessageCodec.decode(bytes + [0]) }
    }

    @Test func randomGarbageNeverTrapsTheDecoder() {
        var random = SplitMix64(seed: 2026)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0..<300, using: &random)
            var bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            if bytes.count >= 4 && Bool.random(using: &random) {
                // A plausible length prefix gets garbage past the first check.
                let declared = UInt32(bytes.count - 4)
                for i in 0..<4 { bytes[i] = UInt8(truncatingIfNeeded: declared >> UInt32(24 - 8 * i)) }
            }
            _ = try? MessageCodec.decode(bytes)
        }
    }

    @Test func wellChecksummedButInvalidFieldsAreRejected() {
        // Entries that do not follow prevIndex, spans that run backwards, control entries that
        // span several indexes and oversized numbers would break the core's preconditions.
        let cases: [(index: UInt64, lastIndex: UInt64, kind: UInt8, valid: Bool)] = [
            (5, 6, 0, true), (7, 7, 0, false), (5, 4, 0, false), (5, 6, 1, false), (5, 1 << 63, 0, false),
        ]
        for (index, lastIndex, kind, valid) in cases {
            var body: [UInt8] = []
            func put(_ value: UInt64) { for shift in stride(from: 56, through: 0, by: -8) { body.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
            put(4); put(2); put(3)
            body += [0, 0, 0, 1]
            put(2); put(index); put(lastIndex)
            body.append(kind)
            body += [0, 0, 0, 0]
            let frame = Self.frame(kind: 3, body: body)
            if valid {
                #expect(throws: Never.self, "the control case proves the frame is built right") { try MessageCodec.decode(frame) }
            } else {
                #expect(throws: MessageDecodingError.self) { try MessageCodec.decode(frame) }
            }
        }
        #expect(throws: MessageDecodingError.self) { try MessageCodec.decode(Self.frame(kind: 99, body: [])) }
        #expect(throws: MessageDecodingError.self) { try MessageCodec.decode(Self.frame(kind: 8, body: [], version: 2)) }
    }

    @Test func aFrameLargerThanTheBoundIsRefusedFromItsPrefix() throws {
        #expect(throws: MessageDecodingError.self) {
            try MessageCodec.frameByteCount(prefix: [0x7F, 0xFF, 0xFF, 0xFF], frameBytesMax: 1 << 20)
        }
        #expect(try MessageCodec.frameByteCount(prefix: [0, 0], frameBytesMax: 1 << 20) == nil)
    }

    static func randomMessage(using random: inout SplitMix64) -> Message {
        func number() -> UInt64 { UInt64.random(in: 0...1_000_000, using: &random) }
        let messageTerm = Term(number())
        let body: MessageBody
        switch Int.random(in: 0..<8, using: &random) {
        case 0:
            body = .voteRequest(VoteRequest(isPreVote: Bool.random(using: &random), isTransfer: Bool.random(using: &random),
                                            lastIndex: LogIndex(number()), lastTerm: Term(number())))
        case 1: body = .voteResponse(VoteResponse(isPreVote: Bool.random(using: &random), granted: Bool.random(using: &random)))
        case 2:
            let prevIndex = LogIndex(number())
            var next = prevIndex.next
            let term = Term(UInt64.random(in: 0...messageTerm.rawValue, using: &random))  // entries are never newer
            let entries = (0..<Int.random(in: 0...5, using: &random)).map { _ -> Entry in
                let kind = EntryKind.allCases.randomElement(using: &random)!
                let span = kind == .data ? UInt64.random(in: 0...9, using: &random) : 0
                defer { next = next.advanced(by: span + 1) }
                let payload = (0..<Int.random(in: 0...64, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                return Entry(term: term, index: next, lastIndex: next.advanced(by: span), kind: kind, payload: payload)
            }
            body = .append(AppendRequest(prevIndex: prevIndex, prevTerm: term, entries: entries, commit: LogIndex(number())))
        case 3:
            body = .appendResponse(AppendResponse(accepted: Bool.random(using: &random), index: LogIndex(number()),
                                                  hintIndex: LogIndex(number()), hintTerm: Term(number())))
        case 4: body = .heartbeat(commit: LogIndex(number()))
        case 5: body = .heartbeatResponse
        case 6: body = .installStart(InstallStart(start: LogStart(index: LogIndex(number() + 1), termBefore: Term(number())), membership: membership))
        default: body = .timeoutNow
        }
        return Message(from: NodeID(number()), to: NodeID(number()), term: messageTerm, body: body)
    }

    /// A frame with a valid checksum around arbitrary fields.
    static func frame(kind: UInt8, body: [UInt8], version: UInt8 = MessageCodec.version) -> [UInt8] {
        let valid = MessageCodec.encode(Message(from: NodeID(1), to: NodeID(2), term: Term(5), body: .timeoutNow))
        var inner = [version, kind] + Array(valid[6..<30]) + body
        let checksum = crc32c(inner)
        inner += [UInt8(checksum >> 24), UInt8(truncatingIfNeeded: checksum >> 16), UInt8(truncatingIfNeeded: checksum >> 8), UInt8(truncatingIfNeeded: checksum)]
        let length = UInt32(inner.count)
        return [UInt8(length >> 24), UInt8(truncatingIfNeeded: length >> 16), UInt8(truncatingIfNeeded: length >> 8), UInt8(truncatingIfNeeded: length)] + inner
    }

    /// A bitwise CRC32C (Castagnoli), independent of the module under test.
    static func crc32c(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0x82F6_3B78 : crc >> 1 }
        }
        return ~crc
    }
}
