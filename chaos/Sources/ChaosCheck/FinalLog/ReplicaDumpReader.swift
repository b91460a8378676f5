import Foundation

/// Reads replica dumps: one JSON-lines file per partition per replica (format in
/// `chaos/README.md`). A header line names the partition, the replica and its offset range; each
/// following line is one record.
public enum ReplicaDumpReader {
    /// The longest line accepted; a record line is well under 100 bytes.
    public static let lineBytesMax = 4096

    /// The dump files of a run: every `*.jsonl` file directly inside `directory`, in name order.
    /// Reading them one at a time (``read(path:)``) keeps one replica's log in memory at once.
    /// - Throws: ``InputError`` when the directory cannot be listed.
    public static func dumpPaths(in directory: String) throws(InputError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".jsonl") }.sorted().map { directory + "/" + $0 }
        } catch {
            throw InputError(source: directory, line: 0, message: "cannot list the directory: \(error)")
        }
    }

    /// Reads the dump file at `path`.
    /// - Throws: ``InputError`` for an unreadable file or a malformed line.
    public static func read(path: String) throws(InputError) -> ReplicaLog {
        var lines = try LineReader(path: path, lineBytesMax: lineBytesMax)
        return try read(&lines, source: path)
    }

    /// Reads one dump held in memory; `source` labels error messages.
    public static func read(text: String, source: String) throws(InputError) -> ReplicaLog {
        var lines = LineReader(bytes: Array(text.utf8), source: source, lineBytesMax: lineBytesMax)
        return try read(&lines, source: source)
    }

    private static func read(_ lines: inout LineReader, source: String) throws(InputError) -> ReplicaLog {
        let decoder = JSONLineDecoder()
        var log: ReplicaLog?
        while let (number, bytes) = try lines.next() {
            if JSONLineDecoder.isBlank(bytes) { continue }
            guard log != nil else {
                let header = try decoder.decode(DumpHeader.self, from: bytes, source: source, line: number)
                log = try header.emptyLog(source: source, line: number)
                continue
            }
            let line = try decoder.decode(DumpEntryLine.self, from: bytes, source: source, line: number)
            log!.entries.append(try line.entry(source: source, line: number))
        }
        guard let log else { throw InputError(source: source, line: 0, message: "empty dump: no header line") }
        return log
    }
}

/// The first line of a dump: `{"partition":0,"replica":"n1","start":0,"end":42}`.
private struct DumpHeader: Decodable {
    var partition: Int
    var replica: String
    var start: Int64
    var end: Int64

    func emptyLog(source: String, line: Int) throws(InputError) -> ReplicaLog {
        guard partition >= 0, start >= 0, end >= start else {
            throw InputError(source: source, line: line,
                             message: "header needs partition >= 0 and 0 <= start <= end")
        }
        return ReplicaLog(partition: PartitionID(partition), replica: replica, startOffset: LogOffset(start),
                          endOffset: LogOffset(end), entries: [])
    }
}

/// A record line: `{"offset":5,"value":17}`, `{"offset":6,"control":true}` or
/// `{"offset":7,"foreign":true}`.
private struct DumpEntryLine: Decodable {
    var offset: Int64
    var value: Int64?
    var control: Bool?
    var foreign: Bool?

    func entry(source: String, line: Int) throws(InputError) -> LogEntry {
        guard offset >= 0 else { throw InputError(source: source, line: line, message: "offset is negative") }
        let content: LogEntryContent
        switch (value, control ?? false, foreign ?? false) {
        case (let value?, false, false): content = .value(RecordValue(value))
        case (nil, true, false): content = .control
        case (nil, false, true): content = .foreign
        default:
            throw InputError(source: source, line: line,
                             message: "a record line has exactly one of \"value\", \"control\": true, \"foreign\": true")
        }
        return LogEntry(offset: LogOffset(offset), content: content)
    }
}
