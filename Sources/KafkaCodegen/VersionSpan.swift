import Foundation

/// A set of message versions as Kafka's JSON writes it: "3+", "0-2", "5" or "none".
struct VersionSpan: Equatable {
    /// Lowest version in the span; nil for "none".
    let low: Int?
    /// Highest version in the span; nil for open-ended ("3+") or "none".
    let high: Int?

    static let none = VersionSpan(low: nil, high: nil)

    init(low: Int?, high: Int?) {
        self.low = low
        self.high = high
    }

    init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "none" {
            self = .none
        } else if trimmed.hasSuffix("+"), let low = Int(trimmed.dropLast()) {
            self.init(low: low, high: nil)
        } else if let dash = trimmed.firstIndex(of: "-"),
                  let low = Int(trimmed[..<dash]), let high = Int(trimmed[trimmed.index(after: dash)...]) {
            self.init(low: low, high: high)
        } else if let single = Int(trimmed) {
            self.init(low: single, high: single)
        } else {
            throw CodegenError("cannot parse version span \"\(text)\"")
        }
    }

    func contains(_ version: Int) -> Bool {
        guard let low else { return false }
        return version >= low && version <= (high ?? Int.max)
    }

    /// A Swift condition on `version` that is true exactly for the versions of this span that
    /// lie within `implemented`: "true" or "false" when that is constant over the range.
    func condition(within implemented: ClosedRange<Int>) -> String {
        let inside = implemented.filter(contains)
        guard let first = inside.first, let last = inside.last else { return "false" }
        if inside.count == implemented.count { return "true" }
        if first == implemented.lowerBound { return "version <= \(last)" }
        if last == implemented.upperBound { return "version >= \(first)" }
        return "(\(first)...\(last)).contains(version)"
    }
}
