import Foundation

/// Splits a file (or bytes in memory) into lines without holding more than one chunk and one
/// line at a time, so that histories of millions of operations read in bounded memory.
public struct LineReader {
    /// How many bytes one read from the file asks for.
    public static let chunkBytes = 1 << 20

    private let handle: FileHandle?
    private let source: String
    private let lineBytesMax: Int
    private var buffer: [UInt8]
    private var position = 0
    private var lineNumber = 0
    private var atEnd: Bool

    /// Reads the file at `path`.
    /// - Parameters:
    ///   - path: the file.
    ///   - lineBytesMax: a longer line is an error rather than an unbounded buffer.
    /// - Throws: ``InputError`` when the file cannot be opened.
    public init(path: String, lineBytesMax: Int) throws(InputError) {
        precondition(lineBytesMax > 0, "lineBytesMax must be positive")
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw InputError(source: path, line: 0, message: "cannot open the file for reading")
        }
        self.handle = handle
        self.source = path
        self.lineBytesMax = lineBytesMax
        self.buffer = []
        self.atEnd = false
    }

    /// Reads lines from bytes already in memory (tests, small inputs).
    /// - Parameters:
    ///   - bytes: the whole input.
    ///   - source: the label error messages use in place of a file name.
    ///   - lineBytesMax: a longer line is an error.
    public init(bytes: [UInt8], source: String, lineBytesMax: Int) {
        precondition(lineBytesMax > 0, "lineBytesMax must be positive")
        self.handle = nil
        self.source = source
        self.lineBytesMax = lineBytesMax
        self.buffer = bytes
        self.atEnd = true
    }

    /// The next line without its terminator, with its 1-based number, or `nil` at the end.
    /// The bytes stay valid until the next call.
    /// - Throws: ``InputError`` for a line longer than `lineBytesMax` or a failed read.
    public mutating func next() throws(InputError) -> (number: Int, bytes: ArraySlice<UInt8>)? {
        while true {
            if let newline = buffer[position...].firstIndex(of: UInt8(ascii: "\n")) {
                return try take(upTo: newline, skipping: 1)
            }
            guard buffer.count - position <= lineBytesMax else {
                throw InputError(source: source, line: lineNumber + 1, message: tooLong)
            }
            if atEnd {
                return position < buffer.count ? try take(upTo: buffer.count, skipping: 0) : nil
            }
            try refill()
        }
    }

    /// Whether a line holds only spaces and tabs (allowed, and skipped, anywhere in a file).
    static func isBlank(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    private var tooLong: String { "line longer than \(lineBytesMax) bytes" }

    private mutating func take(upTo end: Int, skipping terminatorBytes: Int) throws(InputError)
        -> (number: Int, bytes: ArraySlice<UInt8>)
    {
        lineNumber += 1
        var line = buffer[position..<end]
        position = end + terminatorBytes
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        guard line.count <= lineBytesMax else {
            throw InputError(source: source, line: lineNumber, message: tooLong)
        }
        return (lineNumber, line)
    }

    private mutating func refill() throws(InputError) {
        guard let handle else { atEnd = true; return }
        buffer.removeFirst(position)
        position = 0
        let chunk: Data?
        do {
            chunk = try handle.read(upToCount: Self.chunkBytes)
        } catch {
            throw InputError(source: source, line: lineNumber, message: "read failed: \(error)")
        }
        if let chunk, !chunk.isEmpty {
            buffer.append(contentsOf: chunk)
        } else {
            atEnd = true
        }
    }
}
