import Checksum

/// The binary encoding of `Message`: one self-checking frame per message.
///
/// Layout, all integers big-endian:
/// ```
/// length    u32   bytes that follow this field
/// version   u8    `MessageCodec.version`
/// kind      u8    which `MessageBody`
/// from, to  u64, u64
/// term      u64
/// body      kind-specific fields (entries: count u32, then term u64, index u64,
///           lastIndex u64, kind u8, payload as u32 length + bytes)
/// crc32c    u32   CRC32C of version ... body
/// ```
/// The transport reads `length` first (`frameByteCount(prefix:)`) to split a byte stream.
public enum MessageCodec {
    /// The format version written, and the only one read.
    public static let version: UInt8 = 1
    /// Bytes of the length prefix.
    public static let lengthPrefixBytes = 4
    /// Largest index or term a decoded message may carry, far below overflow in arithmetic.
    static let numberMax: UInt64 = 1 << 62

    private enum Kind: UInt8 {
        case voteRequest = 1, voteResponse, append, appendResponse, heartbeat, heartbeatResponse, installStart, timeoutNow
    }

    /// Encodes `message` as one frame.
    public static func encode(_ message: Message) -> [UInt8] {
        var writer = ByteWriter(capacity: 64 + bodySizeHint(message.body))
        writer.write(UInt32(0))
        writer.write(version)
        writer.write(kind(of: message.body).rawValue)
        writer.write(message.from.rawValue)
        writer.write(message.to.rawValue)
        writer.write(message.term.rawValue)
        writeBody(message.body, to: &writer)
        let checksum = writer.bytes.withUnsafeBytes { CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[lengthPrefixBytes...])) }
        writer.write(checksum)
        writer.patch(UInt32(writer.bytes.count - lengthPrefixBytes), at: 0)
        return writer.bytes
    }

    /// The total size of the frame that starts with `prefix` (at least 4 bytes), or nil if shorter.
    /// - Throws: `MessageDecodingError` if the declared size exceeds `frameBytesMax`.
    public static func frameByteCount(prefix: ArraySlice<UInt8>, frameBytesMax: Int) throws(MessageDecodingError) -> Int? {
        guard prefix.count >= lengthPrefixBytes else { return nil }
        var reader = ByteReader(Array(prefix.prefix(lengthPrefixBytes)))
        let total = Int(try reader.readUInt32()) + lengthPrefixBytes
        guard total <= frameBytesMax else { throw MessageDecodingError(.invalid("frame of \(total) bytes, limit \(frameBytesMax)")) }
        return total
    }

    /// Decodes exactly one frame.
    /// - Throws: `MessageDecodingError` on any malformed, truncated, corrupted or oversized input.
    public static func decode(_ bytes: [UInt8]) throws(MessageDecodingError) -> Message {
        var reader = ByteReader(bytes)
        let declared = Int(try reader.readUInt32())
        guard declared == reader.remainingCount else {
            throw MessageDecodingError(.lengthMismatch(declared: declared, available: reader.remainingCount))
        }
        guard declared >= 2 + 24 + 4 else { throw MessageDecodingError(.truncated(needed: 30, available: declared)) }
        let stored = UInt32(bytes[bytes.count - 4]) << 24 | UInt32(bytes[bytes.count - 3]) << 16
            | UInt32(bytes[bytes.count - 2]) << 8 | UInt32(bytes[bytes.count - 1])
        let computed = bytes.withUnsafeBytes {
            CRC32C.checksum(UnsafeRawBufferPointer(rebasing: $0[lengthPrefixBytes..<bytes.count - 4]))
        }
        guard stored == computed else { throw MessageDecodingError(.checksumMismatch(stored: stored, computed: computed)) }
        let frameVersion = try reader.readUInt8()
        guard frameVersion == version else { throw MessageDecodingError(.unsupportedVersion(frameVersion)) }
        let rawKind = try reader.readUInt8()
        guard let kind = Kind(rawValue: rawKind) else { throw MessageDecodingError(.unknownKind(rawKind)) }
        let from = NodeID(try reader.readUInt64())
        let to = NodeID(try reader.readUInt64())
        let term = Term(try readNumber(&reader, "term"))
        let body = try readBody(kind, from: &reader, frameBytes: bytes.count)
        if case .append(let request) = body, let last = request.entries.last, last.term > term {
            throw MessageDecodingError(.invalid("entry of \(last.term) in a message of \(term)"))
        }
        guard reader.remainingCount == 4 else { throw MessageDecodingError(.trailingBytes(reader.remainingCount - 4)) }
        return Message(from: from, to: to, term: term, body: body)
    }

    private static func kind(of body: MessageBody) -> Kind {
        switch body {
        case .voteRequest: .voteRequest
        case .voteResponse: .voteResponse
        case .append: .append
        case .appendResponse: .appendResponse
        case .heartbeat: .heartbeat
        case .heartbeatResponse: .heartbeatResponse
        case .installStart: .installStart
        case .timeoutNow: .timeoutNow
        }
    }

    private static func bodySizeHint(_ body: MessageBody) -> Int {
        guard case .append(let request) = body else { return 64 }
        return request.entries.reduce(32) { $0 + $1.payload.count + 32 }
    }

    private static func writeBody(_ body: MessageBody, to writer: inout ByteWriter) {
        switch body {
        case .voteRequest(let request):
            writer.write(request.isPreVote)
            writer.write(request.isTransfer)
            writer.write(request.lastIndex.rawValue)
            writer.write(request.lastTerm.rawValue)
        case .voteResponse(let response):
            writer.write(response.isPreVote)
            writer.write(response.granted)
        case .append(let request):
            writer.write(request.prevIndex.rawValue)
            writer.write(request.prevTerm.rawValue)
            writer.write(request.commit.rawValue)
            writer.write(UInt32(request.entries.count))
            for entry in request.entries {
                writer.write(entry.term.rawValue)
                writer.write(entry.index.rawValue)
                writer.write(entry.lastIndex.rawValue)
                writer.write(entry.kind.rawValue)
                writer.writeSized(entry.payload)
            }
        case .appendResponse(let response):
            writer.write(response.accepted)
            writer.write(response.index.rawValue)
            writer.write(response.hintIndex.rawValue)
            writer.write(response.hintTerm.rawValue)
        case .heartbeat(let commit):
            writer.write(commit.rawValue)
        case .installStart(let request):
            writer.write(request.start.index.rawValue)
            writer.write(request.start.termBefore.rawValue)
            request.membership.write(to: &writer)
        case .heartbeatResponse, .timeoutNow:
            break
        }
    }

    private static func readBody(_ kind: Kind, from reader: inout ByteReader, frameBytes: Int) throws(MessageDecodingError) -> MessageBody {
        switch kind {
        case .voteRequest:
            let isPreVote = try reader.readBool()
            let isTransfer = try reader.readBool()
            let lastIndex = LogIndex(try readNumber(&reader, "lastIndex"))
            let lastTerm = Term(try readNumber(&reader, "lastTerm"))
            return .voteRequest(VoteRequest(isPreVote: isPreVote, isTransfer: isTransfer, lastIndex: lastIndex, lastTerm: lastTerm))
        case .voteResponse:
            let isPreVote = try reader.readBool()
            return .voteResponse(VoteResponse(isPreVote: isPreVote, granted: try reader.readBool()))
        case .append:
            return .append(try readAppend(from: &reader, frameBytes: frameBytes))
        case .appendResponse:
            let accepted = try reader.readBool()
            let index = LogIndex(try readNumber(&reader, "index"))
            let hintIndex = LogIndex(try readNumber(&reader, "hintIndex"))
            let hintTerm = Term(try readNumber(&reader, "hintTerm"))
            return .appendResponse(AppendResponse(accepted: accepted, index: index, hintIndex: hintIndex, hintTerm: hintTerm))
        case .heartbeat:
            return .heartbeat(commit: LogIndex(try readNumber(&reader, "commit")))
        case .heartbeatResponse:
            return .heartbeatResponse
        case .installStart:
            let index = try readNumber(&reader, "start")
            guard index >= 1 else { throw MessageDecodingError(.invalid("log start 0")) }
            let termBefore = Term(try readNumber(&reader, "termBefore"))
            let membership = try Membership(from: &reader)
            return .installStart(InstallStart(start: LogStart(index: LogIndex(index), termBefore: termBefore), membership: membership))
        case .timeoutNow:
            return .timeoutNow
        }
    }

    private static func readAppend(from reader: inout ByteReader, frameBytes: Int) throws(MessageDecodingError) -> AppendRequest {
        let prevIndex = LogIndex(try readNumber(&reader, "prevIndex"))
        let prevTerm = Term(try readNumber(&reader, "prevTerm"))
        let commit = LogIndex(try readNumber(&reader, "commit"))
        let count = Int(try reader.readUInt32())
        // Each entry takes at least 29 bytes, so a count the frame cannot hold is garbage.
        guard count <= frameBytes / 29 else { throw MessageDecodingError(.invalid("\(count) entries in \(frameBytes) bytes")) }
        var entries: [Entry] = []
        entries.reserveCapacity(count)
        var expectedIndex = prevIndex.next
        for _ in 0..<count {
            let term = Term(try readNumber(&reader, "entry term"))
            let index = LogIndex(try readNumber(&reader, "entry index"))
            let lastIndex = LogIndex(try readNumber(&reader, "entry lastIndex"))
            let rawKind = try reader.readUInt8()
            let payload = try reader.readSized(countMax: frameBytes)
            guard let kind = EntryKind(rawValue: rawKind) else { throw MessageDecodingError(.invalid("entry kind \(rawKind)")) }
            guard index == expectedIndex, lastIndex >= index, kind == .data || lastIndex == index else {
                throw MessageDecodingError(.invalid("entry \(index.rawValue)...\(lastIndex.rawValue) (\(kind)) where \(expectedIndex.rawValue) was due"))
            }
            guard term >= (entries.last?.term ?? .zero), prevTerm <= term else {
                throw MessageDecodingError(.invalid("entry terms decrease"))
            }
            entries.append(Entry(term: term, index: index, lastIndex: lastIndex, kind: kind, payload: payload))
            expectedIndex = lastIndex.next
        }
        return AppendRequest(prevIndex: prevIndex, prevTerm: prevTerm, entries: entries, commit: commit)
    }

    private static func readNumber(_ reader: inout ByteReader, _ field: String) throws(MessageDecodingError) -> UInt64 {
        let value = try reader.readUInt64()
        guard value <= numberMax else { throw MessageDecodingError(.invalid("\(field) \(value) exceeds \(numberMax)")) }
        return value
    }
}
