/// Writes history lines by hand, in the field order of `chaos/README.md` (time, process, op,
/// type, then the operation's fields): the harness writes one per event, tens of thousands a
/// second, beside the cluster it tests, so the writer must be cheap.
extension HistoryEvent {
    /// This event as one history line (JSON, no trailing newline).
    public func jsonLine() -> String {
        let line = HistoryLine(self)
        var text = "{\"time\":\(line.time)"
        text.reserveCapacity(160)
        if let process = line.process { text += ",\"process\":\(process)" }
        text += ",\"op\":" + Self.quoted(line.op) + ",\"type\":" + Self.quoted(line.type)
        Self.append("partition", line.partition, to: &text)
        if let key = line.key { text += ",\"key\":" + Self.quoted(key) }
        Self.append("value", line.value, to: &text)
        Self.append("producer", line.producer, to: &text)
        if let kind = line.producerKind { text += ",\"producer_kind\":" + Self.quoted(kind) }
        Self.append("offset", line.offset, to: &text)
        if let records = line.records {
            text += ",\"records\":[" + records.map { "[" + $0.map(String.init).joined(separator: ",") + "]" }
                .joined(separator: ",") + "]"
        }
        if let rebalanced = line.rebalanced { text += ",\"rebalanced\":" + Self.array(rebalanced) }
        if let partitions = line.partitions { text += ",\"partitions\":" + Self.array(partitions) }
        if let group = line.group { text += ",\"group\":" + Self.quoted(group) }
        if let reset = line.reset { text += ",\"reset\":\(reset)" }
        if let fault = line.fault { text += ",\"fault\":" + Self.quoted(fault) }
        if let targets = line.targets {
            text += ",\"targets\":[" + targets.map(Self.quoted).joined(separator: ",") + "]"
        }
        return text + "}"
    }

    private static func append<T: BinaryInteger>(_ name: String, _ number: T?, to text: inout String) {
        if let number { text += ",\"\(name)\":\(number)" }
    }

    private static func array(_ numbers: [Int]) -> String {
        "[" + numbers.map(String.init).joined(separator: ",") + "]"
    }

    /// `string` as a JSON string: quotes, backslashes and control characters escaped.
    static func quoted(_ string: String) -> String {
        var result = "\""
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
