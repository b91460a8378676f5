import Foundation
import Testing

@testable import Storage
import SeededRandom

/// A fresh directory under the system temporary directory, removed when released.
final class TemporaryDirectory {
    let path: String

    /// - Parameter inMemory: use `/dev/shm` when there is one: tests that only need file
    ///   semantics (crash and model tests) then cost no disk syncs.
    init(_ label: String = "storage", inMemory: Bool = false) {
        let base = inMemory && FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm/" : NSTemporaryDirectory()
        let template = base + "tributary-\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: bytes.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// A path inside the directory (not created).
    func child(_ name: String) -> String { path + "/" + name }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// The project's seeded generator, under the name these tests use.
typealias SeededGenerator = SplitMix64

/// A batch of `count` records with values of `valueBytes` bytes, timestamps `timestamp`, `timestamp + 1`, ...
func makeBatch(count: Int = 1, valueBytes: Int = 16, timestamp: Int64 = 1_000, seed: UInt8 = 0) -> RecordBatch {
    let records = (0..<count).map { index in
        NewRecord(
            key: Array("k\(index)".utf8), value: [UInt8](repeating: seed &+ UInt8(truncatingIfNeeded: index), count: valueBytes),
            timestamp: timestamp + Int64(index))
    }
    return RecordBatchBuilder.batch(records)
}

func openLog(
    _ directory: String, limits: StorageLimits = .testMin, durability: DurabilityMode = .normal,
    damagePolicy: DamagePolicy = .refuse, create: Bool = true
) throws -> PartitionLog {
    try PartitionLog.open(
        directory: directory,
        options: PartitionLogOptions(limits: limits, create: create, durability: durability, damagePolicy: damagePolicy))
}

/// Reads every batch from the log start to the end.
func readAll(_ log: PartitionLog, maxBytes: Int = 1 << 16) throws -> [RecordBatch] {
    var batches: [RecordBatch] = []
    var offset = log.logStartOffset
    while offset < log.nextOffset {
        let read = try log.read(from: offset, maxBytes: maxBytes)
        batches += try read.batches()
        offset = read.nextOffset
    }
    return batches
}

/// Expects `body` to throw a ``StorageError`` with `code`; returns it.
@discardableResult
func expectStorageError(
    _ code: StorageError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Void
) -> StorageError? {
    do {
        try body()
        Issue.record("expected StorageError \(code), nothing was thrown", sourceLocation: sourceLocation)
    } catch let error as StorageError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        return error
    } catch {
        Issue.record("expected StorageError \(code), got \(error)", sourceLocation: sourceLocation)
    }
    return nil
}

func fileSize(_ path: String) -> Int64 {
    ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? -1
}

func segmentPath(_ directory: String, _ base: Offset, _ suffix: String = ".log") -> String {
    directory + "/" + Segment.stem(base) + suffix
}

func truncateFile(_ path: String, to size: Int64) {
    precondition(Glibc.truncate(path, off_t(size)) == 0, "truncate \(path) failed")
}

func flipBit(_ path: String, at position: Int64, bit: Int) {
    let handle = FileHandle(forUpdatingAtPath: path)!
    defer { try? handle.close() }
    try! handle.seek(toOffset: UInt64(position))
    var byte = handle.readData(ofLength: 1)
    byte[byte.startIndex] ^= UInt8(1 << bit)
    try! handle.seek(toOffset: UInt64(position))
    handle.write(byte)
}
