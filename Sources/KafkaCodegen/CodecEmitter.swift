/// Writes the Swift codec of one message: its structs, their initialisers, `init(from:version:)`
/// and `encode(into:version:)`.
struct CodecEmitter {
    let message: MessageSpec
    /// The API the message belongs to; nil for data payloads.
    let api: ApiCap?
    /// The versions generated code handles: the cap, within the definition's valid versions.
    let implemented: ClosedRange<Int>

    init(message: MessageSpec, api: ApiCap?, implemented: ClosedRange<Int>) throws {
        guard let low = message.validVersions.low, implemented.lowerBound >= low,
              implemented.upperBound <= (message.validVersions.high ?? Int.max) else {
            throw CodegenError("\(message.name): cap \(implemented) outside valid versions")
        }
        guard message.apiKey == api?.apiKey, (api == nil) == (message.kind == "data") else {
            throw CodegenError("\(message.name): api key \(String(describing: message.apiKey)) does not match its cap")
        }
        self.message = message
        self.api = api
        self.implemented = implemented
    }

    private var isRequest: Bool { message.kind == "request" }

    /// The expression for the implemented versions inside the message's own methods.
    private var supportedVersionsExpression: String { api == nil ? "Self.supportedVersions" : "Self.apiKey.supportedVersions" }
    private var flexibleCondition: String { message.flexibleVersions.condition(within: implemented) }
    /// Whether any implemented version is flexible (data payloads never are).
    private var hasFlexibleVersions: Bool { flexibleCondition != "false" }
    /// The `compact:` argument: the local `flexible`, or `false` when no version is flexible.
    private var compactArgument: String { hasFlexibleVersions ? "flexible" : "false" }

    func source() throws -> String {
        var out = Lines()
        out.add(GeneratedHeader.text(source: message.fileName))
        out.add("")
        let structs = try StructSpec.all(in: message)
        try emitStruct(structs[0], isMessage: true, into: &out)
        if structs.count > 1 {
            out.add("")
            out.add("extension \(message.name) {")
            out.indent()
            for (index, inner) in structs.dropFirst().enumerated() {
                if index > 0 { out.add("") }
                try emitStruct(inner, isMessage: false, into: &out)
            }
            out.dedent()
            out.add("}")
        }
        return out.text
    }

    private func emitStruct(_ spec: StructSpec, isMessage: Bool, into out: inout Lines) throws {
        out.add("/// \(spec.doc)")
        if isMessage, let api {
            out.add("///")
            out.add("/// Implemented versions: \(implemented.lowerBound)-\(implemented.upperBound) (`ApiKey.\(SwiftNames.caseName(api.api)).supportedVersions`).")
            let conformance = isRequest ? "KafkaRequestMessage" : "KafkaResponseMessage"
            out.add("public struct \(spec.name): \(conformance) {")
            out.indent()
            if isRequest {
                out.add("/// The body that answers this request.")
                out.add("public typealias Response = \(api.api)Response")
            }
            out.add("/// The API this body belongs to.")
            out.add("public static let apiKey = ApiKey.\(SwiftNames.caseName(api.api))")
            out.add("")
        } else if isMessage {
            out.add("public struct \(spec.name): KafkaDataMessage {")
            out.indent()
            out.add("/// The versions implemented.")
            out.add("public static let supportedVersions: ClosedRange<Int16> = \(implemented.lowerBound)...\(implemented.upperBound)")
            out.add("")
        } else {
            out.add("public struct \(spec.name): Hashable, Sendable {")
            out.indent()
        }
        for field in spec.fields {
            out.add(SwiftNames.doc(field.about, fallback: field.name))
            out.add("public var \(try SwiftNames.property(field.name)): \(SwiftNames.propertyType(field))")
        }
        out.add("")
        try emitMemberwiseInit(spec, into: &out)
        out.add("")
        try emitDecoder(spec, isMessage: isMessage, into: &out)
        out.add("")
        try emitEncoder(spec, isMessage: isMessage, into: &out)
        out.dedent()
        out.add("}")
    }

    private func emitMemberwiseInit(_ spec: StructSpec, into out: inout Lines) throws {
        out.add("/// Creates a value; each argument defaults to Kafka's default for the field.")
        out.add("public init(")
        out.indent()
        for (index, field) in spec.fields.enumerated() {
            let comma = index == spec.fields.count - 1 ? "" : ","
            out.add("\(try SwiftNames.property(field.name)): \(SwiftNames.propertyType(field)) = \(try SwiftNames.defaultValue(field))\(comma)")
        }
        out.dedent()
        out.add(") {")
        out.indent()
        for field in spec.fields {
            let name = try SwiftNames.property(field.name)
            out.add("self.\(name) = \(name)")
        }
        out.dedent()
        out.add("}")
    }

    /// The implemented versions that carry `field`: conditions inside its `if` need only
    /// distinguish among these.
    private func presentVersions(_ field: FieldSpec) throws -> ClosedRange<Int> {
        let present = implemented.filter(field.versions.contains)
        guard let first = present.first, let last = present.last, present.count == last - first + 1 else {
            throw CodegenError("\(message.name).\(field.name): versions \(field.versions) not contiguous within \(implemented)")
        }
        return first...last
    }

    // MARK: Decoding

    private func emitDecoder(_ spec: StructSpec, isMessage: Bool, into out: inout Lines) throws {
        out.add("/// Reads the value as written at `version`.")
        out.add("public init(from reader: inout ByteReader, version: Int16) throws(KafkaDecodingError) {")
        out.indent()
        if isMessage {
            out.add("precondition(\(supportedVersionsExpression).contains(version), \"\(message.name) v\\(version) is not implemented\")")
        }
        if hasFlexibleVersions { out.add("let flexible = \(flexibleCondition)") }
        for field in spec.fields {
            out.add("var \(try SwiftNames.property(field.name)): \(SwiftNames.propertyType(field)) = \(try SwiftNames.defaultValue(field))")
        }
        for field in spec.fields where !field.isTagged {
            let condition = field.versions.condition(within: implemented)
            if condition == "false" { continue }
            let body = try decodeStatements(field, compact: compactArgument)
            out.addConditional(condition, body)
        }
        try emitTaggedDecoding(spec, into: &out)
        let arguments = try spec.fields.map { field in
            let name = try SwiftNames.property(field.name)
            return "\(name): \(name)"
        }
        out.add("self.init(\(arguments.joined(separator: ", ")))")
        out.dedent()
        out.add("}")
    }

    private func emitTaggedDecoding(_ spec: StructSpec, into out: inout Lines) throws {
        let tagged = spec.fields.filter(\.isTagged).sorted { ($0.tag ?? 0) < ($1.tag ?? 0) }
        guard hasFlexibleVersions else {
            if !tagged.isEmpty { throw CodegenError("\(message.name): tagged fields without flexible versions") }
            return
        }
        out.add("if flexible {")
        out.indent()
        if tagged.isEmpty {
            out.add("try reader.skipTaggedFields()")
        } else {
            out.add("try reader.readTaggedFields { (tag: UInt32, reader: inout ByteReader) throws(KafkaDecodingError) -> Bool in")
            out.indent()
            out.add("switch tag {")
            for field in tagged {
                let condition = field.taggedVersions.condition(within: implemented)
                out.add("case \(field.tag ?? 0)\(condition == "true" ? "" : " where \(condition)"):")
                out.indent()
                out.add(try decodeStatements(field, compact: "true"))
                out.add("return true")
                out.dedent()
            }
            out.add("default:")
            out.add("    return false")
            out.add("}")
            out.dedent()
            out.add("}")
        }
        out.dedent()
        out.add("}")
    }

    /// Statements that read `field` into the local of the same name.
    private func decodeStatements(_ field: FieldSpec, compact: String) throws -> [String] {
        let target = try SwiftNames.property(field.name)
        let nullable = field.nullableVersions.condition(within: try presentVersions(field))
        switch field.type {
        case .string, .bytes, .records, .array:
            let nonNull = "\(target) = try \(try readExpression(field.type, nullable: false, compact: compact))"
            let orNull = "\(target) = try \(try readExpression(field.type, nullable: true, compact: compact))"
            if !field.isNullable || nullable == "false" { return [nonNull] }
            if nullable == "true" { return [orNull] }
            return ["if \(nullable) {", "    " + orNull, "} else {", "    " + nonNull, "}"]
        case .structure:
            if field.isNullable { throw CodegenError("\(message.name).\(field.name): nullable structs are not supported") }
            return ["\(target) = try \(try readExpression(field.type, nullable: false, compact: compact))"]
        default:
            return ["\(target) = try \(try readExpression(field.type, nullable: false, compact: compact))"]
        }
    }

    /// An expression (without its leading `try`) that reads one value of `type`.
    private func readExpression(_ type: FieldType, nullable: Bool, compact: String) throws -> String {
        let null = nullable ? "Nullable" : ""
        switch type {
        case .bool: return "reader.readBool()"
        case .int8: return "reader.readInt8()"
        case .int16: return "reader.readInt16()"
        case .uint16: return "reader.readUInt16()"
        case .int32: return "reader.readInt32()"
        case .uint32: return "reader.readUInt32()"
        case .int64: return "reader.readInt64()"
        case .float64: return "reader.readFloat64()"
        case .uuid: return "reader.readUUID()"
        case .string: return "reader.read\(null)String(compact: \(compact))"
        case .bytes, .records: return "reader.read\(null)Bytes(compact: \(compact))"
        case .structure(let name): return "\(name)(from: &reader, version: version)"
        case .array(let element):
            if case .array = element { throw CodegenError("\(message.name): arrays of arrays are not supported") }
            let elementType = SwiftNames.type(element)
            let elementRead = try readExpression(element, nullable: false, compact: compact)
            return "reader.read\(null)Array(compact: \(compact)) { (reader: inout ByteReader) throws(KafkaDecodingError) -> \(elementType) in try \(elementRead) }"
        }
    }

    // MARK: Encoding

    private func emitEncoder(_ spec: StructSpec, isMessage: Bool, into out: inout Lines) throws {
        out.add("/// Writes the value as `version` lays it out; fields that `version` lacks are skipped.")
        out.add("public func encode(into writer: inout ByteWriter, version: Int16) {")
        out.indent()
        if isMessage {
            out.add("precondition(\(supportedVersionsExpression).contains(version), \"\(message.name) v\\(version) is not implemented\")")
        }
        if hasFlexibleVersions { out.add("let flexible = \(flexibleCondition)") }
        for field in spec.fields where !field.isTagged {
            let condition = field.versions.condition(within: implemented)
            if condition == "false" { continue }
            out.addConditional(condition, try encodeStatements(field, value: "self.\(try SwiftNames.property(field.name))", compact: compactArgument))
        }
        if hasFlexibleVersions { try emitTaggedEncoding(spec, into: &out) }
        out.dedent()
        out.add("}")
    }

    private func emitTaggedEncoding(_ spec: StructSpec, into out: inout Lines) throws {
        let tagged = spec.fields.filter(\.isTagged).sorted { ($0.tag ?? 0) < ($1.tag ?? 0) }
        out.add("if flexible {")
        out.indent()
        if tagged.isEmpty {
            out.add("writer.writeEmptyTaggedFields()")
        } else {
            // A tagged field is sent only when it differs from its default, as Kafka does.
            let presence = try tagged.map { field -> String in
                let name = "self.\(try SwiftNames.property(field.name))"
                let differs = "\(name) != \(try SwiftNames.defaultValue(field))"
                let condition = field.taggedVersions.condition(within: implemented)
                return condition == "true" ? differs : "\(condition) && \(differs)"
            }
            out.add("var taggedFieldCount: UInt32 = 0")
            for condition in presence {
                out.add("if \(condition) { taggedFieldCount += 1 }")
            }
            out.add("writer.writeUnsignedVarint(taggedFieldCount)")
            for (field, condition) in zip(tagged, presence) {
                out.add("if \(condition) {")
                out.indent()
                out.add("writer.writeTaggedField(tag: \(field.tag ?? 0)) { writer in")
                out.indent()
                out.add(try encodeStatements(field, value: "self.\(try SwiftNames.property(field.name))", compact: "true"))
                out.dedent()
                out.add("}")
                out.dedent()
                out.add("}")
            }
        }
        out.dedent()
        out.add("}")
    }

    /// Statements that write `value` (an expression of `field`'s property type).
    private func encodeStatements(_ field: FieldSpec, value: String, compact: String) throws -> [String] {
        let nullable = field.nullableVersions.condition(within: try presentVersions(field))
        guard field.isNullable else { return try writeStatements(field.type, value: value, nullable: false, compact: compact) }
        if case .structure = field.type { throw CodegenError("\(message.name).\(field.name): nullable structs are not supported") }
        let empty = field.type == .string ? "\"\"" : "[]"
        // In versions where the field cannot be null, nil is written as empty.
        let orNull = try writeStatements(field.type, value: value, nullable: true, compact: compact)
        let nonNull = try writeStatements(field.type, value: "(\(value) ?? \(empty))", nullable: false, compact: compact)
        if nullable == "true" { return orNull }
        if nullable == "false" { return nonNull }
        return ["if \(nullable) {"] + orNull.map { "    " + $0 } + ["} else {"] + nonNull.map { "    " + $0 } + ["}"]
    }

    private func writeStatements(_ type: FieldType, value: String, nullable: Bool, compact: String) throws -> [String] {
        let null = nullable ? "Nullable" : ""
        switch type {
        case .bool: return ["writer.writeBool(\(value))"]
        case .int8: return ["writer.writeInt8(\(value))"]
        case .int16: return ["writer.writeInt16(\(value))"]
        case .uint16: return ["writer.writeUInt16(\(value))"]
        case .int32: return ["writer.writeInt32(\(value))"]
        case .uint32: return ["writer.writeUInt32(\(value))"]
        case .int64: return ["writer.writeInt64(\(value))"]
        case .float64: return ["writer.writeFloat64(\(value))"]
        case .uuid: return ["writer.writeUUID(\(value))"]
        case .string: return ["writer.write\(null)String(\(value), compact: \(compact))"]
        case .bytes, .records: return ["writer.write\(null)Bytes(\(value), compact: \(compact))"]
        case .structure: return ["\(value).encode(into: &writer, version: version)"]
        case .array(let element):
            let body = try writeStatements(element, value: "item", nullable: false, compact: compact)
            return ["writer.write\(null)Array(\(value), compact: \(compact)) { writer, item in"] + body.map { "    " + $0 } + ["}"]
        }
    }
}
