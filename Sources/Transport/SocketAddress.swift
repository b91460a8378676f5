import CLibUV

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A numeric IPv4 or IPv6 address with a port, as passed to `bind` and `connect`.
///
/// Host names are not resolved: nodes are configured with addresses, and resolving a name would
/// block the loop.
public struct SocketAddress: Sendable, Equatable, CustomStringConvertible {
    /// The numeric host, for example `"127.0.0.1"` or `"::1"`.
    public let host: String
    /// The TCP port; 0 asks the kernel for an ephemeral port when binding.
    public let port: UInt16

    /// Makes an address from a numeric host and a port.
    /// - Throws: ``TransportError`` (``TransportError/Kind/invalidArgument``) when `host` is not
    ///   a numeric IPv4 or IPv6 address.
    public init(host: String, port: UInt16) throws(TransportError) {
        self.host = host
        self.port = port
        _ = try makeStorage()
    }

    /// Reads the address libuv reports for a socket (`uv_tcp_getsockname` and friends).
    init(storage: sockaddr_storage) throws(TransportError) {
        var storage = storage
        var text = [CChar](repeating: 0, count: 64)
        let port: UInt16
        switch Int32(storage.ss_family) {
        case AF_INET:
            port = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            try TransportError.check(withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_name($0, &text, text.count) }
            }, "uv_ip4_name")
        case AF_INET6:
            port = withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
            }
            try TransportError.check(withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_name($0, &text, text.count) }
            }, "uv_ip6_name")
        default:
            throw TransportError(.invalidArgument, "socket address family \(storage.ss_family) is not IPv4 or IPv6")
        }
        self.host = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        self.port = port
    }

    /// The same host with another port.
    public func withPort(_ port: UInt16) -> SocketAddress {
        // The host was validated when `self` was made, so this cannot fail.
        try! SocketAddress(host: host, port: port)
    }

    /// The C socket address, for libuv.
    func makeStorage() throws(TransportError) -> sockaddr_storage {
        var storage = sockaddr_storage()
        let isIPv6 = host.contains(":")
        let code = withUnsafeMutablePointer(to: &storage) { pointer in
            isIPv6
                ? pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { uv_ip6_addr(host, Int32(port), $0) }
                : pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { uv_ip4_addr(host, Int32(port), $0) }
        }
        if code < 0 {
            throw TransportError(.invalidArgument, "'\(host)' is not a numeric IPv4 or IPv6 address")
        }
        return storage
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
