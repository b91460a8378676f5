/// Kafka's key partitioner: the Java client's `Utils.murmur2` and `Utils.toPositive`, so that a
/// key lands on the same partition whichever client wrote it.
public enum KeyPartitioner {
    /// MurmurHash2 (32-bit) as the Java client computes it, seed `0x9747b28c`.
    /// - Parameter bytes: the serialized key.
    /// - Returns: the signed hash, equal to what `Utils.murmur2` returns for the same bytes.
    public static func murmur2(_ bytes: [UInt8]) -> Int32 {
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: bytes.count)
        let wordCount = bytes.count / 4
        for word in 0..<wordCount {
            let i = word * 4
            var k = UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = wordCount * 4
        switch bytes.count % 4 {
        case 3:
            h ^= UInt32(bytes[tail + 2]) << 16
            h ^= UInt32(bytes[tail + 1]) << 8
            h ^= UInt32(bytes[tail])
            h &*= m
        case 2:
            h ^= UInt32(bytes[tail + 1]) << 8
            h ^= UInt32(bytes[tail])
            h &*= m
        case 1:
            h ^= UInt32(bytes[tail])
            h &*= m
        default:
            break
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }

    /// The partition the Java client's default partitioner picks for a non-null key:
    /// `toPositive(murmur2(key)) % partitionCount`.
    /// - Parameters:
    ///   - key: the serialized key.
    ///   - partitionCount: at least 1.
    public static func partition(forKey key: [UInt8], partitionCount: Int) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        let positive = murmur2(key) & 0x7fff_ffff
        return Int32(Int(positive) % partitionCount)
    }
}
