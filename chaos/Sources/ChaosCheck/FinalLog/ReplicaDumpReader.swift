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
        var log: ReplicaLog?
        while let (number, bytes) = try lines.next() {
            if LineReader.isBlank(bytes) { continue }
            do {
                if log == nil {
                    log = try header(bytes)
                } else {
                    log!.entries.append(try entry(bytes))
                }
            } catch {
                throw InputError(source: source, line: number, message: error.message)
            }
        }
        guard let log else { throw InputError(source: source, line: 0, message: "empty dump: no header line") }
        return log
    }

    /// The first line: `{"partition":0,"replica":"n1","start":0,"end":42}`, with `"damaged":7`
    /// when the replica's stored bytes failed their checks at offset 7.
    private static func header(_ bytes: ArraySlice<UInt8>) throws(LineError) -> ReplicaLog {
        var partition: Int?
        var replica: String?
        var start: Int64?
        var end: Int64?
        var damaged: Int64?
        try JSONLineScanner.object(bytes) { (scanner, name) throws(LineError) in
            switch name {
            case "partition": partition = try scanner.int(name)
            case "replica": replica = try scanner.string(name)
            case "start": start = try scanner.integer(name)
            case "end": end = try scanner.integer(name)
            case "damaged": damaged = try scanner.integer(name)
            default: try scanner.skipValue()
            }
        }
        guard let partition, let replica, let start, let end else {
            throw LineError("the header needs \"partition\", \"replica\", \"start\" and \"end\"")
        }
        guard partition >= 0, start >= 0, end >= start else {
            throw LineError("the header needs partition >= 0 and 0 <= start <= end")
        }
        if let damaged, !(start...end).contains(damaged) {
            throw LineError("\"damaged\" \(damaged) is outside [start, end]")
        }
        return ReplicaLog(partition: PartitionID(partition), replica: replica, startOffset: LogOffset(start),
                          endOffset: LogOffset(end), entries: [], damagedOffset: damaged.map { LogOffset($0) })
    }

    /// A record line: `{"offset":5,"value":17}`, `{"offset":6,"control":true}` or
    /// `{"offset":7,"foreign":true}`, each optionally with `"crc"`: the record's CRC32C.
    private static func entry(_ bytes: ArraySlice<UInt8>) throws(LineError) -> LogEntry {
        var offset: Int64?
        var value: Int64?
        var control = false
        var foreign = false
        var checksum: Int64?
        try JSONLineScanner.object(bytes) { (scanner, name) throws(LineError) in
            switch name {
            case "offset": offset = try scanner.integer(name)
            case "value": value = try scanner.integer(name)
            case "control": control = try scanner.boolean(name)
            case "foreign": foreign = try scanner.boolean(name)
            case "crc": checksum = try scanner.integer(name)
            default: try scanner.skipValue()
            }
        }
        guard let offset else { throw LineError("missing field \"offset\"") }
        guard offset >= 0 else { throw LineError("offset \(offset) is negative") }
        let crc = try checksum.map { (checksum: Int64) throws(LineError) -> UInt32 in
            guard let crc = UInt32(exactly: checksum) else {
                throw LineError("crc \(checksum) is not a 32-bit checksum")
            }
            return crc
        }
        let content: LogEntryContent
        switch (value, control, foreign) {
        case (let value?, false, false): content = .value(RecordValue(value))
        case (nil, true, false): content = .control
        case (nil, false, true): content = .foreign
        default: throw LineError("a record line has exactly one of \"value\", \"control\": true, \"foreign\": true")
        }
        return LogEntry(offset: LogOffset(offset), content: content, checksum: crc)
    }
}
