/// Parses one history line into a ``HistoryLine`` directly from its bytes.
///
/// Foundation's `JSONDecoder` spends most of its time on generic machinery (about 60k lines a
/// second here); histories of long runs have tens of millions of lines. This parser reads only
/// the JSON a history line can hold: one object whose known fields have their documented types;
/// unknown fields are skipped whatever they hold (nested at most ``nestingDepthMax`` deep). Any
/// byte sequence yields a line or an error, never a trap.
struct HistoryLineParser {
    /// Deepest nesting of arrays and objects skipped inside unknown fields.
    static let nestingDepthMax = 32

    /// Parses `bytes` (one line, no terminator).
    /// - Throws: ``HistoryLineError`` naming the field or the byte position at fault.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(HistoryLineError) -> HistoryLine {
        try bytes.withUnsafeBufferPointer { (buffer) throws(HistoryLineError) -> HistoryLine in
            var parser = HistoryLineParser(buffer)
            return try parser.line()
        }
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private mutating func line() throws(HistoryLineError) -> HistoryLine {
        var fields = Fields()
        skipWhitespace()
        guard take(UInt8(ascii: "{")) else { throw HistoryLineError("not a JSON object") }
        skipWhitespace()
        if !take(UInt8(ascii: "}")) {
            repeat {
                skipWhitespace()
                let name = try string(context: "a field name")
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { throw error("expected ':' after \"\(name)\"") }
                skipWhitespace()
                try field(name, into: &fields)
                skipWhitespace()
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { throw error("expected ',' or '}'") }
        }
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected bytes after the object") }
        return try fields.line()
    }

    /// The fields seen so far; required ones are checked when the object ends.
    private struct Fields {
        var time: Int64?
        var op: String?
        var type: String?
        var rest = HistoryLine(time: 0, process: nil, op: "", type: "")

        func line() throws(HistoryLineError) -> HistoryLine {
            guard let time else { throw HistoryLineError("missing field \"time\"") }
            guard let op else { throw HistoryLineError("missing field \"op\"") }
            guard let type else { throw HistoryLineError("missing field \"type\"") }
            var line = rest
            line.time = time
            line.op = op
            line.type = type
            return line
        }
    }

    private mutating func field(_ name: String, into fields: inout Fields) throws(HistoryLineError) {
        if takeNull() { return }  // null is an absent field, as for JSONDecoder's optionals
        switch name {
        case "time": fields.time = try integer(name)
        case "op": fields.op = try string(context: "field \"op\"")
        case "type": fields.type = try string(context: "field \"type\"")
        case "process": fields.rest.process = try int(name)
        case "partition": fields.rest.partition = try int(name)
        case "key": fields.rest.key = try string(context: "field \"key\"")
        case "value": fields.rest.value = try integer(name)
        case "offset": fields.rest.offset = try integer(name)
        case "producer": fields.rest.producer = try int(name)
        case "producer_kind": fields.rest.producerKind = try string(context: "field \"producer_kind\"")
        case "records": fields.rest.records = try array(name) { (parser, i) throws(HistoryLineError) in
            try parser.array("records[\(i)]") { (parser, j) throws(HistoryLineError) in
                try parser.integer("records[\(i)][\(j)]")
            }
        }
        case "rebalanced": fields.rest.rebalanced = try array(name) { (parser, i) throws(HistoryLineError) in
            try parser.int("rebalanced[\(i)]")
        }
        case "partitions": fields.rest.partitions = try array(name) { (parser, i) throws(HistoryLineError) in
            try parser.int("partitions[\(i)]")
        }
        case "group": fields.rest.group = try string(context: "field \"group\"")
        case "reset": fields.rest.reset = try boolean(name)
        case "fault": fields.rest.fault = try string(context: "field \"fault\"")
        case "targets": fields.rest.targets = try array(name) { (parser, i) throws(HistoryLineError) in
            try parser.string(context: "field \"targets[\(i)]\"")
        }
        default: try skipValue(depth: 0)
        }
    }

    // MARK: Values

    private mutating func integer(_ field: @autoclosure () -> String) throws(HistoryLineError) -> Int64 {
        let negative = take(UInt8(ascii: "-"))
        let start = index
        var magnitude: UInt64 = 0
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { throw HistoryLineError("field \"\(field())\" is out of range") }
            magnitude = sum
            index += 1
        }
        guard index > start else { throw mismatch(field(), "an integer") }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw mismatch(field(), "an integer")
        }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard magnitude <= limit else { throw HistoryLineError("field \"\(field())\" is out of range") }
        return negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
    }

    private mutating func int(_ field: @autoclosure () -> String) throws(HistoryLineError) -> Int {
        guard let value = Int(exactly: try integer(field())) else {
            throw HistoryLineError("field \"\(field())\" is out of range")
        }
        return value
    }

    private mutating func boolean(_ field: String) throws(HistoryLineError) -> Bool {
        if take(literal: "true") { return true }
        if take(literal: "false") { return false }
        throw mismatch(field, "a boolean")
    }

    private mutating func array<T>(
        _ field: @autoclosure () -> String, _ element: (inout HistoryLineParser, Int) throws(HistoryLineError) -> T
    ) throws(HistoryLineError) -> [T] {
        guard take(UInt8(ascii: "[")) else { throw mismatch(field(), "an array") }
        var result: [T] = []
        skipWhitespace()
        if take(UInt8(ascii: "]")) { return result }
        repeat {
            skipWhitespace()
            result.append(try element(&self, result.count))
            skipWhitespace()
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "]")) else { throw error("expected ',' or ']' in field \"\(field())\"") }
        return result
    }

    private mutating func string(context: String) throws(HistoryLineError) -> String {
        guard take(UInt8(ascii: "\"")) else {
            throw peek() == nil ? error("unexpected end of the line") : HistoryLineError("\(context) is not a string")
        }
        let start = index
        while let byte = peek(), byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw error("control character in a string") }
            index += 1
        }
        if take(UInt8(ascii: "\"")) {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index - 1]), as: UTF8.self)
        }
        var utf8 = Array(bytes[start..<index])
        while true {
            guard let byte = next() else { throw error("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &utf8)
            case ..<0x20:
                throw error("control character in a string")
            default:
                utf8.append(byte)
            }
        }
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(HistoryLineError) {
        guard let byte = next() else { throw error("unterminated string") }
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hexQuad()
            if (0xD800..<0xDC00).contains(scalar), take(literal: "\\u") {
                let low = try hexQuad()
                guard (0xDC00..<0xE000).contains(low) else { throw error("invalid \\u surrogate pair") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            // A lone surrogate is not a scalar: it reads as U+FFFD, as invalid UTF-8 does.
            utf8.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
        default:
            throw error("invalid escape in a string")
        }
    }

    private mutating func hexQuad() throws(HistoryLineError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let byte = next(), let digit = Self.hexDigit(byte) else { throw error("invalid \\u escape") }
            value = value << 4 | digit
        }
        return value
    }

    private static func hexDigit(_ byte: UInt8) -> UInt32? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt32(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt32(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }

    /// Skips any JSON value (an unknown field's), checking its syntax.
    private mutating func skipValue(depth: Int) throws(HistoryLineError) {
        guard depth < Self.nestingDepthMax else { throw error("nested deeper than \(Self.nestingDepthMax)") }
        switch peek() {
        case UInt8(ascii: "\""):
            _ = try string(context: "a value")
        case UInt8(ascii: "["):
            _ = try array("unknown") { (parser, _) throws(HistoryLineError) in try parser.skipValue(depth: depth + 1) }
        case UInt8(ascii: "{"):
            index += 1
            skipWhitespace()
            if take(UInt8(ascii: "}")) { return }
            repeat {
                skipWhitespace()
                _ = try string(context: "a field name")
                skipWhitespace()
                guard take(UInt8(ascii: ":")) else { throw error("expected ':'") }
                skipWhitespace()
                try skipValue(depth: depth + 1)
                skipWhitespace()
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { throw error("expected ',' or '}'") }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            _ = try boolean("unknown")
        case UInt8(ascii: "n"):
            guard takeNull() else { throw error("invalid value") }
        default:
            try skipNumber()
        }
    }

    private mutating func skipNumber() throws(HistoryLineError) {
        let start = index
        while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-")
            || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E")
        {
            index += 1
        }
        guard index > start else { throw error("invalid value") }
    }

    // MARK: Bytes

    private func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func next() -> UInt8? {
        guard index < bytes.count else { return nil }
        index += 1
        return bytes[index - 1]
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        index += 1
        return true
    }

    private mutating func take(literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { return false }
        for offset in 0..<count where bytes[index + offset] != literal.utf8Start[offset] { return false }
        index += count
        return true
    }

    private mutating func takeNull() -> Bool { take(literal: "null") }

    private mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    /// A value of the wrong type, or the line ending where a value should be.
    private func mismatch(_ field: String, _ expected: String) -> HistoryLineError {
        peek() == nil ? error("unexpected end of the line") : HistoryLineError("field \"\(field)\" is not \(expected)")
    }

    private func error(_ message: String) -> HistoryLineError {
        HistoryLineError("\(message) at byte \(index + 1)")
    }
}
