import Raft
import Storage

/// A replica's Raft state kept beside its log (`raft.state`): term, vote, commit, the
/// committed membership and, while it refills what its storage lost, the end of what it lost,
/// replaced atomically with a checksum
/// by `DurableStateFile`.
///
/// Term and vote must be durable before a replica answers a vote; the commit index need not be
/// (it is re-learned from the leader), so the file is rewritten only when term, vote,
/// membership or the lost end change and carries whatever commit index was current then.
struct ReplicaState: Equatable, Sendable {
    var hardState: HardState
    var membership: Membership
    /// Set while the replica refills what its storage lost (`RaftCore.lostLogEnd`): durable so
    /// that a crash during the refill does not make it a full voter again.
    var lostLogEnd: LostLogEnd? = nil

    static let fileName = "raft.state"
    /// Version 2 added the lost end; version 1 files (without it) are still read.
    static let formatVersion: UInt8 = 2
    static let payloadBytesMax = 64 << 10

    /// Reads the state in `directory`; nil for a replica that never wrote one.
    /// - Throws: `StorageError` for an unreadable or corrupt file, ``ReplicaStateError`` for a
    ///   payload that does not decode: never a silent reset to term 0.
    static func read(in directory: String) throws -> ReplicaState? {
        let path = directory + "/" + fileName
        guard let payload = try DurableStateFile.read(from: path, payloadBytesMax: payloadBytesMax) else { return nil }
        return try decode(payload, path: path)
    }

    /// Replaces the state in `directory`, durably.
    func write(in directory: String) throws {
        try DurableStateFile.write(encoded(), to: directory + "/" + Self.fileName, payloadBytesMax: Self.payloadBytesMax)
    }

    func encoded() -> [UInt8] {
        var bytes: [UInt8] = [Self.formatVersion]
        append(hardState.term.rawValue, to: &bytes)
        bytes.append(hardState.vote == nil ? 0 : 1)
        append(hardState.vote?.rawValue ?? 0, to: &bytes)
        append(hardState.commit.rawValue, to: &bytes)
        bytes.append(lostLogEnd == nil ? 0 : 1)
        append(lostLogEnd?.index.rawValue ?? 0, to: &bytes)
        append(lostLogEnd?.term.rawValue ?? 0, to: &bytes)
        bytes += membership.encoded()
        return bytes
    }

    private static func decode(_ payload: [UInt8], path: String) throws -> ReplicaState {
        let version = payload.first ?? 0
        let fixedBytes = 1 + 8 + 1 + 8 + 8 + (version >= 2 ? 1 + 8 + 8 : 0)
        guard payload.count > fixedBytes, version == 1 || version == formatVersion else {
            throw ReplicaStateError("\(path): unknown format or truncated payload (\(payload.count) bytes)")
        }
        let term = Term(readUInt64(payload, at: 1))
        let hasVote = payload[9]
        guard hasVote <= 1 else { throw ReplicaStateError("\(path): bad vote flag \(hasVote)") }
        let vote = hasVote == 1 ? NodeID(readUInt64(payload, at: 10)) : nil
        let commit = LogIndex(readUInt64(payload, at: 18))
        let hasLostEnd = version >= 2 ? payload[26] : 0
        guard hasLostEnd <= 1 else { throw ReplicaStateError("\(path): bad lost end flag \(hasLostEnd)") }
        let lostLogEnd = hasLostEnd == 1
            ? LostLogEnd(index: LogIndex(readUInt64(payload, at: 27)), term: Term(readUInt64(payload, at: 35))) : nil
        let membership: Membership
        do { membership = try Membership(decoding: Array(payload[fixedBytes...])) } catch {
            throw ReplicaStateError("\(path): membership does not decode: \(error)")
        }
        return ReplicaState(
            hardState: HardState(term: term, vote: vote, commit: commit), membership: membership, lostLogEnd: lostLogEnd)
    }

    private func append(_ value: UInt64, to bytes: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    private static func readUInt64(_ bytes: [UInt8], at position: Int) -> UInt64 {
        bytes[position..<(position + 8)].reduce(0) { $0 << 8 | UInt64($1) }
    }
}

/// A `raft.state` whose checksum is right but whose content is not a replica state.
struct ReplicaStateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
