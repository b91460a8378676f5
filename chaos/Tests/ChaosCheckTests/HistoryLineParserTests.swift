import Foundation
import Testing

@testable import ChaosCheck
import SeededRandom

/// The history line parser reads what Foundation's JSONDecoder reads, faster, and never traps.
@Suite struct HistoryLineParserTests {
    private static func decoded(_ text: String) -> HistoryLine? {
        try? JSONDecoder().decode(HistoryLine.self, from: Data(text.utf8))
    }

    private static func parsed(_ text: String) -> HistoryLine? {
        try? HistoryLineParser.parse(Array(text.utf8)[...])
    }

    @Test func everyGeneratedLineParsesAsJSONDecoderDecodesIt() {
        for seed in UInt64(1)...20 {
            for event in RandomHistory(seed: seed).events {
                let line = event.jsonLine()
                let parsed = Self.parsed(line)
                #expect(parsed != nil && parsed == Self.decoded(line), "seed \(seed): \(line)")
            }
        }
    }

    @Test(arguments: [
        #"  { "time" : 5 , "process":1,"op":"fault","type":"info","fault":"k\"i\\l\/l\n\u00e9\ud83d\ude00","targets":[ ] }  "#,
        #"{"time":5,"op":"fault","type":"info","fault":"x","targets":["a","b"],"process":null,"extra":[1,-2.5e3,true,false,null,{"a":{"b":[[]]}}]}"#,
        #"{"time":-9223372036854775808,"op":"poll","type":"ok","process":0,"records":[[0,9223372036854775807,-1]]}"#,
        #"{"time":1,"op":"poll","type":"ok","process":2,"reset":false,"rebalanced":[3,4],"partitions":[],"key":""}"#,
    ])
    func unusualButValidLinesParseAsJSONDecoderDecodesThem(line: String) {
        let parsed = Self.parsed(line)
        #expect(parsed != nil)
        #expect(parsed == Self.decoded(line))
    }

    @Test func mutatedLinesNeverTrapAndAgreeWithJSONDecoderWhenBothAccept() {
        var random = SplitMix64(seed: 11)
        let lines = RandomHistory(seed: 3).events.prefix(300).map { Array($0.jsonLine().utf8) }
        let alphabet = Array(#"{}[]",:0123456789-.eE\u tfnal "#.utf8) + [0, 0x80, 0xFF, 0x1F]
        for line in lines {
            for _ in 0..<20 {
                var bytes = line
                for _ in 0...Int(random.next() % 3) {
                    let at = Int(random.next() % UInt64(bytes.count))
                    switch random.next() % 3 {
                    case 0: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                    case 1: bytes.remove(at: at)
                    default: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                    }
                    if bytes.isEmpty { break }
                }
                let parsed = try? HistoryLineParser.parse(bytes[...])
                let decoded = try? JSONDecoder().decode(HistoryLine.self, from: Data(bytes))
                if let parsed, let decoded {
                    #expect(parsed == decoded, "\(String(decoding: bytes, as: UTF8.self))")
                }
            }
        }
    }

    @Test func nestingBeyondTheBoundIsAnErrorNotARecursionWithoutEnd() {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let line = #"{"time":1,"op":"poll","type":"ok","x":"# + deep + "}"
        #expect(throws: LineError.self) { try HistoryLineParser.parse(Array(line.utf8)[...]) }
    }
}
