// Regenerates the Kafka codec from Kafka's JSON message definitions.
//
//   swift run kafka-codegen [--messages DIR]
//
// Run from the repository root. DIR defaults to ../shared/kafka-messages. Writes
// Sources/KafkaProtocol/Generated and Tests/KafkaProtocolTests/Generated, and deletes files
// there that are no longer generated.
import Foundation
import KafkaCodegen

let arguments = CommandLine.arguments.dropFirst()
var messages = "../shared/kafka-messages"
if let flag = arguments.firstIndex(of: "--messages"), arguments.index(after: flag) < arguments.endIndex {
    messages = arguments[arguments.index(after: flag)]
}
let fileManager = FileManager.default
do {
    let files = try Codegen.generate(messagesDirectory: URL(fileURLWithPath: messages))
    for directory in [Codegen.sourceDirectory, Codegen.testDirectory] {
        try fileManager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for existing in try fileManager.contentsOfDirectory(atPath: directory)
        where files["\(directory)/\(existing)"] == nil {
            try fileManager.removeItem(atPath: "\(directory)/\(existing)")
        }
    }
    for (path, contents) in files.sorted(by: { $0.key < $1.key }) {
        try contents.write(toFile: path, atomically: true, encoding: .utf8)
    }
    print("kafka-codegen: wrote \(files.count) files")
} catch {
    FileHandle.standardError.write(Data("kafka-codegen: \(error)\n".utf8))
    exit(1)
}
