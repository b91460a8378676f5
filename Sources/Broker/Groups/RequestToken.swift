/// The caller's name for a request whose answer may come later (JoinGroup, SyncGroup).
///
/// The coordinator never interprets it: it hands it back with the response in `GroupEffects`.
public struct RequestToken: Hashable, Sendable, CustomStringConvertible {
    /// The caller's value, e.g. a connection id and correlation id packed together.
    public let rawValue: UInt64

    /// Wraps a caller-chosen value.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// `#` and the value.
    public var description: String { "#\(rawValue)" }
}
