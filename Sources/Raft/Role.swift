/// A replica's role in its group.
public enum Role: String, Hashable, Sendable {
    /// Follows a leader (or waits for one).
    case follower
    /// Asks whether it could win an election, without raising its term.
    case preCandidate
    /// Campaigns in a new term.
    case candidate
    /// Replicates the log and decides commits.
    case leader
}
