import CCRC32C
import SeededRandom
import Testing
@testable import Checksum

@Suite struct CRC32CTests {
    @Test func knownVectorsMatchTheCastagnoliReferenceValues() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8]()) == 0)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)
        #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
        #expect(CRC32C.checksum((0..<32).map { UInt8($0) }) == 0x46DD_794E)
    }

    @Test func hardwareAndPortablePathsAgreeOnEveryLengthAndAlignment() {
        var rng = SplitMix64(seed: 0xC2C3_2C)
        // Lengths straddle the three-stream block size (3 × 4096) so the stream join is exercised.
        let lengths = [0, 1, 7, 8, 9, 63, 4095, 4096, 12_287, 12_288, 12_289, 30_000, 100_003]
        for length in lengths {
            let bytes = (0..<(length + 8)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            for offset in 0..<8 {
                bytes[offset..<(offset + length)].withUnsafeBytes { buffer in
                    let fast = tributary_crc32c_extend(0, buffer.baseAddress!, buffer.count)
                    let slow = tributary_crc32c_extend_portable(0, buffer.baseAddress!, buffer.count)
                    #expect(fast == slow, "length \(length) offset \(offset)")
                }
            }
        }
    }

    @Test func updatingInPiecesEqualsOneChecksumOfTheWhole() {
        var rng = SplitMix64(seed: 42)
        let bytes = (0..<50_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var crc = CRC32C()
        var start = 0
        while start < bytes.count {
            let end = min(bytes.count, start + Int(rng.next() % 20_000))
            crc.update(bytes[start..<end])
            start = end
        }
        #expect(crc.value == CRC32C.checksum(bytes))
        #expect(CRC32C(continuing: CRC32C.checksum(bytes[..<100])).value == CRC32C.checksum(bytes[..<100]))
    }
}
