import Foundation
import KafkaCodegen
import Testing

/// The committed Generated/ folders are exactly what kafka-codegen makes from the JSON
/// definitions: nobody edited them by hand and nobody forgot to regenerate.
@Suite struct GeneratedCodeTests {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let messagesDirectory = repositoryRoot.deletingLastPathComponent()
        .appendingPathComponent("shared").appendingPathComponent("kafka-messages")

    @Test("regenerating from ../shared/kafka-messages changes nothing")
    func regeneratingChangesNothing() throws {
        let files = try Codegen.generate(messagesDirectory: Self.messagesDirectory)
        for (path, expected) in files {
            let committed = try? String(contentsOf: Self.repositoryRoot.appendingPathComponent(path), encoding: .utf8)
            let unchanged = committed == expected
            #expect(unchanged, "\(path) differs from the generator's output; run `swift run kafka-codegen`")
        }
        for directory in [Codegen.sourceDirectory, Codegen.testDirectory] {
            let names = try FileManager.default.contentsOfDirectory(
                atPath: Self.repositoryRoot.appendingPathComponent(directory).path)
            for name in names {
                #expect(files["\(directory)/\(name)"] != nil, "\(directory)/\(name) is not generated; delete it")
            }
        }
    }
}
