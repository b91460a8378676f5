/// Kafka's rules for topic names (`org.apache.kafka.common.internals.Topic`).
public enum TopicName {
    /// Checks a name: 1 to 249 characters of `[a-zA-Z0-9._-]`, and neither `.` nor `..`.
    /// - Throws: `MetadataError` with code `invalidTopicName`.
    public static func validate(_ name: String) throws(MetadataError) {
        guard !name.isEmpty else { throw MetadataError(.invalidTopicName, "topic name is empty") }
        guard name != "." && name != ".." else {
            throw MetadataError(.invalidTopicName, "topic name cannot be \"\(name)\"")
        }
        let bytes = Array(name.utf8)
        guard bytes.count <= MetadataLimits.topicNameBytesMax else {
            throw MetadataError(.invalidTopicName, "topic name has \(bytes.count) characters, limit \(MetadataLimits.topicNameBytesMax)")
        }
        guard bytes.allSatisfy(isLegal) else {
            throw MetadataError(.invalidTopicName, "topic name \"\(name)\" may contain only ASCII letters, digits, '.', '_' and '-'")
        }
    }

    /// The name under which Kafka considers two names colliding: metric names replace `.` by
    /// `_`, so `a.b` and `a_b` cannot both exist.
    public static func collisionKey(_ name: String) -> String {
        String(decoding: name.utf8.map { $0 == UInt8(ascii: ".") ? UInt8(ascii: "_") : $0 }, as: UTF8.self)
    }

    private static func isLegal(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
