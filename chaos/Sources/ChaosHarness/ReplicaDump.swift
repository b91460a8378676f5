import Foundation
import Storage

/// Reads each replica's partition directory offline (nodes stopped) and writes one dump per
/// partition per replica in the format of chaos/README.md, up to that replica's own high-water
/// mark as its /v1/status reported after recovery. Replicas are read separately, so divergence shows.
enum ReplicaDump {
    static func write(cluster: ClusterControl, topic: String, views: [ClusterControl.NodeView], to folder: String) throws -> Int {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var files = 0
        for view in views {
            for (partition, path) in cluster.partitionDirectories(node: view.node, topic: topic) {
                guard let group = ClusterControl.group(ofDirectory: path),
                      let hw = view.groups.first(where: { $0.group == group })?.highWatermark else { continue }
                let log = try PartitionLog.open(directory: path)
                var lines = ["{\"partition\":\(partition),\"replica\":\"n\(view.node)\",\"start\":\(log.logStartOffset.rawValue),\"end\":\(hw)}"]
                var next = log.logStartOffset
                while next.rawValue < hw {
                    let read = try log.read(from: next, maxBytes: 1 << 20, before: Offset(hw))
                    let batches = try read.batches()
                    guard !batches.isEmpty else { break }
                    for batch in batches {
                        for record in try batch.records() where record.offset.rawValue < hw && record.offset >= next {
                            if batch.isControl {
                                lines.append("{\"offset\":\(record.offset.rawValue),\"control\":true}")
                            } else if let v = record.value.flatMap({ Int64(String(decoding: $0, as: UTF8.self)) }) {
                                lines.append("{\"offset\":\(record.offset.rawValue),\"value\":\(v)}")
                            } else {
                                lines.append("{\"offset\":\(record.offset.rawValue),\"foreign\":true}")
                            }
                        }
                        next = max(next, batch.lastOffset.advanced(by: 1))
                    }
                }
                let file = "\(folder)/p\(partition)-n\(view.node).jsonl"
                guard FileManager.default.createFile(atPath: file, contents: Data((lines.joined(separator: "\n") + "\n").utf8)) else {
                    throw HarnessError("cannot write \(file)")
                }
                files += 1
            }
        }
        return files
    }
}
