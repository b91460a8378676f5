/// Bytes that do not form a valid Kafka message: truncated, a length out of bounds, invalid UTF-8.
///
/// Network input is never trusted: every decoder in this module throws this error instead of
/// trapping, so the caller can close the offending connection and keep serving the others.
public struct KafkaDecodingError: Error, Hashable, Sendable, CustomStringConvertible {
    /// What was wrong, for logs; not meant to be parsed.
    public let message: String

    /// Creates an error describing malformed input.
    /// - Parameter message: what was wrong, e.g. "string length 70000 exceeds the 12 bytes left".
    public init(_ message: String) {
        self.message = message
    }

    /// The message, prefixed so logs say where it came from.
    public var description: String { "malformed Kafka message: \(message)" }
}
