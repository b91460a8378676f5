import ChaosCheck
import Testing
import SeededRandom

/// The replica dump format: a header line, then one line per record.
@Suite struct ReplicaDumpTests {
    @Test func aDumpReadsAsItsRecords() throws {
        let text = """
            {"partition":3,"replica":"n2","start":0,"end":3}
            {"offset":0,"value":17}
            {"offset":1,"control":true}
            {"offset":2,"foreign":true,"crc":4294967295}
            """
        let log = try ReplicaDumpReader.read(text: text, source: "d")
        #expect(log == ReplicaLog(partition: 3, replica: "n2", startOffset: 0, endOffset: 3, entries: [
            LogEntry(offset: 0, content: .value(17)), LogEntry(offset: 1, content: .control),
            LogEntry(offset: 2, content: .foreign, checksum: 0xFFFF_FFFF),
        ]))
    }

    @Test func aDumpHeaderNamesWhereTheReplicasBytesFailedTheirChecks() throws {
        let text = """
            {"partition":1,"replica":"n4","start":0,"end":9,"damaged":1}
            {"offset":0,"control":true}
            """
        let log = try ReplicaDumpReader.read(text: text, source: "d")
        #expect(log.damagedOffset == 1)
        #expect(log.endOffset == 9)
    }

    @Test(arguments: [
        ("", 0, "empty dump"),
        (#"{"partition":0,"replica":"n1","start":5,"end":2}"#, 1, "0 <= start <= end"),
        ("{\"partition\":0,\"replica\":\"n1\",\"start\":0,\"end\":2}\n{\"offset\":0}", 2, "exactly one of"),
        ("{\"partition\":0,\"replica\":\"n1\",\"start\":0,\"end\":2}\n{\"offset\":0,\"value\":1,\"control\":true}", 2,
         "exactly one of"),
        ("{\"partition\":0,\"replica\":\"n1\",\"start\":0,\"end\":2}\n{\"value\":1}", 2, "missing field \"offset\""),
        (#"{"partition":0,"replica":"n1","start":2,"end":5,"damaged":6}"#, 1, "outside [start, end]"),
        (#"{"partition":0,"start":0,"end":2}"#, 1, "the header needs \"partition\", \"replica\""),
        ("{\"partition\":0,\"replica\":\"n1\",\"start\":0,\"end\":2}\n{\"offset\":1,\"control\":1}", 2,
         "field \"control\" is not a boolean"),
        ("{\"partition\":0,\"replica\":\"n1\",\"start\":0,\"end\":2}\n{\"offset\":1,\"control\":true,\"crc\":-1}", 2,
         "crc -1 is not a 32-bit checksum"),
    ] as [(String, Int, String)])
    func aBadDumpIsRejectedWithItsLine(text: String, line: Int, message: String) {
        do {
            _ = try ReplicaDumpReader.read(text: text, source: "d")
            Issue.record("accepted")
        } catch {
            #expect(error.line == line)
            #expect(error.message.contains(message), "\(error.message)")
        }
    }

    @Test func arbitraryBytesNeverTrapTheDumpReader() {
        var generator = SplitMix64(seed: 5)
        let header = #"{"partition":0,"replica":"n1","start":0,"end":9}"# + "\n"
        for _ in 0..<500 {
            let bytes = (0..<Int(generator.next() % 120)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            _ = try? ReplicaDumpReader.read(text: header + String(decoding: bytes, as: UTF8.self), source: "d")
        }
    }
}
