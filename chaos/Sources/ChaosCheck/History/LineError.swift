/// Why one line of an input file is not valid; the reader adds the file and the line number.
struct LineError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
