/// A node of the cluster as Kafka clients see it: the broker id of Metadata responses.
///
/// Kafka broker ids are non-negative `int32`s; the node converts to `Raft.NodeID` at the seam.
public struct BrokerID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The id as a number.
    public var rawValue: Int32

    /// Creates an id from its number.
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Creates an id from its number.
    public init(_ rawValue: Int32) { self.rawValue = rawValue }

    public static func < (lhs: BrokerID, rhs: BrokerID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "n\(rawValue)" }
}

/// A topic's 16-byte id (a UUID in Kafka), fixed at creation and never reused.
///
/// The proposer generates it (apply never invents one, so every replica agrees on it).
public struct TopicID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first 8 bytes, big-endian.
    public var high: UInt64
    /// The last 8 bytes, big-endian.
    public var low: UInt64

    /// Creates an id from its two halves.
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Creates an id from 16 bytes (as carried by Kafka's `uuid` fields); nil for any other count.
    public init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        high = bytes[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
        low = bytes[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// The 16 bytes of the id, big-endian.
    public var bytes: [UInt8] {
        (0..<16).map { i in
            let half = i < 8 ? high : low
            return UInt8(truncatingIfNeeded: half >> UInt64(56 - 8 * (i % 8)))
        }
    }

    /// Kafka reserves the all-zero UUID ("no id") and `...0001` (the metadata topic's id);
    /// neither may name a topic.
    public var isReserved: Bool { high == 0 && low <= 1 }

    public static func < (lhs: TopicID, rhs: TopicID) -> Bool {
        (lhs.high, lhs.low) < (rhs.high, rhs.low)
    }

    /// The canonical UUID text, `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    public var description: String {
        let hex = bytes.map { byte in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return [0..<4, 4..<6, 6..<8, 8..<10, 10..<16].map { hex[$0].joined() }.joined(separator: "-")
    }
}

/// A Raft group of the cluster: one per partition, cluster-unique, never reused.
public struct RaftGroupID: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The id as a number.
    public var rawValue: UInt64

    /// Creates an id from its number.
    public init(rawValue: UInt64) { self.rawValue = rawValue }

    /// Creates an id from its number.
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    /// The controller group itself; partition groups never use it.
    public static let controller = RaftGroupID(0)

    /// The first id handed to a partition.
    public static let firstPartitionGroup = RaftGroupID(1)

    public static func < (lhs: RaftGroupID, rhs: RaftGroupID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { "g\(rawValue)" }
}
