/// A Swift struct to generate: the message itself, or a struct a field declares inline.
struct StructSpec {
    let name: String
    let fields: [FieldSpec]
    /// Doc line for the struct.
    let doc: String

    /// The message's own struct, then every inline struct in definition order (depth first).
    static func all(in message: MessageSpec) throws -> [StructSpec] {
        let what = message.apiKey.map { "body (api key \($0))" } ?? "payload, carried as bytes inside other messages"
        var found = [StructSpec(name: message.name, fields: message.fields, doc: "The \(message.name) \(what).")]
        var names: Set<String> = [message.name]
        func collect(_ fields: [FieldSpec]) throws {
            for field in fields {
                guard let structName = field.type.structName else { continue }
                guard let inner = field.fields else {
                    throw CodegenError("\(message.fileName): struct \(structName) has no inline fields")
                }
                guard names.insert(structName).inserted else {
                    throw CodegenError("\(message.fileName): struct \(structName) declared twice")
                }
                found.append(StructSpec(name: structName, fields: inner,
                                        doc: "An element of `\(try SwiftNames.property(field.name))` in \(message.name)."))
                try collect(inner)
            }
        }
        try collect(message.fields)
        return found
    }
}

extension FieldType {
    /// The struct name of a struct or struct-array type.
    var structName: String? {
        switch self {
        case .structure(let name): name
        case .array(let element): element.structName
        default: nil
        }
    }
}
