import Transport

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `host:port` a broker listens on, as written in a bootstrap list or sent in Metadata.
public struct BrokerAddress: Hashable, Sendable, CustomStringConvertible {
    /// A host name or a numeric address.
    public var host: String
    /// The TCP port.
    public var port: UInt16

    /// Makes an address.
    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port,host:port,...` (IPv6 hosts in brackets: `[::1]:9092`).
    /// - Throws: ``KafkaClientError/Kind/invalidArgument`` for an empty list or a bad entry.
    public static func parseList(_ text: String) throws(KafkaClientError) -> [BrokerAddress] {
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        guard !entries.isEmpty else { throw KafkaClientError(.invalidArgument, "empty bootstrap server list") }
        var addresses: [BrokerAddress] = []
        for entry in entries {
            guard let colon = entry.lastIndex(of: ":"), let port = UInt16(entry[entry.index(after: colon)...]), port > 0
            else { throw KafkaClientError(.invalidArgument, "bootstrap server '\(entry)' is not host:port") }
            var host = String(entry[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { throw KafkaClientError(.invalidArgument, "bootstrap server '\(entry)' has no host") }
            addresses.append(BrokerAddress(host: host, port: port))
        }
        return addresses
    }

    /// The numeric socket address: the host itself when numeric, else its first resolved address.
    ///
    /// Resolving calls `getaddrinfo`, which blocks the calling thread (never the loop's).
    /// - Throws: ``KafkaClientError/Kind/connectionClosed`` when the name does not resolve.
    public func resolved() throws(KafkaClientError) -> SocketAddress {
        if let numeric = try? SocketAddress(host: host, port: port) { return numeric }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        let code = getaddrinfo(host, nil, &hints, &results)
        defer { if let results { freeaddrinfo(results) } }
        var cursor = code == 0 ? results : nil
        while let entry = cursor {
            var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
            let family = entry.pointee.ai_family
            let raw = UnsafeRawPointer(entry.pointee.ai_addr!)
            let converted: UnsafePointer<CChar>? = switch family {
            case AF_INET: inet_ntop(family, raw.assumingMemoryBound(to: sockaddr_in.self).pointer(to: \.sin_addr), &text, socklen_t(text.count))
            case AF_INET6: inet_ntop(family, raw.assumingMemoryBound(to: sockaddr_in6.self).pointer(to: \.sin6_addr), &text, socklen_t(text.count))
            default: nil
            }
            if converted != nil, let address = try? SocketAddress(host: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self), port: port) { return address }
            cursor = entry.pointee.ai_next
        }
        throw KafkaClientError(.connectionClosed, "cannot resolve broker host '\(host)'")
    }

    /// `host:port`, with IPv6 hosts in brackets.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        String(drop { $0 == set }.reversed().drop { $0 == set }.reversed())
    }
}
