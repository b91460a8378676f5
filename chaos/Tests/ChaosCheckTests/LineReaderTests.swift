import ChaosCheck
import Foundation
import Testing
import SeededRandom

/// Reading files line by line across the reader's chunk boundaries.
@Suite struct LineReaderTests {
    private func temporaryFile(_ contents: [UInt8]) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("chaos-lines-\(UUID()).txt").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(contents)))
        return path
    }

    private func readAll(_ path: String, lineBytesMax: Int) throws -> [[UInt8]] {
        var reader = try LineReader(path: path, lineBytesMax: lineBytesMax)
        var lines: [[UInt8]] = []
        while let (number, bytes) = try reader.next() {
            #expect(number == lines.count + 1)
            lines.append(Array(bytes))
        }
        return lines
    }

    @Test func linesStraddlingChunkBoundariesReadWhole() throws {
        var random = SplitMix64(seed: 9)
        var expected: [[UInt8]] = []
        var total = 0
        while total < 3 * LineReader.chunkBytes {
            let letter = UInt8(ascii: "a") + UInt8(random.next() % 26)
            let line = [UInt8](repeating: letter, count: Int(random.next() % 5000))
            expected.append(line)
            total += line.count + 1
        }
        let path = try temporaryFile(Array(expected.joined(separator: [UInt8(ascii: "\n")])))  // no final newline
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try readAll(path, lineBytesMax: 8192) == expected)
    }

    @Test func aLineLongerThanTheBoundInAFileIsAnErrorAtItsNumber() throws {
        let path = try temporaryFile(Array("ok\n".utf8) + [UInt8](repeating: 0x41, count: LineReader.chunkBytes * 2))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: InputError(source: path, line: 2, message: "line longer than 4096 bytes")) {
            _ = try readAll(path, lineBytesMax: 4096)
        }
    }

    @Test func aMissingFileIsAnInputError() {
        let missing = InputError(source: "/nonexistent/h.jsonl", line: 0, message: "cannot open the file for reading")
        #expect(throws: missing) {
            _ = try LineReader(path: "/nonexistent/h.jsonl", lineBytesMax: 10)
        }
    }
}
