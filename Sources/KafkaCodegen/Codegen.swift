import Foundation

/// The generator's entry point: every generated file, by path relative to the repository root.
public enum Codegen {
    /// Folder of the generated codec, relative to the repository root.
    public static let sourceDirectory = "Sources/KafkaProtocol/Generated"
    /// Folder of the generated test support, relative to the repository root.
    public static let testDirectory = "Tests/KafkaProtocolTests/Generated"

    /// Generates every file from the message definitions in `messagesDirectory`.
    /// - Returns: file contents keyed by path relative to the repository root.
    public static func generate(messagesDirectory: URL) throws -> [String: String] {
        var files: [String: String] = [:]
        var apis: [(cap: ApiCap, request: MessageSpec)] = []
        var registry = Lines()
        for cap in VersionCaps.all {
            var pair: [MessageSpec] = []
            for kind in ["Request", "Response"] {
                let fileName = "\(cap.api)\(kind).json"
                let text = try String(contentsOf: messagesDirectory.appendingPathComponent(fileName), encoding: .utf8)
                let message = try MessageSpec(fileName: fileName, text: text)
                let codec = try CodecEmitter(message: message, api: cap, implemented: cap.versions)
                files["\(sourceDirectory)/\(message.name).swift"] = try codec.source()
                let arbitrary = ArbitraryEmitter(message: message, implemented: cap.versions)
                files["\(testDirectory)/\(message.name)+Arbitrary.swift"] = try arbitrary.source()
                pair.append(message)
            }
            apis.append((cap, pair[0]))
            registry.add("(.\(SwiftNames.caseName(cap.api)), \(pair[0].name).self, \(pair[1].name).self),")
        }
        var dataRegistry = Lines()
        for cap in VersionCaps.data {
            let fileName = "\(cap.name).json"
            let text = try String(contentsOf: messagesDirectory.appendingPathComponent(fileName), encoding: .utf8)
            let message = try MessageSpec(fileName: fileName, text: text)
            files["\(sourceDirectory)/\(message.name).swift"] =
                try CodecEmitter(message: message, api: nil, implemented: cap.versions).source()
            files["\(testDirectory)/\(message.name)+Arbitrary.swift"] =
                try ArbitraryEmitter(message: message, implemented: cap.versions).source()
            dataRegistry.add("\(message.name).self,")
        }
        files["\(sourceDirectory)/ApiKey.swift"] = try ApiKeyEmitter(apis: apis).source()
        var table = Lines()
        table.add(GeneratedHeader.text(source: "VersionCaps.swift"))
        table.add("")
        table.add("import KafkaProtocol")
        table.add("")
        table.add("/// Every implemented API with its request and response types, for tests that cover them all.")
        table.add("let allMessageTypes: [(apiKey: ApiKey, request: any ArbitraryMessage.Type, response: any ArbitraryMessage.Type)] = [")
        table.indent()
        table.add(registry.text.split(separator: "\n").map(String.init))
        table.dedent()
        table.add("]")
        table.add("")
        table.add("/// Every generated data payload type (carried as bytes inside messages).")
        table.add("let allDataTypes: [any ArbitraryData.Type] = [")
        table.indent()
        table.add(dataRegistry.text.split(separator: "\n").map(String.init))
        table.dedent()
        table.add("]")
        files["\(testDirectory)/AllMessageTypes.swift"] = table.text
        return files
    }
}
