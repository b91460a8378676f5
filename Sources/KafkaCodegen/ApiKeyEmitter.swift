/// Writes `ApiKey`: the APIs Tributary implements, their version ranges (from `VersionCaps`)
/// and where their flexible versions start.
struct ApiKeyEmitter {
    /// Each cap with the request definition it applies to.
    let apis: [(cap: ApiCap, request: MessageSpec)]

    func source() throws -> String {
        var out = Lines()
        out.add(GeneratedHeader.text(source: "the *Request.json files and VersionCaps.swift"))
        out.add("")
        out.add("/// The Kafka APIs Tributary implements, by their wire number.")
        out.add("public enum ApiKey: Int16, CaseIterable, Sendable {")
        out.indent()
        for (cap, _) in apis {
            out.add("/// \(cap.api): versions \(cap.versions.lowerBound)-\(cap.versions.upperBound) (\(cap.reason)).")
            out.add("case \(SwiftNames.caseName(cap.api)) = \(cap.apiKey)")
        }
        out.add("")
        out.add("/// The versions implemented, and so advertised in ApiVersions.")
        out.add("public var supportedVersions: ClosedRange<Int16> {")
        out.indent()
        out.add("switch self {")
        for (cap, _) in apis {
            out.add("case .\(SwiftNames.caseName(cap.api)): \(cap.versions.lowerBound)...\(cap.versions.upperBound)")
        }
        out.add("}")
        out.dedent()
        out.add("}")
        out.add("")
        out.add("/// The first version with compact strings and arrays and tagged fields (and so request")
        out.add("/// header v2, response header v1).")
        out.add("public var flexibleVersionMin: Int16 {")
        out.indent()
        out.add("switch self {")
        for (cap, request) in apis {
            guard let low = request.flexibleVersions.low, request.flexibleVersions.high == nil else {
                throw CodegenError("\(request.name): flexible versions must be open-ended")
            }
            out.add("case .\(SwiftNames.caseName(cap.api)): \(low)")
        }
        out.add("}")
        out.dedent()
        out.add("}")
        out.add("")
        out.add("/// Whether `version` of this API is a flexible version.")
        out.add("public func isFlexible(_ version: Int16) -> Bool { version >= flexibleVersionMin }")
        out.dedent()
        out.add("}")
        return out.text
    }
}
