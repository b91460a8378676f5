import CLibUV

/// An error of the transport: a full queue, a closed loop, a malformed frame, a failed socket call.
///
/// ``kind`` is what code branches on; ``message`` is for logs and says what happened in words.
public struct TransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that react differently to different failures.
    public enum Kind: Sendable, Equatable {
        /// A bounded queue is at its bound; the item was not enqueued.
        case queueFull
        /// The loop or connection is shut down or shutting down.
        case closed
        /// Bytes from the network do not form a valid frame (bad magic, version, length, checksum).
        case malformedFrame
        /// A frame announces a body larger than ``TransportLimits/frameBytesMax``.
        case frameTooLarge
        /// The peer closed the connection in the middle of a frame.
        case truncatedFrame
        /// A libuv call failed with this (negative) error code.
        case libuv(Int32)
        /// A connection attempt did not complete within ``TransportLimits/connectTimeout``.
        case timedOut
        /// An argument is outside what the transport accepts (an address, a port).
        case invalidArgument
        /// ``TransportLimits/validate()`` found inconsistent bounds.
        case invalidLimits
    }

    /// What went wrong.
    public let kind: Kind
    /// A sentence for logs.
    public let message: String

    /// Makes an error of `kind` described by `message`.
    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// Wraps a failed libuv call: `operation` names the call, `code` is its negative result.
    static func libuv(_ operation: String, _ code: Int32) -> TransportError {
        let name = String(cString: uv_err_name(code))
        let text = String(cString: uv_strerror(code))
        return TransportError(.libuv(code), "\(operation) failed: \(name) (\(text))")
    }

    /// Throws when a libuv call returned a negative code.
    static func check(_ code: Int32, _ operation: @autoclosure () -> String) throws(TransportError) {
        if code < 0 { throw libuv(operation(), code) }
    }

    public var description: String { message }
}
