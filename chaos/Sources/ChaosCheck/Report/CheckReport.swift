/// The outcome of a check: whether the run kept its promises, the operation and fault counts,
/// and every anomaly kind found with a few examples. Encodes to the JSON report.
public struct CheckReport: Sendable, Equatable, Codable {
    /// True when no failing anomaly was found and every partition written to had a final log
    /// (when final logs were given). ``AnomalyKind/isFailure`` says which kinds fail a run.
    public var isValid: Bool
    /// History events read.
    public var eventCount: Int
    /// Outcomes per operation, in ``OperationName`` order.
    public var operations: [OperationRow]
    /// Faults per kind, by name.
    public var faults: [FaultRow]
    /// Anomalies per kind, in ``AnomalyKind`` order; kinds not found are absent.
    public var anomalies: [AnomalyRow]
    /// Partitions checked against a final log.
    public var partitionsWithFinalLog: [PartitionID]
    /// Partitions written to but without a final log although final logs were given: the
    /// harness failed to read them, so the run cannot pass.
    public var partitionsMissingFinalLog: [PartitionID]
    /// Limits the check hit, and other things a reader should know.
    public var notes: [String]

    /// The outcomes of one operation.
    public struct OperationRow: Sendable, Equatable, Codable {
        /// The operation's name in the history format.
        public var operation: String
        /// Its outcomes.
        public var counts: OutcomeCounts
    }

    /// The injections of one fault kind.
    public struct FaultRow: Sendable, Equatable, Codable {
        /// The fault's kind.
        public var kind: String
        /// Its injections.
        public var counts: FaultCounts
    }

    /// One anomaly kind.
    public struct AnomalyRow: Sendable, Equatable, Codable {
        /// The kind.
        public var kind: AnomalyKind
        /// Whether it fails the run.
        public var isFailure: Bool
        /// How many were found.
        public var count: Int
        /// The first few, in the order found.
        public var examples: [Anomaly]
    }

    /// The row for `kind`, if any was found.
    public func anomalies(of kind: AnomalyKind) -> AnomalyRow? {
        anomalies.first { $0.kind == kind }
    }

    /// The number of failing anomalies.
    public var failureCount: Int {
        anomalies.filter(\.isFailure).reduce(0) { $0 + $1.count }
    }
}
