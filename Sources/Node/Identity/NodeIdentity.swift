import Foundation
import Storage

/// Who owns a data directory: written once as `<data>/node.meta` when a node first starts there,
/// checked on every start after, so that a node never runs on another node's (or another
/// cluster's) data. Stored with `DurableStateFile` (atomic replace, CRC32C).
public struct NodeIdentity: Sendable, Equatable, CustomStringConvertible {
    /// The node id recorded in the directory.
    public var nodeID: Int32
    /// The cluster id recorded in the directory.
    public var clusterID: String

    /// The file name inside the data directory.
    public static let fileName = "node.meta"
    static let formatVersion: UInt8 = 1
    static let payloadBytesMax = 1 << 10

    /// Makes an identity.
    public init(nodeID: Int32, clusterID: String) {
        self.nodeID = nodeID
        self.clusterID = clusterID
    }

    public var description: String { "node \(nodeID) of cluster '\(clusterID)'" }

    /// Claims `directory` for this identity, or checks that it already belongs to it.
    ///
    /// A missing or empty directory is created and claimed. A directory that holds a
    /// `node.meta` must name this node and cluster.
    /// - Throws: ``NodeIdentityError`` when the directory belongs to another node or cluster, is
    ///   not empty but has no `node.meta`, or the file is damaged; storage errors for I/O failures.
    public func claim(directory: String) throws {
        let path = directory + "/" + Self.fileName
        guard let payload = try readPayload(path) else {
            try requireEmptyOrMissing(directory)
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try DurableStateFile.write(encoded(), to: path, payloadBytesMax: Self.payloadBytesMax)
            return
        }
        let found = try Self.decode(payload, path: path)
        guard found == self else {
            throw NodeIdentityError(
                "\(directory) belongs to \(found), not to \(self): point data_dir at this node's own directory")
        }
    }

    private func readPayload(_ path: String) throws -> [UInt8]? {
        do {
            return try DurableStateFile.read(from: path, payloadBytesMax: Self.payloadBytesMax)
        } catch let error as StorageError where error.code == .corruptState {
            throw NodeIdentityError("\(path) is damaged (\(error.message)); the node will not guess whose data this is")
        }
    }

    private func requireEmptyOrMissing(_ directory: String) throws {
        guard FileManager.default.fileExists(atPath: directory) else { return }
        let entries = try FileManager.default.contentsOfDirectory(atPath: directory)
        guard entries.isEmpty else {
            throw NodeIdentityError(
                "\(directory) is not empty and has no \(Self.fileName): it is not a Tributary data directory "
                    + "(found \(entries.sorted().prefix(3).joined(separator: ", ")))")
        }
    }

    func encoded() -> [UInt8] {
        let id = UInt32(bitPattern: nodeID)
        return [Self.formatVersion, UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)]
            + Array(clusterID.utf8)
    }

    static func decode(_ payload: [UInt8], path: String) throws -> NodeIdentity {
        guard payload.count >= 5, payload[0] == formatVersion else {
            throw NodeIdentityError("\(path) has an unknown format (version \(payload.first ?? 0))")
        }
        let id = payload[1..<5].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard let cluster = String(validating: payload[5...], as: UTF8.self) else {
            throw NodeIdentityError("\(path) holds a cluster id that is not UTF-8")
        }
        return NodeIdentity(nodeID: Int32(bitPattern: id), clusterID: cluster)
    }
}

/// A data directory that this node must not use.
public struct NodeIdentityError: Error, Sendable, CustomStringConvertible {
    /// What is wrong and what to do.
    public let description: String
    init(_ description: String) { self.description = description }
}
