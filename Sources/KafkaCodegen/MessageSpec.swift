import Foundation

/// Something in a message definition the generator cannot turn into Swift.
public struct CodegenError: Error, CustomStringConvertible {
    /// What went wrong.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The wire type of a field.
indirect enum FieldType: Equatable {
    case bool, int8, int16, uint16, int32, uint32, int64, float64, string, bytes, records, uuid
    case array(FieldType)
    case structure(String)

    init(parsing text: String) throws {
        if text.hasPrefix("[]") {
            self = .array(try FieldType(parsing: String(text.dropFirst(2))))
            return
        }
        switch text {
        case "bool": self = .bool
        case "int8": self = .int8
        case "int16": self = .int16
        case "uint16": self = .uint16
        case "int32": self = .int32
        case "uint32": self = .uint32
        case "int64": self = .int64
        case "float64": self = .float64
        case "string": self = .string
        case "bytes": self = .bytes
        case "records": self = .records
        case "uuid": self = .uuid
        default:
            guard let first = text.first, first.isUppercase else { throw CodegenError("unknown field type \(text)") }
            self = .structure(text)
        }
    }
}

/// One field of a message or struct, as its JSON definition states it.
struct FieldSpec {
    let name: String
    let type: FieldType
    let versions: VersionSpan
    let nullableVersions: VersionSpan
    let taggedVersions: VersionSpan
    let tag: Int?
    /// The "default" attribute as written (a string, number or bool), if any.
    let defaultValue: String?
    let about: String?
    /// Fields of the struct this field declares inline (for struct and struct-array types).
    let fields: [FieldSpec]?

    init(json: [String: Any]) throws {
        guard let name = json["name"] as? String, let type = json["type"] as? String,
              let versions = json["versions"] as? String else {
            throw CodegenError("field without name, type or versions: \(json)")
        }
        self.name = name
        self.type = try FieldType(parsing: type)
        self.versions = try VersionSpan(parsing: versions)
        self.nullableVersions = try (json["nullableVersions"] as? String).map(VersionSpan.init(parsing:)) ?? .none
        self.taggedVersions = try (json["taggedVersions"] as? String).map(VersionSpan.init(parsing:)) ?? .none
        self.tag = json["tag"] as? Int
        if let flexible = json["flexibleVersions"] {
            throw CodegenError("field \(name) overrides flexibleVersions (\(flexible)); not supported")
        }
        switch json["default"] {
        case nil: defaultValue = nil
        case let text as String: defaultValue = text
        case let number as Int: defaultValue = String(number)
        default: throw CodegenError("field \(name) has an unreadable default")
        }
        self.about = json["about"] as? String
        self.fields = try (json["fields"] as? [[String: Any]])?.map(FieldSpec.init(json:))
        if (tag == nil) != (taggedVersions == .none) {
            throw CodegenError("field \(name) must have both tag and taggedVersions, or neither")
        }
        if taggedVersions != .none, taggedVersions != self.versions {
            throw CodegenError("field \(name) is tagged in only some of its versions; not supported")
        }
    }

    var isTagged: Bool { tag != nil }
    var isNullable: Bool { nullableVersions != .none }
}

/// A request or response definition: one JSON file.
struct MessageSpec {
    let name: String
    /// "request", "response" or "data" (a versioned payload inside another message's bytes).
    let kind: String
    /// The api key; nil for data.
    let apiKey: Int?
    let validVersions: VersionSpan
    let flexibleVersions: VersionSpan
    let fields: [FieldSpec]
    let fileName: String

    /// Parses a message file (JSON with whole-line `//` comments, as Kafka writes them).
    init(fileName: String, text: String) throws {
        let json = text.split(separator: "\n", omittingEmptySubsequences: false)
            .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
            .joined(separator: "\n")
        guard let object = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
              let name = object["name"] as? String, let kind = object["type"] as? String,
              kind == "data" || object["apiKey"] is Int, let valid = object["validVersions"] as? String,
              let flexible = object["flexibleVersions"] as? String,
              let fields = object["fields"] as? [[String: Any]] else {
            throw CodegenError("\(fileName) is not a request, response or data definition")
        }
        if object["commonStructs"] != nil {
            throw CodegenError("\(fileName) uses commonStructs; not supported yet")
        }
        self.name = name
        self.kind = kind
        self.apiKey = object["apiKey"] as? Int
        self.validVersions = try VersionSpan(parsing: valid)
        self.flexibleVersions = try VersionSpan(parsing: flexible)
        self.fields = try fields.map(FieldSpec.init(json:))
        self.fileName = fileName
    }
}
