/// The bounds and switches of one replica, checked against each other by `validate()`.
public struct RaftConfig: Sendable {
    /// This replica's identity.
    public var id: NodeID
    /// Ticks a follower waits without hearing from a leader before it campaigns; the actual
    /// timeout is drawn from `electionTimeoutTicks ..< 2 * electionTimeoutTicks` each time.
    public var electionTimeoutTicks: Int
    /// Ticks between a leader's heartbeats.
    public var heartbeatIntervalTicks: Int
    /// Most append messages in flight (sent, not acknowledged) to one follower.
    public var inflightAppendCountMax: Int
    /// Most entry bytes in flight to one follower.
    public var inflightAppendBytesMax: Int
    /// Most entry bytes in one append message (a single larger entry still goes alone).
    public var appendBytesMax: Int
    /// Most bytes of entries a leader holds uncommitted before `propose` refuses (backpressure).
    public var uncommittedBytesMax: Int
    /// Most bytes of committed entries one `Ready` hands out to apply.
    public var applyBytesMax: Int
    /// Whether a replica first asks for votes without raising its term (Raft thesis §9.6), so a
    /// partitioned node that comes back does not depose a healthy leader.
    public var preVote: Bool
    /// Whether a leader steps down when it has not heard from a majority for an election
    /// timeout, and followers ignore vote requests while they hear from a leader.
    public var checkQuorum: Bool
    /// Deliberate bugs for proving the simulator finds them. Never set outside tests.
    @_spi(Testing) public var plantedFaults: PlantedFaults = []

    /// Creates a configuration with production defaults for the bounds not given.
    public init(
        id: NodeID,
        electionTimeoutTicks: Int = 10,
        heartbeatIntervalTicks: Int = 1,
        inflightAppendCountMax: Int = 256,
        inflightAppendBytesMax: Int = 32 << 20,
        appendBytesMax: Int = 1 << 20,
        uncommittedBytesMax: Int = 64 << 20,
        applyBytesMax: Int = 4 << 20,
        preVote: Bool = true,
        checkQuorum: Bool = true
    ) {
        self.id = id
        self.electionTimeoutTicks = electionTimeoutTicks
        self.heartbeatIntervalTicks = heartbeatIntervalTicks
        self.inflightAppendCountMax = inflightAppendCountMax
        self.inflightAppendBytesMax = inflightAppendBytesMax
        self.appendBytesMax = appendBytesMax
        self.uncommittedBytesMax = uncommittedBytesMax
        self.applyBytesMax = applyBytesMax
        self.preVote = preVote
        self.checkQuorum = checkQuorum
    }

    /// Checks every bound and how bounds relate.
    /// - Throws: `RaftConfigError` naming the first violated rule.
    public func validate() throws(RaftConfigError) {
        func require(_ condition: Bool, _ rule: String) throws(RaftConfigError) {
            if !condition { throw RaftConfigError(rule: rule) }
        }
        try require(heartbeatIntervalTicks >= 1, "heartbeatIntervalTicks must be >= 1")
        try require(electionTimeoutTicks > heartbeatIntervalTicks, "electionTimeoutTicks must be > heartbeatIntervalTicks")
        try require(electionTimeoutTicks <= 1 << 20, "electionTimeoutTicks must be <= 2^20")
        try require(inflightAppendCountMax >= 1, "inflightAppendCountMax must be >= 1")
        try require(appendBytesMax >= Entry.overheadBytes, "appendBytesMax must be >= Entry.overheadBytes")
        try require(inflightAppendBytesMax >= appendBytesMax, "inflightAppendBytesMax must be >= appendBytesMax")
        try require(uncommittedBytesMax >= appendBytesMax, "uncommittedBytesMax must be >= appendBytesMax")
        try require(applyBytesMax >= appendBytesMax, "applyBytesMax must be >= appendBytesMax")
    }
}

/// A violated configuration rule.
public struct RaftConfigError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The rule, in words.
    public var rule: String
    public var description: String { "invalid Raft configuration: \(rule)" }
}

/// Deliberate bugs the simulator's tests switch on to show that its checks catch them.
@_spi(Testing) public struct PlantedFaults: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// The leader commits entries of earlier terms by counting replicas (breaks Raft §5.4.2).
    public static let commitPreviousTermByCounting = PlantedFaults(rawValue: 1 << 0)
    /// Votes are granted without checking that the candidate's log is up to date (breaks §5.4.1).
    public static let voteWithoutLogCheck = PlantedFaults(rawValue: 1 << 1)
    /// Append acknowledgements are sent before the appended entries are durable.
    public static let acknowledgeBeforeDurable = PlantedFaults(rawValue: 1 << 2)
    /// A replica whose storage lost entries votes (by its present log) and campaigns while it refills.
    public static let voteWhileRefilling = PlantedFaults(rawValue: 1 << 3)
}
