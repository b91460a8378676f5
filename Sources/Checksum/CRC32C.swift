import CCRC32C

/// CRC32C (Castagnoli), the checksum of Kafka record batches and of Tributary's own frames
/// and state files.
///
/// Uses the SSE4.2 `crc32` instruction when the CPU has it and a slicing-by-8 table otherwise;
/// both give the same value (the tests compare them).
public struct CRC32C: Sendable, Equatable {
    /// The checksum of everything passed to ``update(_:)`` so far.
    public private(set) var value: UInt32

    /// Starts an empty checksum, or continues one from a value computed earlier.
    public init(continuing value: UInt32 = 0) {
        self.value = value
    }

    /// Extends the checksum over `bytes`.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        value = tributary_crc32c_extend(value, base, bytes.count)
    }

    /// Extends the checksum over a contiguous collection of bytes.
    public mutating func update<Bytes: ContiguousBytes>(_ bytes: Bytes) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        var crc = CRC32C()
        crc.update(bytes)
        return crc.value
    }

    /// The checksum of a contiguous collection of bytes.
    public static func checksum<Bytes: ContiguousBytes>(_ bytes: Bytes) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0) }
    }

    /// Whether this process computes CRC32C with the CPU's instruction.
    public static var isHardwareAccelerated: Bool {
        tributary_crc32c_is_hardware_accelerated() != 0
    }
}

/// Contiguous byte storage; `[UInt8]`, `ArraySlice<UInt8>` and `UnsafeRawBufferPointer` conform.
public protocol ContiguousBytes {
    /// Calls `body` with the bytes.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
}

extension Array: ContiguousBytes where Element == UInt8 {}
extension ArraySlice: ContiguousBytes where Element == UInt8 {}
extension UnsafeRawBufferPointer: ContiguousBytes {
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(self)
    }
}
