import Raft
import Storage

/// One group's proposals waiting for their commit, in index order (a leader appends in order).
/// A proposal whose effect the replica applies (a log-start entry) waits for it to be applied.
struct PendingProposals {
    /// Called once per proposal, on the loop, with its Kafka offsets or why it failed.
    typealias Completion = (Result<ClosedRange<Offset>, ProposalFailure>) -> Void

    private struct Waiting {
        let indexes: ClosedRange<LogIndex>
        let term: Term
        let deadlineTick: UInt64
        /// Completes once applied rather than once committed.
        let awaitsApply: Bool
        let completion: Completion
    }

    private var waiting: [Waiting] = []

    /// Proposals waiting.
    var count: Int { waiting.count }

    /// Adds a proposal appended at `indexes` in `term`; it fails after `deadlineTick`. With
    /// `awaitsApply` it completes only once the replica applied it (see ``resolve(commit:applied:termAt:)``).
    ///
    /// Waiting proposals at or above `indexes` are failed as superseded first: the leader can
    /// append there again only after another leader's entries replaced its log from below them
    /// (it lost and regained the leadership), so they will never commit.
    mutating func add(
        _ indexes: ClosedRange<LogIndex>, term: Term, deadlineTick: UInt64, awaitsApply: Bool = false, completion: @escaping Completion
    ) {
        var superseded: [Waiting] = []
        while let last = waiting.last, last.indexes.upperBound >= indexes.lowerBound {
            precondition(last.term < term, "two proposals at \(indexes) in term \(term)")
            superseded.append(waiting.removeLast())
        }
        precondition(waiting.last.map { $0.deadlineTick <= deadlineTick } ?? true, "deadlines go back in time")
        waiting.append(Waiting(indexes: indexes, term: term, deadlineTick: deadlineTick, awaitsApply: awaitsApply, completion: completion))
        for proposal in superseded.reversed() { proposal.completion(.failure(.superseded)) }
    }

    /// Completes, in order, every proposal at or below `commit` (at or below `applied` for those
    /// awaiting their application): committed when the log still holds it in the term it was
    /// proposed in, superseded otherwise. `termAt` reads the replica's log. A proposal awaiting
    /// its application holds back the ones after it until then (at most one Ready cycle).
    mutating func resolve(commit: LogIndex, applied: LogIndex, termAt: (LogIndex) -> Term?) {
        precondition(applied <= commit, "applied \(applied) is past the commit \(commit)")
        var done = 0
        while done < waiting.count, waiting[done].indexes.upperBound <= (waiting[done].awaitsApply ? applied : commit) {
            let proposal = waiting[done]
            if termAt(proposal.indexes.upperBound) == proposal.term {
                proposal.completion(.success(proposal.indexes.lowerBound.offset...proposal.indexes.upperBound.offset))
            } else {
                proposal.completion(.failure(.superseded))
            }
            done += 1
        }
        waiting.removeFirst(done)
    }

    /// Fails the proposals whose deadline is at or before `tick`. Deadlines grow with the index
    /// (each is the tick of its proposal plus one timeout), so the expired ones are a prefix.
    mutating func expire(at tick: UInt64) {
        let expiredCount = waiting.prefix { $0.deadlineTick <= tick }.count
        guard expiredCount > 0 else { return }
        let expired = waiting.prefix(expiredCount)
        waiting.removeFirst(expiredCount)
        for proposal in expired { proposal.completion(.failure(.timedOut)) }
    }

    /// Fails every proposal with `failure`.
    mutating func failAll(_ failure: ProposalFailure) {
        let all = waiting
        waiting = []
        for proposal in all { proposal.completion(.failure(failure)) }
    }
}
