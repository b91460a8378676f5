import Checksum

/// A message between two nodes: a kind and opaque body bytes (a batch of Raft messages, say).
///
/// On the wire it is a ``PeerFrameHeader`` followed by the body; the header's CRC32C covers the
/// header fields after the magic and the body, so a flipped bit anywhere is caught.
public struct PeerFrame: Sendable, Equatable {
    /// What the body holds; meaning is up to the layer above (the transport does not look).
    public var kind: UInt8
    /// The body bytes, at most ``TransportLimits/frameBytesMax``.
    public var body: [UInt8]

    /// Makes a frame of `kind` carrying `body`.
    public init(kind: UInt8, body: [UInt8]) {
        self.kind = kind
        self.body = body
    }

    /// Bytes the frame occupies on the wire.
    public var encodedByteCount: Int { PeerFrameHeader.byteCount + body.count }

    /// Appends the encoded frame to `buffer`.
    func encode(into buffer: ByteBuffer) {
        let header = PeerFrameHeader(kind: kind, bodyByteCount: UInt32(body.count), body: body)
        header.encode(into: buffer)
        body.withUnsafeBytes { buffer.append($0) }
    }

    /// The encoded frame as an array (tests and tools; connections encode in place).
    public func encoded() -> [UInt8] {
        let buffer = ByteBuffer(initialCapacity: encodedByteCount)
        encode(into: buffer)
        return Array(buffer.readable)
    }
}

/// The fixed 16-byte header of a ``PeerFrame``, big-endian:
///
/// | bytes | field                                                  |
/// |-------|--------------------------------------------------------|
/// | 0-3   | magic `"TRBP"`                                         |
/// | 4     | version (``currentVersion``)                           |
/// | 5     | kind                                                   |
/// | 6-7   | flags, 0 in this version                               |
/// | 8-11  | body length in bytes                                   |
/// | 12-15 | CRC32C of bytes 4-11 followed by the body              |
public struct PeerFrameHeader: Sendable, Equatable {
    /// Bytes in the header.
    public static let byteCount = 16
    /// `"TRBP"`: lets a receiver reject a stream that is not peer traffic at its first bytes.
    public static let magic: UInt32 = 0x5452_4250
    /// The only version this build reads and writes.
    public static let currentVersion: UInt8 = 1

    /// The frame's kind.
    public var kind: UInt8
    /// The body's length in bytes.
    public var bodyByteCount: UInt32
    /// CRC32C over the header fields after the magic and the body.
    public var checksum: UInt32

    /// Makes the header of a frame of `kind` over `body` (of `bodyByteCount` bytes).
    init(kind: UInt8, bodyByteCount: UInt32, body: [UInt8]) {
        self.kind = kind
        self.bodyByteCount = bodyByteCount
        var crc = CRC32C()
        withUnsafeBytes(of: Self.coveredFields(kind: kind, bodyByteCount: bodyByteCount)) { crc.update($0) }
        crc.update(body)
        checksum = crc.value
    }

    /// Version, kind, flags and length as they appear on the wire (bytes 4-11).
    static func coveredFields(kind: UInt8, bodyByteCount: UInt32) -> (UInt8, UInt8, UInt8, UInt8, UInt32) {
        (currentVersion, kind, 0, 0, bodyByteCount.bigEndian)
    }

    func encode(into buffer: ByteBuffer) {
        buffer.appendBigEndian(Self.magic)
        withUnsafeBytes(of: Self.coveredFields(kind: kind, bodyByteCount: bodyByteCount)) { buffer.append($0) }
        buffer.appendBigEndian(checksum)
    }
}

/// Splits a stream into ``PeerFrame``s, checking magic, version, flags, length and checksum.
public struct PeerFrameDecoder: FrameDecoder {
    /// The largest body accepted.
    public let frameBytesMax: Int

    /// Makes a decoder that rejects bodies over `frameBytesMax` bytes.
    public init(frameBytesMax: Int) {
        precondition(frameBytesMax > 0)
        self.frameBytesMax = frameBytesMax
    }

    public func decodeFrame(from bytes: UnsafeRawBufferPointer) throws(TransportError) -> DecodedFrame<PeerFrame>? {
        guard bytes.count >= PeerFrameHeader.byteCount else {
            // Reject a wrong magic as soon as it is visible, not only once 16 bytes arrived.
            let magic = withUnsafeBytes(of: PeerFrameHeader.magic.bigEndian) { Array($0) }
            let visible = min(bytes.count, magic.count)
            if !bytes.prefix(visible).elementsEqual(magic.prefix(visible)) { throw badMagic(bytes) }
            return nil
        }
        guard bytes.bigEndianUInt32(at: 0) == PeerFrameHeader.magic else { throw badMagic(bytes) }
        let version = bytes[4], kind = bytes[5], flags = bytes.bigEndianUInt16(at: 6)
        guard version == PeerFrameHeader.currentVersion else {
            throw TransportError(.malformedFrame, "peer frame version \(version), this build reads \(PeerFrameHeader.currentVersion)")
        }
        guard flags == 0 else { throw TransportError(.malformedFrame, "peer frame flags \(flags), expected 0") }
        let length = bytes.bigEndianUInt32(at: 8)
        guard length <= frameBytesMax else {
            throw TransportError(.frameTooLarge, "peer frame body of \(length) bytes exceeds frameBytesMax \(frameBytesMax)")
        }
        let frameByteCount = PeerFrameHeader.byteCount + Int(length)
        guard bytes.count >= frameByteCount else { return nil }
        let body = UnsafeRawBufferPointer(rebasing: bytes[PeerFrameHeader.byteCount..<frameByteCount])
        var crc = CRC32C()
        crc.update(UnsafeRawBufferPointer(rebasing: bytes[4..<12]))
        crc.update(body)
        let expected = bytes.bigEndianUInt32(at: 12)
        guard crc.value == expected else {
            throw TransportError(.malformedFrame, "peer frame checksum \(hex(crc.value)) does not match header \(hex(expected))")
        }
        return DecodedFrame(frame: PeerFrame(kind: kind, body: Array(body)), byteCount: frameByteCount)
    }

    private func badMagic(_ bytes: UnsafeRawBufferPointer) -> TransportError {
        TransportError(.malformedFrame, "stream does not start with the peer frame magic (first bytes \(bytes.prefix(4).map { hex($0) }))")
    }
}

func hex<T: BinaryInteger>(_ value: T) -> String { "0x" + String(value, radix: 16) }
