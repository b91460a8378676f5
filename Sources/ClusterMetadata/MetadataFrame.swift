import Checksum

/// The envelope of every encoded command and snapshot:
/// `format version (1 byte) | kind (1 byte) | body length (4) | CRC32C of the body (4) | body`.
///
/// The controller log's batches carry their own checksum; this one also covers snapshots
/// written to disk on their own, and lets a decoder reject a body before reading a field.
enum MetadataFrame {
    static let formatVersion: UInt8 = 1
    static let headerBytes = 10
    /// The kind byte of a snapshot; command kinds are below it.
    static let snapshotKind: UInt8 = 0x80

    static func seal(kind: UInt8, body: [UInt8]) -> [UInt8] {
        var header = MetadataWriter()
        header.write(formatVersion)
        header.write(kind)
        header.write(UInt32(body.count))
        header.write(CRC32C.checksum(body))
        return header.bytes + body
    }

    /// Checks the header and checksum.
    /// - Returns: the kind and a reader over the body.
    static func open(_ bytes: [UInt8], bodyBytesMax: Int) throws(MetadataDecodingError) -> (kind: UInt8, body: MetadataReader) {
        var header = MetadataReader(bytes)
        let version = try header.readUInt8()
        guard version == formatVersion else { throw MetadataDecodingError("unsupported format version \(version)") }
        let kind = try header.readUInt8()
        let length = Int(try header.readUInt32())
        let storedChecksum = try header.readUInt32()
        guard length <= bodyBytesMax else { throw MetadataDecodingError("body of \(length) bytes, limit \(bodyBytesMax)") }
        guard length == header.remainingCount else {
            throw MetadataDecodingError("header declares \(length) body bytes, \(header.remainingCount) present")
        }
        let body = Array(bytes[headerBytes...])
        let checksum = CRC32C.checksum(body)
        guard checksum == storedChecksum else {
            throw MetadataDecodingError("checksum mismatch: stored \(storedChecksum), computed \(checksum)")
        }
        return (kind, MetadataReader(body))
    }
}
