/// Writes, for the test target, `arbitrary(version:using:)` for each generated struct: a random
/// value holding exactly the fields that `version` carries (others stay at their defaults), so
/// that writing then reading it must give it back unchanged.
struct ArbitraryEmitter {
    let message: MessageSpec
    let implemented: ClosedRange<Int>

    func source() throws -> String {
        var out = Lines()
        out.add(GeneratedHeader.text(source: message.fileName))
        out.add("")
        out.add("import KafkaProtocol")
        for spec in try StructSpec.all(in: message) {
            let qualified = spec.name == message.name ? spec.name : "\(message.name).\(spec.name)"
            out.add("")
            let conformance = message.kind == "data" ? "ArbitraryData" : "ArbitraryMessage"
            out.add("extension \(qualified)\(spec.name == message.name ? ": \(conformance)" : "") {")
            out.indent()
            out.add("static func arbitrary(version: Int16, using random: inout TestRandom) -> \(qualified) {")
            out.indent()
            out.add("var generated = \(qualified)()")
            for field in spec.fields {
                let condition = (field.isTagged ? field.taggedVersions : field.versions).condition(within: implemented)
                if condition == "false" { continue }
                let name = try SwiftNames.property(field.name)
                out.addConditional(condition, ["generated.\(name) = \(try expression(field))"])
            }
            out.add("return generated")
            out.dedent()
            out.add("}")
            out.dedent()
            out.add("}")
        }
        return out.text
    }

    private func expression(_ field: FieldSpec) throws -> String {
        let base = randomValue(field.type)
        guard field.isNullable else { return base }
        let nullable = field.nullableVersions.condition(within: implemented)
        if nullable == "false" { return base }
        let maybeNull = nullable == "true" ? "random.isNull()" : "\(nullable) && random.isNull()"
        return "\(maybeNull) ? nil : \(base)"
    }

    private func randomValue(_ type: FieldType) -> String {
        switch type {
        case .bool: "random.bool()"
        case .int8: "random.int8()"
        case .int16: "random.int16()"
        case .uint16: "random.uint16()"
        case .int32: "random.int32()"
        case .uint32: "random.uint32()"
        case .int64: "random.int64()"
        case .float64: "random.float64()"
        case .string: "random.string()"
        case .bytes, .records: "random.bytes()"
        case .uuid: "random.uuid()"
        case .structure(let name): "\(message.name).\(name).arbitrary(version: version, using: &random)"
        case .array(let element): "random.array { random in \(randomValue(element)) }"
        }
    }
}
