/// The identity of a Raft group on the cluster (a partition replica set, or the controller).
///
/// Assigned by the controller; the same group has the same id on every node that hosts one of
/// its replicas, so peer frames name groups by it.
public struct GroupID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The id as a number.
    public var rawValue: UInt64

    /// Creates an id from its number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Creates an id from its number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: GroupID, rhs: GroupID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "g\(rawValue)" }
}
