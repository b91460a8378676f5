/// Indented source text under construction.
struct Lines {
    private var lines: [String] = []
    private var depth = 0

    mutating func indent() { depth += 1 }
    mutating func dedent() {
        precondition(depth > 0, "dedent below zero")
        depth -= 1
    }

    /// Adds one line (or several, split on newlines) at the current indentation.
    mutating func add(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lines.append(line.isEmpty ? "" : String(repeating: "    ", count: depth) + line)
        }
    }

    /// Adds several lines at the current indentation.
    mutating func add(_ texts: [String]) {
        for text in texts { add(text) }
    }

    /// Adds `body`, wrapped in `if condition { }` unless the condition is "true".
    mutating func addConditional(_ condition: String, _ body: [String]) {
        if condition == "true" {
            add(body)
            return
        }
        add("if \(condition) {")
        indent()
        add(body)
        dedent()
        add("}")
    }

    var text: String { lines.joined(separator: "\n") + "\n" }
}
