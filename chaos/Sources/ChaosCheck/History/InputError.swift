/// An input file (a history or a replica dump) that cannot be read as the format requires.
/// The message names the file and line so that a person can open it there.
public struct InputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or a label for in-memory input).
    public var source: String
    /// The 1-based line number; 0 when the problem is not on one line (an unreadable file).
    public var line: Int
    /// What is wrong, in words.
    public var message: String

    /// Makes an input error.
    public init(source: String, line: Int, message: String) {
        self.source = source
        self.line = line
        self.message = message
    }

    /// `source:line: message`, the form compilers use.
    public var description: String {
        line > 0 ? "\(source):\(line): \(message)" : "\(source): \(message)"
    }
}
