/// Reads the JSON of one line (one object with fields of known types) straight from its bytes.
///
/// Foundation's `JSONDecoder` spends most of its time on generic machinery (about 60k lines a
/// second here), and histories of long runs have tens of millions of lines. The scanner reads
/// exactly JSON's syntax; fields a caller does not know are skipped whatever they hold, nested at
/// most ``nestingDepthMax`` deep. Any byte sequence yields values or an error, never a trap.
struct JSONLineScanner {
    /// Deepest nesting of arrays and objects accepted inside skipped fields.
    static let nestingDepthMax = 32

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Reads `bytes` as one JSON object, calling `field` with each field's name; `field` reads the
    /// value with the scanner's methods (or ``skipValue()``). A `null` value is not passed on:
    /// null means absent, as for `JSONDecoder`'s optionals.
    /// - Throws: ``LineError`` for a syntax error, or what `field` throws.
    static func object(
        _ bytes: ArraySlice<UInt8>, field: (inout JSONLineScanner, String) throws(LineError) -> Void
    ) throws(LineError) {
        try bytes.withUnsafeBufferPointer { (buffer) throws(LineError) in
            var scanner = JSONLineScanner(buffer)
            try scanner.object(field: field)
        }
    }

    private mutating func object(field: (inout JSONLineScanner, String) throws(LineError) -> Void) throws(LineError) {
        skipWhitespace()
        guard take(UInt8(ascii: "{")) else { throw LineError("not a JSON object") }
        try members { (scanner, name) throws(LineError) in
            if !scanner.takeNull() { try field(&scanner, name) }
        }
        skipWhitespace()
        guard index == bytes.count else { throw error("unexpected bytes after the object") }
    }

    /// Reads an object's members after its opening brace, `member` reading each value.
    private mutating func members(_ member: (inout JSONLineScanner, String) throws(LineError) -> Void)
        throws(LineError)
    {
        skipWhitespace()
        if take(UInt8(ascii: "}")) { return }
        repeat {
            skipWhitespace()
            guard take(UInt8(ascii: "\"")) else {
                throw error(peek() == nil ? "unexpected end of the line" : "expected a field name")
            }
            let name = try stringBody()
            skipWhitespace()
            guard take(UInt8(ascii: ":")) else { throw error("expected ':' after \"\(name)\"") }
            skipWhitespace()
            try member(&self, name)
            skipWhitespace()
        } while take(UInt8(ascii: ","))
        guard take(UInt8(ascii: "}")) else { throw error("expected ',' or '}'") }
    }

    /// Skips the value of a field the caller does not know, checking its syntax.
    mutating func skipValue() throws(LineError) {
        try skipValue(depth: 0)
    }

    /// Reads an integer (no fraction, no exponent) that fits in 64 bits.
    mutating func integer(_ field: @autoclosure () -> String) throws(LineError) -> Int64 {
        let negative = take(UInt8(ascii: "-"))
        let start = index
        var magnitude: UInt64 = 0
        while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
            let (times, overflowA) = magnitude.multipliedReportingOverflow(by: 10)
            let (sum, overflowB) = times.addingReportingOverflow(UInt64(byte - UInt8(ascii: "0")))
            guard !overflowA, !overflowB else { throw LineError("field \"\(field())\" is out of range") }
            magnitude = sum
            index += 1
        }
        guard index > start else { throw mismatch(field(), "an integer") }
        if let byte = peek(), byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            throw mismatch(field(), "an integer")
        }
        let limit = negative ? UInt64(Int64.max) + 1 : UInt64(Int64.max)
        guard magnitude <= limit else { throw LineError("field \"\(field())\" is out of range") }
        return negative ? Int64(truncatingIfNeeded: 0 &- magnitude) : Int64(magnitude)
    }

    /// Reads an integer that fits in an `Int`.
    mutating func int(_ field: @autoclosure () -> String) throws(LineError) -> Int {
        guard let value = Int(exactly: try integer(field())) else {
            throw LineError("field \"\(field())\" is out of range")
        }
        return value
    }

    /// Reads `true` or `false`.
    mutating func boolean(_ field: String) throws(LineError) -> Bool {
        if take(literal: "true") { return true }
        if take(literal: "false") { return false }
        throw mismatch(field, "a boolean")
    }

    /// Reads an array, each element with `element` (given its index).
    mutating func array<T>(
        _ field: @autoclosure () -> String, _ element: (inout JSONLineScanner, Int) throws(LineError) -> T
    ) throws(LineError) -> [T] {
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

    /// Reads a string.
    mutating func string(_ field: @autoclosure () -> String) throws(LineError) -> String {
        guard take(UInt8(ascii: "\"")) else { throw mismatch(field(), "a string") }
        return try stringBody()
    }

    /// Reads the rest of a string whose opening quote was taken; the common case (no escapes)
    /// makes one `String` straight from the line's bytes.
    private mutating func stringBody() throws(LineError) -> String {
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

    private mutating func escape(into utf8: inout [UInt8]) throws(LineError) {
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

    private mutating func hexQuad() throws(LineError) -> UInt32 {
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

    private mutating func skipValue(depth: Int) throws(LineError) {
        guard depth < Self.nestingDepthMax else { throw error("nested deeper than \(Self.nestingDepthMax)") }
        switch peek() {
        case UInt8(ascii: "\""):
            index += 1
            _ = try stringBody()
        case UInt8(ascii: "["):
            _ = try array("unknown") { (scanner, _) throws(LineError) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "{"):
            index += 1
            try members { (scanner, _) throws(LineError) in try scanner.skipValue(depth: depth + 1) }
        case UInt8(ascii: "t"), UInt8(ascii: "f"):
            guard take(literal: "true") || take(literal: "false") else { throw error("invalid value") }
        case UInt8(ascii: "n"):
            guard takeNull() else { throw error("invalid value") }
        default:
            try skipNumber()
        }
    }

    /// Bytes a JSON number is made of; syntax beyond that is not checked in skipped fields.
    private static let numberBytes = Set("0123456789+-.eE".utf8)

    private mutating func skipNumber() throws(LineError) {
        let start = index
        while let byte = peek(), Self.numberBytes.contains(byte) { index += 1 }
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
    private func mismatch(_ field: String, _ expected: String) -> LineError {
        peek() == nil ? error("unexpected end of the line") : LineError("field \"\(field)\" is not \(expected)")
    }

    private func error(_ message: String) -> LineError {
        LineError("\(message) at byte \(index + 1)")
    }
}
