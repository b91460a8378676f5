/// What a replica whose storage lost entries may have acknowledged before the loss: entries
/// through `index`, none of a term above `term`. Until its commit index reaches `index` it
/// votes only as its intact log would have let it, and never campaigns.
public struct LostLogEnd: Hashable, Sendable {
    /// At or above the last index it may have acknowledged (its durable end before the loss).
    public var index: LogIndex
    /// At or above the term of every entry it held (its durable term then).
    public var term: Term

    /// Names the end of what a replica may have acknowledged.
    public init(index: LogIndex, term: Term) {
        self.index = index
        self.term = term
    }

    /// Both ends: what two losses, one during the refill after the other, may have taken.
    public func merged(with other: LostLogEnd?) -> LostLogEnd {
        guard let other else { return self }
        return LostLogEnd(index: max(index, other.index), term: max(term, other.term))
    }

    /// Whether a candidate whose log ends at `lastIndex`@`lastTerm` is at least as up to date as
    /// the lost log could have been, so that the intact log would have granted it a vote too.
    func isCovered(byLastIndex lastIndex: LogIndex, lastTerm: Term) -> Bool {
        lastTerm > term || (lastTerm == term && lastIndex >= index)
    }
}
