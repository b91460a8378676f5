/// A history that breaks the format's rules about operations (not a system anomaly): a
/// completion without an invoke, a second invoke while one is outstanding, a value sent twice.
/// The check stops, since what follows cannot be interpreted.
public struct HistoryInconsistency: Error, Sendable, Equatable, CustomStringConvertible {
    /// What is wrong, in words.
    public var message: String

    /// Makes an inconsistency.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
