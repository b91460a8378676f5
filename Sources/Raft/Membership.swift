/// The members of a Raft group: voters decide elections and commits, learners only replicate.
///
/// ## Why one change at a time, effective once in the log
///
/// Tributary changes membership one server at a time (Ongaro's dissertation, §4.1) rather than
/// by joint consensus. A partition's replicas move by: add the new node as a learner, let it catch
/// up, promote it to voter, remove the old voter. Each step adds or removes at most one voter, and
/// any majority of a voter set overlaps any majority of a set that differs from it by one voter,
/// so two leaders can never be elected in one term by the old and the new set. Joint consensus
/// buys multi-voter swaps in one step, which a replica move does not need, at the price of a
/// second configuration kind in every quorum computation.
///
/// A change takes effect as soon as its entry is in a replica's log, committed or not (the
/// dissertation's rule), for elections, commit counting and check-quorum; if a new leader
/// truncates the entry away, the replica falls back to the previous one. Taking effect only on
/// commit (etcd's rule) is unsafe here: a replica that holds two later changes but has not heard
/// that the first committed would still count votes in a configuration two voters away from the
/// newest, and the two majorities need not overlap. Safety also needs:
/// - a leader proposes a change only after an entry of its own term is committed (its no-op)
///   and while no other change is uncommitted (the dissertation's fix to its one-server bug);
/// - a leader that removes itself keeps leading, without counting itself, until the removal
///   commits, then steps down.
/// The latest committed membership is what `Ready.membership` persists; the uncommitted ones
/// are recovered from the log on restart.
///
/// Learners catch up before voting: the leader refuses to promote a learner whose replicated
/// log is behind the leader's commit index.
public struct Membership: Hashable, Sendable, CustomStringConvertible {
    /// Members that vote and count toward commit, sorted.
    public private(set) var voters: [NodeID]
    /// Members that receive the log but neither vote nor count, sorted.
    public private(set) var learners: [NodeID]
    /// The index of the entry that made this membership (`LogIndex.zero` for the initial one).
    public var index: LogIndex

    /// Creates a membership; a node is either a voter or a learner, never both.
    public init(voters: [NodeID], learners: [NodeID] = [], index: LogIndex = .zero) {
        self.voters = Array(Set(voters)).sorted()
        self.learners = Array(Set(learners)).sorted()
        self.index = index
        precondition(Set(self.voters).isDisjoint(with: self.learners), "a member is either a voter or a learner")
    }

    /// Every member, voters first.
    public var members: [NodeID] { voters + learners }

    /// Whether `id` votes.
    public func isVoter(_ id: NodeID) -> Bool { voters.contains(id) }

    /// Whether `id` is a voter or a learner.
    public func contains(_ id: NodeID) -> Bool { voters.contains(id) || learners.contains(id) }

    /// How many voters make a majority.
    public var quorumCount: Int { voters.count / 2 + 1 }

    /// The membership after `change`, recorded at entry `index`.
    /// - Throws: `MembershipError` when the change does not apply to this membership.
    public func applying(_ change: MembershipChange, at index: LogIndex) throws(MembershipError) -> Membership {
        var voters = self.voters
        var learners = self.learners
        switch change {
        case .addLearner(let id):
            guard !contains(id) else { throw .alreadyMember(id) }
            learners.append(id)
        case .promoteLearner(let id):
            guard learners.contains(id) else { throw .notALearner(id) }
            learners.removeAll { $0 == id }
            voters.append(id)
        case .remove(let id):
            guard contains(id) else { throw .notAMember(id) }
            voters.removeAll { $0 == id }
            learners.removeAll { $0 == id }
            guard !voters.isEmpty else { throw .lastVoter(id) }
        }
        return Membership(voters: voters, learners: learners, index: index)
    }

    public var description: String {
        "voters=\(voters.map(\.rawValue)) learners=\(learners.map(\.rawValue)) @\(index.rawValue)"
    }
}

/// One step of a membership change: at most one voter is added or removed.
public enum MembershipChange: Hashable, Sendable {
    /// Add a member that replicates without voting.
    case addLearner(NodeID)
    /// Turn a caught-up learner into a voter.
    case promoteLearner(NodeID)
    /// Remove a voter or a learner.
    case remove(NodeID)
}

/// Why a membership change does not apply.
public enum MembershipError: Error, Hashable, Sendable {
    /// The node is already a voter or a learner.
    case alreadyMember(NodeID)
    /// Only learners can be promoted.
    case notALearner(NodeID)
    /// The node is not a member.
    case notAMember(NodeID)
    /// A group keeps at least one voter.
    case lastVoter(NodeID)
}

extension Membership {
    /// The bytes of a `.membership` entry's payload.
    public func encoded() -> [UInt8] {
        var writer = ByteWriter()
        write(to: &writer)
        return writer.bytes
    }

    /// Decodes a `.membership` entry's payload.
    /// - Throws: `MessageDecodingError` on malformed bytes.
    public init(decoding bytes: [UInt8]) throws(MessageDecodingError) {
        var reader = ByteReader(bytes)
        self = try Membership(from: &reader)
        guard reader.isAtEnd else { throw MessageDecodingError(.trailingBytes(reader.remainingCount)) }
    }

    /// Most members a decoded membership may list, so garbage cannot make the decoder allocate.
    static let decodedMemberCountMax = 1_024

    func write(to writer: inout ByteWriter) {
        writer.write(index.rawValue)
        writer.write(UInt16(voters.count))
        voters.forEach { writer.write($0.rawValue) }
        writer.write(UInt16(learners.count))
        learners.forEach { writer.write($0.rawValue) }
    }

    init(from reader: inout ByteReader) throws(MessageDecodingError) {
        let index = LogIndex(try reader.readUInt64())
        let voters = try Membership.readMembers(from: &reader)
        let learners = try Membership.readMembers(from: &reader)
        // A group without voters could never commit: no correct leader writes one.
        guard !voters.isEmpty else { throw MessageDecodingError(.invalid("membership without voters")) }
        guard Set(voters).isDisjoint(with: learners) else { throw MessageDecodingError(.invalid("member both voter and learner")) }
        self.init(voters: voters, learners: learners, index: index)
    }

    private static func readMembers(from reader: inout ByteReader) throws(MessageDecodingError) -> [NodeID] {
        let count = Int(try reader.readUInt16())
        guard count <= decodedMemberCountMax else { throw MessageDecodingError(.invalid("\(count) members")) }
        var members: [NodeID] = []
        members.reserveCapacity(count)
        for _ in 0..<count { members.append(NodeID(try reader.readUInt64())) }
        return members
    }
}
