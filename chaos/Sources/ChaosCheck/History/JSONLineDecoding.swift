import Foundation

/// Decodes one JSON object per line and turns `DecodingError`s, whose descriptions are written
/// for programmers, into messages about the line a person is looking at.
struct JSONLineDecoder {
    private let decoder = JSONDecoder()

    /// Decodes `bytes` as a `T`.
    /// - Throws: ``InputError`` at `line` of `source` with the field and the problem.
    func decode<T: Decodable>(_ type: T.Type, from bytes: ArraySlice<UInt8>, source: String, line: Int)
        throws(InputError) -> T
    {
        do {
            return try decoder.decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw InputError(source: source, line: line, message: Self.message(for: error))
        } catch {
            throw InputError(source: source, line: line, message: "not a JSON object: \(error)")
        }
    }

    /// Whether a line holds only whitespace (allowed, and skipped, anywhere in a file).
    static func isBlank(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
    }

    private static func message(for error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \"\(path(context.codingPath + [key]))\""
        case .typeMismatch(_, let context) where context.codingPath.isEmpty:
            return "not a JSON object"
        case .typeMismatch(let type, let context):
            return "field \"\(path(context.codingPath))\" is not \(article(type))"
        case .valueNotFound(let type, let context):
            return "field \"\(path(context.codingPath))\" is null where \(article(type)) is required"
        case .dataCorrupted(let context):
            // Foundation reports a fraction where an integer belongs this way too, without a path.
            if context.codingPath.isEmpty { return "not valid JSON (or a fraction where an integer is required)" }
            return "field \"\(path(context.codingPath))\": \(context.debugDescription)"
        @unknown default:
            return "cannot decode: \(error)"
        }
    }

    private static func path(_ keys: [any CodingKey]) -> String {
        keys.reduce(into: "") { path, key in
            if let index = key.intValue {
                path += "[\(index)]"
            } else {
                path += (path.isEmpty ? "" : ".") + key.stringValue
            }
        }
    }

    private static func article(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is Int64.Type: "an integer"
        case is String.Type: "a string"
        case is Bool.Type: "a boolean"
        default: "a \(type)"
        }
    }
}
