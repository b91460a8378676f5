/// Bounds and switches of one check.
public struct CheckOptions: Sendable {
    /// Examples kept per anomaly kind unless told otherwise.
    public static let exampleCountMaxDefault = 8
    /// Jumps in a consumer's position kept for checking at the end, for partitions without a final
    /// log (with one, jumps are checked at once). A healthy run jumps only over control records.
    public static let deferredSkipCountMaxDefault = 1 << 20

    /// How many examples of each anomaly kind the report keeps.
    public var exampleCountMax: Int
    /// How many consumer position jumps are kept for the end-of-history poll-skip check.
    public var deferredSkipCountMax: Int

    /// Makes options.
    public init(exampleCountMax: Int = exampleCountMaxDefault,
                deferredSkipCountMax: Int = deferredSkipCountMaxDefault) {
        precondition(exampleCountMax > 0 && deferredSkipCountMax > 0, "bounds must be positive")
        self.exampleCountMax = exampleCountMax
        self.deferredSkipCountMax = deferredSkipCountMax
    }
}
