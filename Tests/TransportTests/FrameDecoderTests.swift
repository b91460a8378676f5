import Testing
@testable import Transport
import SeededRandom

extension FrameDecoder {
    /// Decodes from an array, with the typed error kept.
    func decode(_ bytes: [UInt8]) -> Result<DecodedFrame<Frame>?, TransportError> {
        bytes.withUnsafeBytes { raw in Result { () throws(TransportError) in try decodeFrame(from: raw) } }
    }
}

@Suite struct FrameDecoderTests {
    let decoder = PeerFrameDecoder(frameBytesMax: 1_024)

    @Test func aPeerFrameDecodesOnlyOnceEveryByteIsThereWhereverTheStreamIsCut() throws {
        let frame = PeerFrame(kind: 5, body: (0..<200).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let bytes = frame.encoded()
        for cut in 0..<bytes.count {
            let partial = try bytes[..<cut].withUnsafeBytes { try decoder.decodeFrame(from: $0) }
            #expect(partial == nil, "decoded a frame from \(cut) of \(bytes.count) bytes")
        }
        let whole = try (bytes + [0x54]).withUnsafeBytes { try decoder.decodeFrame(from: $0) }
        #expect(whole?.frame == frame)
        #expect(whole?.byteCount == bytes.count)
    }

    @Test func anEmptyBodyIsAValidPeerFrame() throws {
        let bytes = PeerFrame(kind: 0, body: []).encoded()
        #expect(bytes.count == PeerFrameHeader.byteCount)
        let decoded = try bytes.withUnsafeBytes { try decoder.decodeFrame(from: $0) }
        #expect(decoded?.frame == PeerFrame(kind: 0, body: []))
    }

    @Test func aFlippedBitAnywhereInAPeerFrameIsRejected() throws {
        let bytes = PeerFrame(kind: 2, body: Array(repeating: 0x5A, count: 40)).encoded()
        for index in bytes.indices {
            for bit in 0..<8 {
                var damaged = bytes
                damaged[index] ^= UInt8(1 << bit)
                let outcome = decoder.decode(damaged)
                // A flipped length bit may instead announce a longer frame (nil: waits for more).
                if case .success(let decoded?) = outcome {
                    Issue.record("accepted a frame with bit \(bit) of byte \(index) flipped: \(decoded.frame)")
                }
            }
        }
    }

    @Test func aHelloRoundTripsAndMalformedHellosAreNotHellos() {
        let hello = PeerHello(sender: PeerID(1), receiver: PeerID(70_000), clusterID: "prod-eu")
        #expect(PeerHello(hello.frame) == hello)
        var wrongKind = hello.frame
        wrongKind.kind = 1
        #expect(PeerHello(wrongKind) == nil)
        #expect(PeerHello(PeerFrame(kind: 0, body: [0, 0, 0, 1, 0, 0, 0])) == nil)
        #expect(PeerHello(PeerFrame(kind: 0, body: [0, 0, 0, 1, 0, 0, 0, 2, 0xFF])) == nil, "invalid UTF-8 cluster id")
        #expect(PeerHello(PeerFrame(kind: 0, body: Array(repeating: 0x41, count: 8 + 256))) == nil)
    }

    @Test func kafkaFramesAreSplitAtTheirSizeAndOversizedOnesRejectedFromTheHeader() throws {
        let kafka = KafkaFrameDecoder(frameBytesMax: 10)
        let ok = try kafka.decode([0, 0, 0, 2, 7, 8, 9]).get()
        #expect(ok?.frame == [7, 8])
        #expect(ok?.byteCount == 6)
        #expect(try kafka.decode([0, 0, 0]).get() == nil)
        #expect(try kafka.decode([0, 0, 0, 10]).get() == nil)
        #expect(throws: TransportError(.frameTooLarge, "Kafka frame of 11 bytes exceeds frameBytesMax 10")) {
            try kafka.decode([0, 0, 0, 11]).get()
        }
    }

    /// Feeds `stream` to `decoder` in random chunks as a connection would and returns the
    /// frames decoded before the end or the first error. Checks the decoder's contract on the
    /// way: it never claims more bytes than it was given, nor zero.
    static func decodeAll<D: FrameDecoder>(_ stream: [UInt8], with decoder: D, random: inout SplitMix64) -> (frames: [D.Frame], error: TransportError?) {
        var buffered: [UInt8] = [], frames: [D.Frame] = [], offset = 0
        while offset < stream.count {
            let chunk = Int.random(in: 1...64, using: &random)
            buffered += stream[offset..<min(stream.count, offset + chunk)]
            offset += chunk
            while true {
                let outcome = decoder.decode(buffered)
                switch outcome {
                case .failure(let error): return (frames, error)
                case .success(nil): break
                case .success(let decoded?):
                    #expect(decoded.byteCount > 0 && decoded.byteCount <= buffered.count)
                    frames.append(decoded.frame)
                    buffered.removeFirst(decoded.byteCount)
                    continue
                }
                break
            }
        }
        return (frames, nil)
    }

    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
    func fuzzedPeerStreamsNeverTrapAndIntactOnesDecodeExactly(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        for _ in 0..<200 {
            let frames = (0..<Int.random(in: 1...8, using: &random)).map { _ in
                PeerFrame(kind: .random(in: 0...255, using: &random),
                          body: (0..<Int.random(in: 0...300, using: &random)).map { _ in .random(in: 0...255, using: &random) })
            }
            let stream = frames.flatMap { $0.encoded() }
            let intact = Self.decodeAll(stream, with: decoder, random: &random)
            #expect(intact.frames == frames && intact.error == nil, "seed \(seed)")

            var damaged = stream
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let index = Int.random(in: 0..<damaged.count, using: &random)
                switch Int.random(in: 0..<3, using: &random) {
                case 0: damaged[index] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
                case 1: damaged.insert(.random(in: 0...255, using: &random), at: index)
                default: damaged.removeSubrange(index..<min(damaged.count, index + Int.random(in: 1...20, using: &random)))
                }
                if damaged.isEmpty { damaged = [0] }
            }
            let outcome = Self.decodeAll(damaged, with: decoder, random: &random)
            #expect(outcome.frames.count <= frames.count + 1, "seed \(seed)")
            let garbage = (0..<Int.random(in: 1...500, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            _ = Self.decodeAll(garbage, with: decoder, random: &random)
            _ = Self.decodeAll(garbage, with: KafkaFrameDecoder(frameBytesMax: 300), random: &random)
        }
    }
}
