import Foundation
import Testing
@testable import Node

#if canImport(Glibc)
import Glibc
#endif

/// A port on 127.0.0.1 that the kernel just handed out as free (ephemeral range), or nil.
func freePort() -> UInt16? {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
        }
    }
    return bound ? UInt16(bigEndian: address.sin_port) : nil
}


/// The configuration of a node that is the only controller voter, on free loopback ports, with
/// fast Raft timings; its data directory is `directory`.
/// - Returns: the configuration and its client and admin ports.
/// - Parameter extraTOML: more settings appended to the file (a section of its own).
func loneNodeConfig(directory: String, extraTOML: String = "") throws -> (config: NodeConfig, client: UInt16, admin: UInt16) {
    let peer = try #require(freePort()), client = try #require(freePort()), admin = try #require(freePort())
    let config = try NodeConfig.load(toml: """
        node_id = 1
        data_dir = "\(directory)"
        [listen]
        peer = "127.0.0.1:\(peer)"
        client = "127.0.0.1:\(client)"
        admin = "127.0.0.1:\(admin)"
        [controller]
        voters = ["1@127.0.0.1:\(peer)"]
        [raft]
        tick_ms = 10
        election_timeout_ms = 100
        heartbeat_interval_ms = 30
        \(extraTOML)
        """)
    return (config, client, admin)
}

/// Polls `condition` every 10 ms, at most 1,000 times; whether it held.
func poll(_ condition: () async throws -> Bool) async -> Bool {
    for _ in 0..<1_000 {
        if (try? await condition()) == true { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return false
}
