/// Runs a whole check: builds the final logs from replica dumps, streams the history through a
/// ``HistoryChecker``, and returns the report.
public enum Check {
    /// Checks the history read by `history` against `replicas`.
    /// - Parameters:
    ///   - history: the history, read to its end.
    ///   - replicas: a function returning each replica log in turn, `nil` after the last, so
    ///     that only the final logs stay in memory; pass `{ nil }` to check the history alone.
    ///   - options: bounds of the check.
    /// - Throws: ``InputError`` for an unreadable input or a history that breaks the format.
    public static func run(
        history: inout HistoryReader, replicas: () throws(InputError) -> ReplicaLog?,
        options: CheckOptions = CheckOptions()
    ) throws(InputError) -> CheckReport {
        var finalLogs = FinalLogs(exampleCountMax: options.exampleCountMax)
        while let replica = try replicas() { finalLogs.add(replica) }
        var checker = HistoryChecker(finalLogs: finalLogs, options: options)
        while let (line, event) = try history.next() {
            do {
                try checker.record(event, line: line)
            } catch {
                throw InputError(source: history.source, line: line, message: error.message)
            }
        }
        return checker.finish()
    }
}
