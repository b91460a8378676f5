import Foundation
import KafkaProtocol
import Testing

/// Checks the codec against kafka-python's, written independently: random bodies of every
/// request and response in every implemented version are decoded by kafka-python and must
/// re-encode there to the same bytes (Fixtures/crosscheck.py). Runs where kafka-python is
/// installed (CI installs it for the client tests).
@Suite struct KafkaPythonCrossCheckTests {
    static let samplesPerVersion: UInt64 = 3

    static let kafkaPythonIsInstalled: Bool = (try? runPython(["-c", "import kafka.protocol"]).status) == 0

    static func runPython(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    @Test("kafka-python reads every message we write, in every version, and writes back the same bytes",
          .enabled(if: kafkaPythonIsInstalled, "needs python3 with kafka-python"))
    func kafkaPythonAgrees() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kafka-crosscheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for entry in allMessageTypes {
            for version in entry.apiKey.supportedVersions {
                for seed in 0..<Self.samplesPerVersion {
                    try write(entry.request, version: version, seed: seed, into: directory)
                    try write(entry.response, version: version, seed: seed, into: directory)
                }
            }
        }
        let script = FixtureTests.directory.appendingPathComponent("crosscheck.py").path
        let result = try Self.runPython([script, directory.path])
        #expect(result.status == 0, "\(result.output)")
    }

    private func write<Message: ArbitraryMessage>(_: Message.Type, version: Int16, seed: UInt64, into directory: URL) throws {
        var random = TestRandom(seed: seed &* 1_000_003 &+ UInt64(version))
        var writer = ByteWriter()
        Message.arbitrary(version: version, using: &random).encode(into: &writer, version: version)
        try Data(writer.bytes).write(to: directory.appendingPathComponent("\(Message.self)_v\(version)_\(seed).bin"))
    }
}
