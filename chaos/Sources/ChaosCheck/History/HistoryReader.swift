/// Reads a history file event by event, in bounded memory.
public struct HistoryReader {
    /// The longest line accepted: a poll of 1000 records is about 40 KiB.
    public static let lineBytesMaxDefault = 1 << 20

    private var lines: LineReader
    /// The file (or label) the history comes from, for messages.
    public let source: String

    /// Reads the history file at `path`.
    /// - Throws: ``InputError`` when it cannot be opened.
    public init(path: String, lineBytesMax: Int = lineBytesMaxDefault) throws(InputError) {
        lines = try LineReader(path: path, lineBytesMax: lineBytesMax)
        source = path
    }

    /// Reads a history held in memory; `source` labels error messages.
    public init(text: String, source: String = "history", lineBytesMax: Int = lineBytesMaxDefault) {
        lines = LineReader(bytes: Array(text.utf8), source: source, lineBytesMax: lineBytesMax)
        self.source = source
    }

    /// The next event and its line number, or `nil` at the end. Blank lines are skipped.
    /// - Throws: ``InputError`` naming the line and the problem (bad JSON, a missing or invalid
    ///   field, a line too long).
    public mutating func next() throws(InputError) -> (line: Int, event: HistoryEvent)? {
        while let (number, bytes) = try lines.next() {
            if LineReader.isBlank(bytes) { continue }
            do {
                return (number, try HistoryLineParser.parse(bytes).event())
            } catch {
                throw InputError(source: source, line: number, message: error.message)
            }
        }
        return nil
    }
}
