extension Duration {
    /// The duration in whole milliseconds, clamped to `Int32` (Kafka's timeouts are int32 ms).
    var int32Milliseconds: Int32 {
        let (seconds, attoseconds) = components
        return Int32(clamping: seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
    }
}
