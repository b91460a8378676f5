/// Reads one history line into a ``HistoryLine`` with a ``JSONLineScanner``.
enum HistoryLineParser {
    /// Parses `bytes` (one line, no terminator).
    /// - Throws: ``LineError`` naming the field or the byte position at fault.
    static func parse(_ bytes: ArraySlice<UInt8>) throws(LineError) -> HistoryLine {
        var fields = Fields()
        try JSONLineScanner.object(bytes) { (scanner, name) throws(LineError) in
            try read(name, &scanner, into: &fields)
        }
        return try fields.line()
    }

    /// The fields seen so far; required ones are checked when the object ends.
    private struct Fields {
        var time: Int64?
        var op: String?
        var type: String?
        var rest = HistoryLine(time: 0, process: nil, op: "", type: "")

        func line() throws(LineError) -> HistoryLine {
            guard let time else { throw LineError("missing field \"time\"") }
            guard let op else { throw LineError("missing field \"op\"") }
            guard let type else { throw LineError("missing field \"type\"") }
            var line = rest
            line.time = time
            line.op = op
            line.type = type
            return line
        }
    }

    private static func read(_ name: String, _ scanner: inout JSONLineScanner, into fields: inout Fields)
        throws(LineError)
    {
        switch name {
        case "time": fields.time = try scanner.integer(name)
        case "op": fields.op = try scanner.string("op")
        case "type": fields.type = try scanner.string("type")
        case "process": fields.rest.process = try scanner.int(name)
        case "partition": fields.rest.partition = try scanner.int(name)
        case "key": fields.rest.key = try scanner.string("key")
        case "value": fields.rest.value = try scanner.integer(name)
        case "offset": fields.rest.offset = try scanner.integer(name)
        case "producer": fields.rest.producer = try scanner.int(name)
        case "producer_kind": fields.rest.producerKind = try scanner.string("producer_kind")
        case "records": fields.rest.records = try scanner.array(name) { (scanner, i) throws(LineError) in
            try scanner.array("records[\(i)]") { (scanner, j) throws(LineError) in
                try scanner.integer("records[\(i)][\(j)]")
            }
        }
        case "rebalanced": fields.rest.rebalanced = try scanner.array(name) { (scanner, i) throws(LineError) in
            try scanner.int("rebalanced[\(i)]")
        }
        case "partitions": fields.rest.partitions = try scanner.array(name) { (scanner, i) throws(LineError) in
            try scanner.int("partitions[\(i)]")
        }
        case "group": fields.rest.group = try scanner.string("group")
        case "reset": fields.rest.reset = try scanner.boolean(name)
        case "fault": fields.rest.fault = try scanner.string("fault")
        case "targets": fields.rest.targets = try scanner.array(name) { (scanner, i) throws(LineError) in
            try scanner.string("targets[\(i)]")
        }
        default: try scanner.skipValue()
        }
    }
}
