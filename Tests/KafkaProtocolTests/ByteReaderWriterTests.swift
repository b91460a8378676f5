import KafkaProtocol
import Testing

@Suite struct ByteReaderWriterTests {
    private func written(_ write: (inout ByteWriter) -> Void) -> [UInt8] {
        var writer = ByteWriter()
        write(&writer)
        return writer.bytes
    }

    @Test("fixed-width integers are big-endian and read back")
    func fixedWidthIntegersAreBigEndian() throws {
        let bytes = written {
            $0.writeInt8(-2); $0.writeInt16(0x0102); $0.writeInt32(-1); $0.writeInt64(0x0102_0304_0506_0708)
            $0.writeUInt16(0xFFFE); $0.writeUInt32(0x8000_0001); $0.writeFloat64(-1.5); $0.writeBool(true)
        }
        #expect(Array(bytes[0..<3]) == [0xFE, 0x01, 0x02])
        #expect(Array(bytes[7..<15]) == [1, 2, 3, 4, 5, 6, 7, 8])
        var reader = ByteReader(bytes)
        #expect(try reader.readInt8() == -2)
        #expect(try reader.readInt16() == 0x0102)
        #expect(try reader.readInt32() == -1)
        #expect(try reader.readInt64() == 0x0102_0304_0506_0708)
        #expect(try reader.readUInt16() == 0xFFFE)
        #expect(try reader.readUInt32() == 0x8000_0001)
        #expect(try reader.readFloat64() == -1.5)
        #expect(try reader.readBool())
        #expect(reader.remainingByteCount == 0)
    }

    @Test("varints use zigzag and LEB128 as Kafka's record format does")
    func varintsMatchKafkaEncoding() throws {
        // Known encodings: zigzag(0)=0, zigzag(-1)=1, zigzag(1)=2, zigzag(-64)=127, zigzag(64)=128 -> 0x80 0x01.
        #expect(written { $0.writeVarint(0) } == [0x00])
        #expect(written { $0.writeVarint(-1) } == [0x01])
        #expect(written { $0.writeVarint(1) } == [0x02])
        #expect(written { $0.writeVarint(-64) } == [0x7F])
        #expect(written { $0.writeVarint(64) } == [0x80, 0x01])
        #expect(written { $0.writeUnsignedVarint(300) } == [0xAC, 0x02])
        for value in [Int32.min, -300, 0, 300, Int32.max] {
            var reader = ByteReader(written { $0.writeVarint(value) })
            #expect(try reader.readVarint() == value)
        }
        for value in [Int64.min, -1, 0, 1 << 40, Int64.max] {
            var reader = ByteReader(written { $0.writeVarlong(value) })
            #expect(try reader.readVarlong() == value)
        }
        var reader = ByteReader(written { $0.writeUnsignedVarint(UInt32.max) })
        #expect(try reader.readUnsignedVarint() == UInt32.max)
    }

    @Test("over-long and overflowing varints are rejected")
    func badVarintsThrow() {
        var tooLong = ByteReader([0x80, 0x80, 0x80, 0x80, 0x80, 0x01])
        #expect(throws: KafkaDecodingError.self) { try tooLong.readUnsignedVarint() }
        var overflow = ByteReader([0xFF, 0xFF, 0xFF, 0xFF, 0x1F])
        #expect(throws: KafkaDecodingError.self) { try overflow.readUnsignedVarint() }
        var unterminated = ByteReader([0x80, 0x80])
        #expect(throws: KafkaDecodingError.self) { try unterminated.readVarlong() }
    }

    @Test("reading past the end throws instead of trapping")
    func readingPastTheEndThrows() {
        var reader = ByteReader([0x01, 0x02, 0x03])
        #expect(throws: KafkaDecodingError.self) { try reader.readInt32() }
        #expect(throws: KafkaDecodingError.self) { try reader.readInt64() }
        #expect(throws: KafkaDecodingError.self) { try reader.readUUID() }
    }

    @Test("strings: classic and compact, null markers, and lengths beyond the bytes left")
    func stringsRoundTripAndAreBounded() throws {
        for compact in [false, true] {
            var reader = ByteReader(written {
                $0.writeString("héllo", compact: compact)
                $0.writeNullableString(nil, compact: compact)
                $0.writeString("", compact: compact)
            })
            #expect(try reader.readString(compact: compact) == "héllo")
            #expect(try reader.readNullableString(compact: compact) == nil)
            #expect(try reader.readString(compact: compact) == "")
            var null = ByteReader(written { $0.writeNullableString(nil, compact: compact) })
            #expect(throws: KafkaDecodingError.self) { try null.readString(compact: compact) }
        }
        #expect(written { $0.writeString("ab", compact: true) } == [3, 0x61, 0x62])
        #expect(written { $0.writeString("ab", compact: false) } == [0, 2, 0x61, 0x62])
        var long = ByteReader([0x7F, 0xFF, 0x61])
        #expect(throws: KafkaDecodingError.self) { try long.readString(compact: false) }
        var negative = ByteReader([0xFF, 0xFE])
        #expect(throws: KafkaDecodingError.self) { try negative.readNullableString(compact: false) }
        // A compact string of 32768 bytes: longer than any classic string can be.
        var tooLong = ByteReader([0x81, 0x80, 0x02] + [UInt8](repeating: 0x61, count: 32768))
        #expect(throws: KafkaDecodingError.self) { try tooLong.readString(compact: true) }
        var longest = ByteReader([0x80, 0x80, 0x02] + [UInt8](repeating: 0x61, count: 32767))
        #expect(try longest.readString(compact: true).utf8.count == 32767)
        var invalidUTF8 = ByteReader([0, 2, 0xC3, 0x28])
        #expect(throws: KafkaDecodingError.self) { try invalidUTF8.readString(compact: false) }
    }

    @Test("bytes: classic and compact round trip, null markers")
    func bytesRoundTrip() throws {
        for compact in [false, true] {
            var reader = ByteReader(written {
                $0.writeBytes([1, 2, 3], compact: compact)
                $0.writeNullableBytes(nil, compact: compact)
            })
            #expect(try reader.readBytes(compact: compact) == [1, 2, 3])
            #expect(try reader.readNullableBytes(compact: compact) == nil)
            #expect(reader.remainingByteCount == 0)
        }
        var huge = ByteReader([0x7F, 0xFF, 0xFF, 0xFF, 0x00])
        #expect(throws: KafkaDecodingError.self) { try huge.readBytes(compact: false) }
    }

    @Test("an array count larger than the bytes left is rejected before any element is read")
    func arrayCountsAreBoundedByTheInput() throws {
        var calls = 0
        var reader = ByteReader([0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 1])
        #expect(throws: KafkaDecodingError.self) {
            try reader.readArray(compact: false) { (reader: inout ByteReader) throws(KafkaDecodingError) -> Int32 in
                calls += 1
                return try reader.readInt32()
            }
        }
        #expect(calls == 0)
        for compact in [false, true] {
            var roundTrip = ByteReader(written {
                $0.writeArray([Int32(7), -8], compact: compact) { $0.writeInt32($1) }
                $0.writeNullableArray(nil as [Int32]?, compact: compact) { $0.writeInt32($1) }
            })
            let read: (inout ByteReader) throws(KafkaDecodingError) -> Int32 = { reader throws(KafkaDecodingError) in try reader.readInt32() }
            #expect(try roundTrip.readArray(compact: compact, read) == [7, -8])
            #expect(try roundTrip.readNullableArray(compact: compact, read) == nil)
        }
    }

    @Test("tagged fields: known tags are read from their own bytes, unknown ones are skipped")
    func taggedFieldsSkipUnknownTags() throws {
        var reader = ByteReader(written {
            $0.writeUnsignedVarint(3)
            $0.writeTaggedField(tag: 0) { $0.writeInt32(42) }
            $0.writeTaggedField(tag: 7) { $0.writeString("ignored", compact: true) }
            $0.writeTaggedField(tag: 9) { $0.writeInt64(1) }
            $0.writeInt8(5)
        })
        var seen: [UInt32: Int32] = [:]
        try reader.readTaggedFields { tag, field throws(KafkaDecodingError) in
            guard tag == 0 else { return false }
            seen[tag] = try field.readInt32()
            return true
        }
        #expect(seen == [0: 42])
        #expect(try reader.readInt8() == 5)
    }

    @Test("a known tagged field that leaves bytes unread, or a count beyond the input, is malformed")
    func taggedFieldsAreChecked() {
        var leftover = ByteReader(written {
            $0.writeUnsignedVarint(1)
            $0.writeTaggedField(tag: 0) { $0.writeInt64(1) }
        })
        #expect(throws: KafkaDecodingError.self) {
            try leftover.readTaggedFields { _, field throws(KafkaDecodingError) in
                _ = try field.readInt32()
                return true
            }
        }
        var tooMany = ByteReader([0xFF, 0xFF, 0x03, 0, 0])
        #expect(throws: KafkaDecodingError.self) { try tooMany.skipTaggedFields() }
    }

    @Test("uuids are 16 big-endian bytes and print in the usual layout")
    func uuidsRoundTrip() throws {
        let uuid = KafkaUUID(high: 0x0011_2233_4455_6677, low: 0x8899_AABB_CCDD_EEFF)
        let bytes = written { $0.writeUUID(uuid) }
        #expect(bytes.count == 16 && bytes.first == 0x00 && bytes.last == 0xFF)
        var reader = ByteReader(bytes)
        #expect(try reader.readUUID() == uuid)
        #expect(uuid.description == "00112233-4455-6677-8899-aabbccddeeff")
    }
}
