import Foundation
import Storage
import Testing
@testable import Node

@Suite struct NodeIdentityTests {
    let root = NSTemporaryDirectory() + "tributary-identity-\(UUID().uuidString)"

    @Test func aNewDirectoryIsClaimedAndThenAcceptedForTheSameNode() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        let identity = NodeIdentity(nodeID: 3, clusterID: "prod-east")
        try identity.claim(directory: root + "/data")
        #expect(FileManager.default.fileExists(atPath: root + "/data/node.meta"))
        try identity.claim(directory: root + "/data")
    }

    @Test func anotherNodeOrClusterIsRefusedWithAMessageNamingTheOwner() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try NodeIdentity(nodeID: 1, clusterID: "a").claim(directory: root)
        #expect {
            try NodeIdentity(nodeID: 2, clusterID: "a").claim(directory: root)
        } throws: { "\($0)".contains("belongs to node 1 of cluster 'a'") }
        #expect {
            try NodeIdentity(nodeID: 1, clusterID: "b").claim(directory: root)
        } throws: { "\($0)".contains("not to node 1 of cluster 'b'") }
    }

    @Test func aNonEmptyDirectoryWithoutIdentityIsNotTakenOver() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("precious".utf8).write(to: URL(fileURLWithPath: root + "/photos.txt"))
        #expect {
            try NodeIdentity(nodeID: 1, clusterID: "a").claim(directory: root)
        } throws: { "\($0)".contains("not a Tributary data directory") }
        #expect(!FileManager.default.fileExists(atPath: root + "/node.meta"))
    }

    @Test func aDamagedIdentityFileIsAnErrorNotAFreshStart() throws {
        defer { try? FileManager.default.removeItem(atPath: root) }
        try NodeIdentity(nodeID: 1, clusterID: "a").claim(directory: root)
        let path = root + "/node.meta"
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[bytes.count - 6] ^= 0x01
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            try NodeIdentity(nodeID: 1, clusterID: "a").claim(directory: root)
        } throws: { "\($0)".contains("damaged") }
    }
}
