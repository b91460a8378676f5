/// Where one peer link stands, as reported for `/v1/status`.
public enum PeerLinkState: Sendable, Equatable {
    /// A connection attempt is in flight; `attempt` counts from 1 since the last success.
    case connecting(attempt: Int)
    /// Connected: frames can be sent.
    case connected
    /// Waiting `delay` before the next attempt, after `failures` consecutive failures.
    case backoff(failures: Int, delay: Duration)
    /// Waiting for the peer to connect: it has the lower id, so it dials this node.
    case awaitingInbound
}
