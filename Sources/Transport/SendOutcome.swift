/// What happened to bytes handed to ``TCPConnection`` for sending.
public enum SendOutcome: Sendable, Equatable {
    /// Queued; the send queue is at or below its high-water mark.
    case queued
    /// Queued, but the send queue is now above ``TransportLimits/sendQueueBytesHighWater``:
    /// the sender should hold back until ``TCPConnection/onWritable`` runs. The connection
    /// also stops reading from its peer meanwhile if ``TCPConnection/pausesReadingUnderBackpressure``.
    case queuedAboveHighWater
    /// Not queued: the bytes would take the queue past ``TransportLimits/sendQueueBytesMax``.
    case rejectedQueueFull
    /// Not queued: the connection is closing or closed.
    case rejectedClosed
    /// Not queued: the frame's body is larger than ``TransportLimits/frameBytesMax``, so the
    /// receiver would reject it.
    case rejectedFrameTooLarge

    /// Whether the bytes were queued (and will be written unless the connection fails).
    public var isQueued: Bool { self == .queued || self == .queuedAboveHighWater }
}
