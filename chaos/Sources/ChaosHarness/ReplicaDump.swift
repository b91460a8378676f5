import Foundation
import Storage

/// Reads each replica's partition directory offline (nodes stopped) and writes one dump per
/// partition per replica in the format of chaos/README.md, up to that replica's own high-water
/// mark as its /v1/status reported after recovery. Replicas are read separately, so divergence shows.
enum ReplicaDump {
    /// What one replica's files hold below its high-water mark.
    private struct Contents {
        /// Its log start offset.
        var start: Int64 = 0
        /// One dump line per record read.
        var records: [String] = []
        /// Where its stored bytes failed their checks, and the error saying how; reading stops there.
        var damage: (offset: Int64, error: StorageError)?
    }

    static func write(cluster: ClusterControl, topic: String, views: [ClusterControl.NodeView], to folder: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var files = 0
        for view in views {
            for (partition, path) in cluster.partitionDirectories(node: view.node, topic: topic) {
                guard let group = ClusterControl.group(ofDirectory: path),
                      let hw = view.groups.first(where: { $0.group == group })?.highWatermark else { continue }
                let contents = try read(path, below: hw)
                var header = "{\"partition\":\(partition),\"replica\":\"n\(view.node)\",\"start\":\(contents.start),\"end\":\(hw)"
                if let damage = contents.damage {
                    header += ",\"damaged\":\(damage.offset)"
                    print("chaos-run: replica n\(view.node) of partition \(partition) is damaged: \(damage.error)")
                }
                let text = ([header + "}"] + contents.records).joined(separator: "\n") + "\n"
                let file = "\(folder)/p\(partition)-n\(view.node).jsonl"
                guard FileManager.default.createFile(atPath: file, contents: Data(text.utf8)) else {
                    throw HarnessError("cannot write \(file)")
                }
                files += 1
            }
        }
        return files
    }

    /// Reads the partition log in `directory` below `hw`. The log is opened as it is (damage is
    /// reported, never cut: the files stay as the node left them, for whoever looks next).
    /// - Throws: storage errors other than damage (a missing or unreadable directory).
    private static func read(_ directory: String, below hw: Int64) throws -> Contents {
        var contents = Contents()
        var next = Offset(0)
        do {
            let log = try PartitionLog.open(directory: directory)
            contents.start = log.logStartOffset.rawValue
            next = log.logStartOffset
            while next.rawValue < hw {
                let read = try log.read(from: next, maxBytes: 1 << 20, before: Offset(hw))
                let batches = try read.batches()
                guard !batches.isEmpty else { break }
                for batch in batches {
                    for record in try batch.records() where record.offset.rawValue < hw && record.offset >= next {
                        contents.records.append(line(record, control: batch.isControl))
                    }
                    next = max(next, batch.lastOffset.advanced(by: 1))
                }
            }
        } catch let error as StorageError where [.corruptData, .damaged, .invalidBatch].contains(error.code) {
            let at = error.location?.offset ?? error.damage.first?.location.offset ?? next
            // The header's range must hold the damage, which open may have found above the end.
            contents.damage = (min(max(at.rawValue, contents.start), hw), error)
        }
        return contents
    }

    private static func line(_ record: Record, control: Bool) -> String {
        if control { return "{\"offset\":\(record.offset.rawValue),\"control\":true}" }
        guard let value = record.value.flatMap({ Int64(String(decoding: $0, as: UTF8.self)) }) else {
            return "{\"offset\":\(record.offset.rawValue),\"foreign\":true}"
        }
        return "{\"offset\":\(record.offset.rawValue),\"value\":\(value)}"
    }
}
