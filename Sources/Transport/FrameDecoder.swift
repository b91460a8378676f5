/// Splits a byte stream into frames.
///
/// A decoder looks only at the unread bytes it is given and never traps on any input: it returns
/// a frame and how many bytes it used, `nil` when the frame is not complete yet, or throws when
/// the bytes can never form a valid frame (the connection is then closed). It must throw as soon
/// as a header announces more than the limits allow, so a connection never buffers an oversized
/// frame.
public protocol FrameDecoder {
    /// What one frame decodes to.
    associatedtype Frame

    /// Decodes the frame at the start of `bytes`.
    /// - Returns: the frame and the number of bytes it occupied, or `nil` if more bytes are needed.
    /// - Throws: ``TransportError`` (``TransportError/Kind/malformedFrame`` or
    ///   ``TransportError/Kind/frameTooLarge``) when the bytes are not a valid frame.
    func decodeFrame(from bytes: UnsafeRawBufferPointer) throws(TransportError) -> DecodedFrame<Frame>?
}

/// A frame and the bytes it occupied in the stream.
public struct DecodedFrame<Frame> {
    /// The decoded frame.
    public let frame: Frame
    /// How many bytes of the stream it used, header included.
    public let byteCount: Int

    /// Pairs a frame with its length in the stream.
    public init(frame: Frame, byteCount: Int) {
        self.frame = frame
        self.byteCount = byteCount
    }
}

extension UnsafeRawBufferPointer {
    /// The big-endian `UInt32` at `offset`; the caller checked that four bytes are there.
    func bigEndianUInt32(at offset: Int) -> UInt32 {
        precondition(offset >= 0 && offset + 4 <= count, "read of 4 bytes at \(offset) of \(count)")
        return UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    /// The big-endian `UInt16` at `offset`; the caller checked that two bytes are there.
    func bigEndianUInt16(at offset: Int) -> UInt16 {
        precondition(offset >= 0 && offset + 2 <= count, "read of 2 bytes at \(offset) of \(count)")
        return UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }
}
