/// Cuts links between the nodes' loopback addresses with one nftables table of the run's own
/// (both directions of each link); healing deletes the table.
struct Network {
    let table: String
    let log: FileHandleBox

    /// Drops every packet between the two nodes of each link (both directions), in one nft
    /// invocation so the cut is applied at once. True when nft accepted it.
    func cut(_ links: [(Int, Int)]) async -> Bool {
        var commands = ["add table inet \(table)",
                        "add chain inet \(table) output { type filter hook output priority 0; policy accept; }"]
        for (a, b) in links {
            for (s, d) in [(a, b), (b, a)] {
                commands.append("add rule inet \(table) output ip saddr 127.0.0.\(s) ip daddr 127.0.0.\(d) drop")
            }
        }
        return await Shell.run(["nft", commands.joined(separator: "; ")], logTo: log).status == 0
    }

    /// Deletes the table (no error if it is absent).
    func heal() async {
        await Shell.run(["nft", "delete", "table", "inet", table], logTo: log)
    }
}

import Foundation

/// A file handle that can cross concurrency domains (writes are atomic appends).
final class FileHandleBox: @unchecked Sendable {
    let handle: FileHandle
    init(_ handle: FileHandle) { self.handle = handle }
    func write(_ text: String) { handle.write(Data(text.utf8)) }
}
