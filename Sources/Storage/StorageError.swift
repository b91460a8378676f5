import Glibc

/// Where in a partition's files something was found: the segment, the byte, the offset.
public struct DataLocation: Sendable, Equatable, CustomStringConvertible {
    /// The file, as a path.
    public var file: String
    /// Byte position inside `file`.
    public var position: Int64
    /// The offset the log expected to find at `position`.
    public var offset: Offset

    /// Names a place in a segment.
    public init(file: String, position: Int64, offset: Offset) {
        self.file = file
        self.position = position
        self.offset = offset
    }

    public var description: String { "\(file) at byte \(position) (offset \(offset))" }
}

/// An error from the storage engine: a bad argument, bad bytes, damage on disk or a failed system call.
public struct StorageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure this is; callers branch on it.
    public enum Code: Sendable, Equatable {
        /// An argument outside its documented range.
        case invalidArgument
        /// A limits value that is out of range or inconsistent with another.
        case invalidLimits
        /// Bytes that are not a valid record batch v2.
        case invalidBatch
        /// An offset outside `logStartOffset...nextOffset`.
        case offsetOutOfRange
        /// A replicated batch whose base offset is not the log's next offset.
        case unexpectedOffset
        /// A batch whose leader epoch is lower than the log's last epoch.
        case epochRegression
        /// A truncation point that is not the last offset of a batch.
        case notOnBatchBoundary
        /// A directory that does not hold a partition (or holds unexpected files).
        case notAPartition
        /// A state or checkpoint file whose bytes are invalid.
        case corruptState
        /// Stored batch bytes that fail validation when read.
        case corruptData
        /// Damage found while opening a partition; see ``StorageError/damage``.
        case damaged
        /// The device has no space left.
        case noSpace
        /// Any other failed system call; see ``StorageError/systemErrorNumber``.
        case ioFailure
        /// A previous fdatasync failed: the log refuses all work (its page cache state is unknown).
        case failed
    }

    /// What kind of failure this is.
    public let code: Code
    /// A sentence for people.
    public let message: String
    /// Where on disk the problem is, when it is about stored bytes.
    public let location: DataLocation?
    /// The damage found on open (code ``Code/damaged``).
    public let damage: [LogDamage]
    /// `errno` of the failed system call, if any.
    public let systemErrorNumber: Int32?

    init(
        _ code: Code, _ message: String, location: DataLocation? = nil, damage: [LogDamage] = [],
        systemErrorNumber: Int32? = nil
    ) {
        self.code = code
        self.message = message
        self.location = location
        self.damage = damage
        self.systemErrorNumber = systemErrorNumber
    }

    /// The error for a failed system call, with `errno` turned into words.
    static func system(_ call: String, path: String, errno number: Int32) -> StorageError {
        let words = String(cString: strerror(number))
        let code: Code = (number == ENOSPC || number == EDQUOT) ? .noSpace : .ioFailure
        return StorageError(code, "\(call)(\(path)): \(words)", systemErrorNumber: number)
    }

    public var description: String {
        var text = "\(code): \(message)"
        if let location { text += " [\(location)]" }
        for item in damage { text += "\n  \(item)" }
        return text
    }
}
