/// Splits a stream into Kafka protocol frames: a big-endian int32 size, then that many opaque
/// bytes (the request or response, decoded by the Kafka protocol module).
public struct KafkaFrameDecoder: FrameDecoder {
    /// Bytes in the size prefix.
    public static let sizePrefixByteCount = 4
    /// The largest body accepted.
    public let frameBytesMax: Int

    /// Makes a decoder that rejects bodies over `frameBytesMax` bytes.
    public init(frameBytesMax: Int) {
        precondition(frameBytesMax > 0)
        self.frameBytesMax = frameBytesMax
    }

    public func decodeFrame(from bytes: UnsafeRawBufferPointer) throws(TransportError) -> DecodedFrame<[UInt8]>? {
        guard bytes.count >= Self.sizePrefixByteCount else { return nil }
        let size = Int32(bitPattern: bytes.bigEndianUInt32(at: 0))
        guard size >= 0 else { throw TransportError(.malformedFrame, "Kafka frame size \(size) is negative") }
        guard size <= frameBytesMax else {
            throw TransportError(.frameTooLarge, "Kafka frame of \(size) bytes exceeds frameBytesMax \(frameBytesMax)")
        }
        let frameByteCount = Self.sizePrefixByteCount + Int(size)
        guard bytes.count >= frameByteCount else { return nil }
        return DecodedFrame(frame: Array(bytes[Self.sizePrefixByteCount..<frameByteCount]), byteCount: frameByteCount)
    }
}
