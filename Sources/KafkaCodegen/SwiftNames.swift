import Foundation

/// Swift spellings of names and types from Kafka's message definitions.
enum SwiftNames {
    /// Swift keywords that Kafka field names could turn into; such names get backticks.
    private static let keywords: Set<String> = [
        "as", "associatedtype", "break", "case", "catch", "class", "continue", "default", "defer", "do", "else",
        "enum", "extension", "fallthrough", "false", "for", "func", "guard", "if", "import", "in", "init",
        "inout", "internal", "is", "let", "nil", "operator", "private", "protocol", "public", "repeat",
        "rethrows", "return", "self", "static", "struct", "subscript", "super", "switch", "throw", "throws",
        "true", "try", "typealias", "var", "where", "while",
    ]

    /// Local names the generated code uses itself; a field may not take one.
    static let reserved: Set<String> = ["version", "reader", "writer", "flexible", "tag", "item", "random", "generated",
                                        "taggedFieldCount"]

    /// "ThrottleTimeMs" -> "throttleTimeMs" (backticked if a keyword).
    static func property(_ name: String) throws -> String {
        guard let first = name.first else { throw CodegenError("empty field name") }
        let lowered = first.lowercased() + name.dropFirst()
        if reserved.contains(lowered) { throw CodegenError("field name \(name) clashes with generated locals") }
        return keywords.contains(lowered) ? "`\(lowered)`" : lowered
    }

    /// "ApiVersions" -> "apiVersions" (for `ApiKey` cases).
    static func caseName(_ name: String) -> String {
        guard let first = name.first else { return name }
        return first.lowercased() + name.dropFirst()
    }

    /// The Swift type of a value of `type` (without the optional that nullability adds).
    static func type(_ type: FieldType) -> String {
        switch type {
        case .bool: "Bool"
        case .int8: "Int8"
        case .int16: "Int16"
        case .uint16: "UInt16"
        case .int32: "Int32"
        case .uint32: "UInt32"
        case .int64: "Int64"
        case .float64: "Double"
        case .string: "String"
        case .bytes, .records: "[UInt8]"
        case .uuid: "KafkaUUID"
        case .array(let element): "[\(self.type(element))]"
        case .structure(let name): name
        }
    }

    /// The Swift property type of `field`: optional when any version lets it be null.
    static func propertyType(_ field: FieldSpec) -> String {
        type(field.type) + (field.isNullable ? "?" : "")
    }

    /// The Swift expression for `field`'s default value (Kafka's rules: zero, empty, or the
    /// definition's "default"; records default to null).
    static func defaultValue(_ field: FieldSpec) throws -> String {
        if field.defaultValue == "null" {
            guard field.isNullable else { throw CodegenError("field \(field.name) defaults to null but is never nullable") }
            return "nil"
        }
        switch field.type {
        case .bool:
            return field.defaultValue ?? "false"
        case .int8, .int16, .uint16, .int32, .uint32, .int64, .float64:
            return field.defaultValue ?? "0"
        case .string:
            return stringLiteral(field.defaultValue ?? "")
        case .bytes:
            return "[]"
        case .records:
            return field.isNullable ? "nil" : "[]"
        case .uuid:
            return ".zero"
        case .array:
            return "[]"
        case .structure(let name):
            return "\(name)()"
        }
    }

    static func stringLiteral(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// A one-line `///` comment from a definition's "about" text.
    static func doc(_ text: String?, fallback: String) -> String {
        let line = (text ?? "The \(fallback) field.").split(whereSeparator: \.isNewline).joined(separator: " ")
        return "/// " + (line.isEmpty ? "The \(fallback) field." : line)
    }
}
