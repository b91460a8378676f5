/// A message between two replicas of one group.
public struct Message: Hashable, Sendable, CustomStringConvertible {
    /// The sender.
    public var from: NodeID
    /// The receiver.
    public var to: NodeID
    /// The sender's term (for a pre-vote request and its grant: the term the candidate would take).
    public var term: Term
    /// What the message says.
    public var body: MessageBody

    /// Creates a message.
    public init(from: NodeID, to: NodeID, term: Term, body: MessageBody) {
        self.from = from
        self.to = to
        self.term = term
        self.body = body
    }

    public var description: String { "\(from)->\(to) \(term) \(body)" }
}

/// The kinds of Raft messages and their fields.
public enum MessageBody: Hashable, Sendable, CustomStringConvertible {
    /// A candidate asks for a vote (or a pre-vote).
    case voteRequest(VoteRequest)
    /// The answer to a vote request.
    case voteResponse(VoteResponse)
    /// A leader sends entries (possibly none) following `prevIndex`.
    case append(AppendRequest)
    /// The answer to an append or a log-start installation.
    case appendResponse(AppendResponse)
    /// A leader's keep-alive, carrying the commit index the follower may adopt.
    case heartbeat(commit: LogIndex)
    /// The answer to a heartbeat.
    case heartbeatResponse
    /// A leader resets a follower whose log lags behind the leader's log start.
    case installStart(InstallStart)
    /// The leader asks its chosen successor to campaign now (leadership transfer).
    case timeoutNow

    public var description: String {
        switch self {
        case .voteRequest(let m): "\(m.isPreVote ? "preVote" : "vote")Req(last=\(m.lastIndex.rawValue)@\(m.lastTerm.rawValue)\(m.isTransfer ? " transfer" : ""))"
        case .voteResponse(let m): "\(m.isPreVote ? "preVote" : "vote")Resp(\(m.granted ? "granted" : "rejected"))"
        case .append(let m): "append(prev=\(m.prevIndex.rawValue)@\(m.prevTerm.rawValue) n=\(m.entries.count) commit=\(m.commit.rawValue))"
        case .appendResponse(let m):
            m.accepted ? "appendResp(ok \(m.index.rawValue))"
                : "appendResp(reject \(m.index.rawValue) hint=\(m.hintIndex.rawValue)@\(m.hintTerm.rawValue))"
        case .heartbeat(let commit): "heartbeat(commit=\(commit.rawValue))"
        case .heartbeatResponse: "heartbeatResp"
        case .installStart(let m): "installStart(\(m.start))"
        case .timeoutNow: "timeoutNow"
        }
    }
}

/// A request for a vote or a pre-vote.
public struct VoteRequest: Hashable, Sendable {
    /// Whether this only asks if a vote would be granted, without anyone changing term.
    public var isPreVote: Bool
    /// Whether the current leader asked for this election (leadership transfer), which lets
    /// voters ignore their leader lease.
    public var isTransfer: Bool
    /// The candidate's last log index.
    public var lastIndex: LogIndex
    /// The term of the candidate's last log entry.
    public var lastTerm: Term

    /// Creates a vote request.
    public init(isPreVote: Bool, isTransfer: Bool, lastIndex: LogIndex, lastTerm: Term) {
        self.isPreVote = isPreVote
        self.isTransfer = isTransfer
        self.lastIndex = lastIndex
        self.lastTerm = lastTerm
    }
}

/// The answer to a vote request.
public struct VoteResponse: Hashable, Sendable {
    /// Whether it answers a pre-vote.
    public var isPreVote: Bool
    /// Whether the vote is granted.
    public var granted: Bool

    /// Creates a vote response.
    public init(isPreVote: Bool, granted: Bool) {
        self.isPreVote = isPreVote
        self.granted = granted
    }
}

/// Entries a leader replicates, and the commit index.
public struct AppendRequest: Hashable, Sendable {
    /// The last index of the entry before `entries` (an entry boundary).
    public var prevIndex: LogIndex
    /// The term of the entry ending at `prevIndex`.
    public var prevTerm: Term
    /// Whole, consecutive entries starting at `prevIndex + 1`.
    public var entries: [Entry]
    /// The leader's commit index.
    public var commit: LogIndex

    /// Creates an append request.
    public init(prevIndex: LogIndex, prevTerm: Term, entries: [Entry], commit: LogIndex) {
        self.prevIndex = prevIndex
        self.prevTerm = prevTerm
        self.entries = entries
        self.commit = commit
    }
}

/// A follower's answer to an append or to a log-start installation.
public struct AppendResponse: Hashable, Sendable {
    /// Whether the follower's log now matches the leader's through `index`.
    public var accepted: Bool
    /// If accepted: the last index known to match. If rejected: the `prevIndex` rejected.
    public var index: LogIndex
    /// If rejected: the highest entry boundary in the follower's log at or below
    /// `min(prevIndex, its last index)` whose term is at most the rejected `prevTerm`.
    public var hintIndex: LogIndex
    /// If rejected: the term at `hintIndex` in the follower's log.
    public var hintTerm: Term

    /// Creates an append response.
    public init(accepted: Bool, index: LogIndex, hintIndex: LogIndex = .zero, hintTerm: Term = .zero) {
        self.accepted = accepted
        self.index = index
        self.hintIndex = hintIndex
        self.hintTerm = hintTerm
    }
}

/// A leader's log start and membership, for a follower that lags behind the leader's prefix.
public struct InstallStart: Hashable, Sendable {
    /// Where the leader's log starts.
    public var start: LogStart
    /// The leader's committed membership.
    public var membership: Membership

    /// Creates an installation request.
    public init(start: LogStart, membership: Membership) {
        self.start = start
        self.membership = membership
    }
}
