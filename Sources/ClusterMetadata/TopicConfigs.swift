/// The topic configs Tributary supports, by their Kafka names.
public enum TopicConfigKey: String, Hashable, Sendable, CaseIterable, Comparable {
    /// Delete segments whose newest record is older than this many milliseconds; -1 keeps all.
    case retentionMs = "retention.ms"
    /// Delete the oldest segments while the rest hold at least this many bytes; -1 keeps all.
    case retentionBytes = "retention.bytes"
    /// Roll a new segment past this many bytes.
    case segmentBytes = "segment.bytes"
    /// Only `delete` (compaction is not supported); accepted so clients may state it.
    case cleanupPolicy = "cleanup.policy"

    public static func < (lhs: TopicConfigKey, rhs: TopicConfigKey) -> Bool {
        lhs.codeValue < rhs.codeValue
    }

    /// The key's number in the binary encoding.
    var codeValue: UInt8 {
        switch self {
        case .retentionMs: 0
        case .retentionBytes: 1
        case .segmentBytes: 2
        case .cleanupPolicy: 3
        }
    }

    init?(codeValue: UInt8) {
        guard let key = Self.allCases.first(where: { $0.codeValue == codeValue }) else { return nil }
        self = key
    }
}

/// A topic's config overrides; nil means "the node's default".
public struct TopicConfigs: Hashable, Sendable {
    /// `retention.ms`: -1 (keep forever) or a non-negative age.
    public var retentionMs: Int64?
    /// `retention.bytes`: -1 (no size limit) or a non-negative size.
    public var retentionBytes: Int64?
    /// `segment.bytes`: at least 1 MiB (Kafka 4.0's lower bound, which also keeps a segment
    /// larger than any batch the node accepts).
    public var segmentBytes: Int32?

    /// The smallest `segment.bytes` accepted.
    public static let segmentBytesMin: Int32 = 1 << 20

    /// Creates a set of overrides.
    public init(retentionMs: Int64? = nil, retentionBytes: Int64? = nil, segmentBytes: Int32? = nil) {
        self.retentionMs = retentionMs
        self.retentionBytes = retentionBytes
        self.segmentBytes = segmentBytes
    }

    /// Checks every override's range.
    /// - Throws: `MetadataError` with code `invalidConfig`.
    public func validate() throws(MetadataError) {
        if let ms = retentionMs, ms < -1 { throw Self.outOfRange(.retentionMs, "\(ms)", "-1 or more") }
        if let bytes = retentionBytes, bytes < -1 { throw Self.outOfRange(.retentionBytes, "\(bytes)", "-1 or more") }
        if let bytes = segmentBytes, bytes < Self.segmentBytesMin {
            throw Self.outOfRange(.segmentBytes, "\(bytes)", "at least \(Self.segmentBytesMin)")
        }
    }

    /// Sets one config from its Kafka name and text value (CreateTopics, AlterConfigs).
    /// - Throws: `MetadataError` with code `invalidConfig` for an unknown name, a value that
    ///   is not a number, out of range, or a cleanup policy other than `delete`.
    public mutating func set(_ name: String, to value: String) throws(MetadataError) {
        guard let key = TopicConfigKey(rawValue: name) else {
            throw MetadataError(.invalidConfig, "unsupported topic config \"\(name)\"")
        }
        switch key {
        case .retentionMs: retentionMs = try Self.number(value, key)
        case .retentionBytes: retentionBytes = try Self.number(value, key)
        case .segmentBytes: segmentBytes = try Self.number(value, key)
        case .cleanupPolicy:
            guard value == "delete" else {
                throw MetadataError(.invalidConfig, "cleanup.policy \"\(value)\" is not supported; only \"delete\"")
            }
        }
        try validate()
    }

    /// Drops the override of `key`, so the node's default applies again.
    public mutating func reset(_ key: TopicConfigKey) {
        switch key {
        case .retentionMs: retentionMs = nil
        case .retentionBytes: retentionBytes = nil
        case .segmentBytes: segmentBytes = nil
        case .cleanupPolicy: break
        }
    }

    /// The overrides that are set, by Kafka name and text value, in key order (DescribeConfigs).
    public var overrides: [(name: String, value: String)] {
        let values: [(TopicConfigKey, String?)] = [
            (.retentionMs, retentionMs.map { "\($0)" }),
            (.retentionBytes, retentionBytes.map { "\($0)" }),
            (.segmentBytes, segmentBytes.map { "\($0)" }),
        ]
        return values.compactMap { key, value in value.map { (key.rawValue, $0) } }
    }

    private static func number<Value: FixedWidthInteger>(_ text: String, _ key: TopicConfigKey) throws(MetadataError) -> Value {
        guard let value = Value(text) else {
            throw MetadataError(.invalidConfig, "\(key.rawValue) \"\(text)\" is not an integer in \(Value.min)...\(Value.max)")
        }
        return value
    }

    private static func outOfRange(_ key: TopicConfigKey, _ value: String, _ range: String) -> MetadataError {
        MetadataError(.invalidConfig, "\(key.rawValue) \(value) is out of range: must be \(range)")
    }
}

/// An incremental change of a topic's configs: overrides to set and overrides to drop.
public struct TopicConfigUpdate: Hashable, Sendable {
    /// The overrides to set (nil fields are left alone).
    public var set: TopicConfigs
    /// The overrides to drop; a key may not be both set and dropped.
    public var reset: [TopicConfigKey]

    /// Creates an update.
    public init(set: TopicConfigs = TopicConfigs(), reset: [TopicConfigKey] = []) {
        self.set = set
        self.reset = reset
    }

    /// The configs after applying this update to `current`.
    /// - Throws: `MetadataError` (`invalidConfig`) when a key is both set and reset, repeated,
    ///   or a value is out of range.
    func applied(to current: TopicConfigs) throws(MetadataError) -> TopicConfigs {
        try set.validate()
        guard reset.count <= MetadataLimits.configChangeCountMax, Set(reset).count == reset.count else {
            throw MetadataError(.invalidConfig, "config reset list repeats a key or exceeds \(MetadataLimits.configChangeCountMax) keys")
        }
        let setKeys = Set(set.overrides.map(\.name))
        if let both = reset.first(where: { setKeys.contains($0.rawValue) }) {
            throw MetadataError(.invalidConfig, "\(both.rawValue) is both set and reset")
        }
        var result = current
        for key in reset { result.reset(key) }
        if let ms = set.retentionMs { result.retentionMs = ms }
        if let bytes = set.retentionBytes { result.retentionBytes = bytes }
        if let bytes = set.segmentBytes { result.segmentBytes = bytes }
        return result
    }
}
