import ChaosCheck
import Testing
import SeededRandom

/// The history file format: every operation survives a write and a read, and a bad line is
/// rejected with its line number and the field at fault.
@Suite struct HistoryFormatTests {
    static let everyOperation: [HistoryEvent] = [
        HistoryEvent(timeNanos: 1, process: 1, type: .invoke, operation: .send(SendOperation(
            partition: 2, key: "k", value: 7, producer: ProducerIdentity(id: 3, kind: .idempotent)))),
        HistoryEvent(timeNanos: 2, process: 1, type: .ok, operation: .send(SendOperation(
            partition: 2, key: "k", value: 7, offset: 40, producer: ProducerIdentity(id: 3, kind: .idempotent)))),
        HistoryEvent(timeNanos: 3, process: 4, type: .ok, operation: .poll(PollOperation(
            records: [PolledRecord(partition: 2, offset: 40, value: 7)], rebalanced: [1]))),
        HistoryEvent(timeNanos: 4, process: 4, type: .info, operation: .assign(partitions: [0, 2])),
        HistoryEvent(timeNanos: 5, process: 4, type: .ok, operation: .seek(partition: 2, offset: 9)),
        HistoryEvent(timeNanos: 6, process: 4, type: .fail, operation: .commitOffset(OffsetCommitOperation(
            group: "g", partition: 2, offset: 41, isReset: true))),
        HistoryEvent(timeNanos: 7, process: 4, type: .ok, operation: .fetchOffset(OffsetFetchOperation(
            group: "g", partition: 2, offset: nil))),
        HistoryEvent(timeNanos: 8, process: nil, type: .info, operation: .fault(FaultOperation(
            kind: "partition", targets: ["n1-n2", "n1-n3"]))),
    ]

    @Test func everyOperationReadsBackAsWritten() throws {
        let text = Self.everyOperation.map { $0.jsonLine() }.joined(separator: "\n")
        var reader = HistoryReader(text: text)
        var read: [HistoryEvent] = []
        while let (_, event) = try reader.next() { read.append(event) }
        #expect(read == Self.everyOperation)
    }

    @Test func aSendLineIsTheDocumentedFlatObject() {
        let line = Self.everyOperation[1].jsonLine()
        #expect(line == #"{"time":2,"process":1,"op":"send","type":"ok","partition":2,"key":"k","value":7,"#
            + #""producer":3,"producer_kind":"idempotent","offset":40}"#)
    }

    @Test func stringsWithQuotesBackslashesControlCharactersAndNonASCIIReadBackAsWritten() throws {
        let kind = "k\"i\\l\nl\u{01}\u{1F}é😀/"
        let event = HistoryEvent(timeNanos: 1, process: nil, type: .info,
                                 operation: .fault(FaultOperation(kind: kind, targets: ["n1\t", ""])))
        var reader = HistoryReader(text: event.jsonLine())
        #expect(try reader.next()?.event == event)
    }

    @Test func blankLinesAndCarriageReturnsAreAccepted() throws {
        var reader = HistoryReader(text: "\n" + Self.everyOperation[0].jsonLine() + "\r\n   \n")
        let first = try #require(try reader.next())
        #expect(first.line == 2)
        #expect(try reader.next() == nil)
    }

    @Test(arguments: [
        (#"{"time":1,"process":1,"op":"send","type":"invoke","value":5,"producer":1,"producer_kind":"plain"}"#,
         #"missing field "partition" for op "send""#),
        (#"{"time":1,"process":1,"op":"sned","type":"invoke"}"#, #"unknown op "sned""#),
        (#"{"time":1,"process":1,"op":"poll","type":"done"}"#, #"unknown type "done""#),
        (#"{"time":"soon","process":1,"op":"poll","type":"ok"}"#, #"field "time" is not an integer"#),
        (#"{"process":1,"op":"poll","type":"ok"}"#, #"missing field "time""#),
        (#"{"time":1,"op":"poll","type":"ok"}"#, #"missing field "process""#),
        (#"{"time":1,"process":1,"op":"poll","type":"ok","records":[[0,1]]}"#, "records[0] is not a [partition"),
        (#"{"time":1,"process":1,"op":"seek","type":"ok","partition":0,"offset":-3}"#, "offset -3 is negative"),
        (#"{"time":1,"process":1,"op":"send","type":"ok","partition":0,"value":1,"producer":1,"producer_kind":"eager"}"#,
         #"unknown producer_kind "eager""#),
        (#"{"time":1,"process":1,"op":"poll","type":"ok","records":[[0,1,2.5]]}"#, #"field "records[0][2]" is not an integer"#),
        (#"{"time":1,"process":1,"op":"poll","type":"ok","records":[[0,1,"v"]]}"#, #"field "records[0][2]" is not an integer"#),
        (#"{"time":1,"process":1,"op":"fault","type":"ok","fault":"kill","targets":["n1",2]}"#, #"field "targets[1]" is not a string"#),
        (#"{"time":1,"process":99999999999999999999,"op":"poll","type":"ok"}"#, #"field "process" is out of range"#),
        (#"{"time":1,"process":1,"op":"poll","type":"ok","extra":{"a":[1,{"b":null}],"c":"\u00e9"}} x"#,
         "unexpected bytes after the object"),
        (#"{"time":1,"#, "unexpected end of the line"),
        (#"[1,2]"#, "not a JSON object"),
    ])
    func aBadLineIsRejectedWithItsNumberAndTheFieldAtFault(line: String, message: String) {
        let good = Self.everyOperation[0].jsonLine()
        var reader = HistoryReader(text: good + "\n" + good + "\n" + line + "\n", source: "h.jsonl")
        do {
            while try reader.next() != nil {}
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.line == 3)
            #expect(error.message.contains(message), "\(error.message)")
            #expect(error.description.hasPrefix("h.jsonl:3: "))
        }
    }

    @Test func aLineLongerThanTheBoundIsRejectedWithoutReadingItAll() {
        var reader = HistoryReader(text: String(repeating: "x", count: 100) + "\n", lineBytesMax: 64)
        #expect(throws: InputError(source: "history", line: 1, message: "line longer than 64 bytes")) {
            _ = try reader.next()
        }
    }

    @Test func arbitraryBytesNeverTrapTheReader() throws {
        var generator = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let bytes = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            var reader = HistoryReader(text: String(decoding: bytes, as: UTF8.self))
            _ = try? reader.next()
        }
    }

    @Test(arguments: [
        ("completion without invoke", [1], "process 1 completes a send it never invoked"),
        ("second invoke while outstanding", [0, 2], "process 1 invokes poll while its send from line 1 is outstanding"),
        ("completion of another value", [0, 3], "does not match its invoke on line 1"),
        ("value sent twice", [0, 1, 0], "value 7 is sent twice"),
    ] as [(String, [Int], String)])
    func aHistoryBreakingTheOperationRulesStopsTheCheckAtTheLine(_ name: String, _ picks: [Int], _ message: String) {
        let invoke = Self.everyOperation[0]
        var other = Self.everyOperation[1]
        other.operation = .send(SendOperation(
            partition: 2, value: 8, producer: ProducerIdentity(id: 3, kind: .idempotent)))
        let pool = [invoke, Self.everyOperation[1], HistoryEvent(timeNanos: 3, process: 1, type: .invoke,
                                                                 operation: .poll(PollOperation())), other]
        let text = picks.map { pool[$0].jsonLine() }.joined(separator: "\n")
        var reader = HistoryReader(text: text, source: "h")
        do {
            _ = try Check.run(history: &reader, replicas: { nil })
            Issue.record("\(name): accepted")
        } catch {
            #expect(error.line == picks.count, "\(name)")
            #expect(error.message.contains(message), "\(name): \(error.message)")
        }
    }
}
