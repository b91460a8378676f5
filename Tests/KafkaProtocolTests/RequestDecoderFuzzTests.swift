import Foundation
import KafkaProtocol
import Testing

/// Feeds the request decoder arbitrary and mutated bytes: it must answer every input with a
/// request or a `RequestDecodingError` (a trap would kill the test process), and whatever it
/// accepts must survive re-encoding unchanged.
///
/// The seed is printed before the run, so a crash can be replayed:
/// `KAFKA_FUZZ_SEED=<seed> swift test --filter RequestDecoderFuzzTests`. Each run uses a new
/// seed, so CI keeps exploring; a failure message always names the seed.
@Suite struct RequestDecoderFuzzTests {
    /// Inputs per run; `KAFKA_FUZZ_ITERATIONS` raises it for a longer local run.
    static let iterationCount: Int = {
        if let text = ProcessInfo.processInfo.environment["KAFKA_FUZZ_ITERATIONS"], let count = Int(text), count > 0 {
            return count
        }
        return 100_000
    }()
    static let arbitraryInputBytesMax = 300

    static let seed: UInt64 = {
        if let text = ProcessInfo.processInfo.environment["KAFKA_FUZZ_SEED"], let seed = UInt64(text) { return seed }
        var system = SystemRandomNumberGenerator()
        return system.next()
    }()

    /// Valid frames to mutate: every fixture, plus a generated request per API and version.
    static func corpus(random: inout TestRandom) throws -> [[UInt8]] {
        var frames = try FixtureTests.names.map(FixtureTests.frameBody)
        for entry in allMessageTypes {
            for version in entry.apiKey.supportedVersions {
                frames.append(validFrameBody(entry.request, version: version, random: &random))
            }
        }
        return frames
    }

    static func validFrameBody<Message: ArbitraryMessage>(_: Message.Type, version: Int16, random: inout TestRandom) -> [UInt8] {
        var writer = ByteWriter()
        RequestHeader(apiKey: Message.apiKey.rawValue, apiVersion: version, correlationId: random.int32(), clientId: "fuzz")
            .encode(into: &writer, headerVersion: Message.apiKey.isFlexible(version) ? 2 : 1)
        Message.arbitrary(version: version, using: &random).encode(into: &writer, version: version)
        return writer.bytes
    }

    @Test("arbitrary and mutated frames never crash the decoder, and what it accepts re-encodes stably")
    func decoderSurvivesFuzzing() throws {
        print("RequestDecoderFuzzTests seed \(Self.seed) (replay: KAFKA_FUZZ_SEED=\(Self.seed))")
        var random = TestRandom(seed: Self.seed)
        let corpus = try Self.corpus(random: &random)
        var acceptedCount = 0
        for iteration in 0..<Self.iterationCount {
            let input = switch iteration % 3 {
            case 0: Self.arbitraryFrame(random: &random)
            default: Self.mutate(corpus[Int(random.next() % UInt64(corpus.count))], random: &random)
            }
            guard let request = try? RequestDecoder.decode(frameBody: input) else { continue }
            acceptedCount += 1
            let reencoded = Self.encode(request)
            let again = try? RequestDecoder.decode(frameBody: reencoded)
            #expect(again == request, "seed \(Self.seed) iteration \(iteration): re-encoding changed the request")
        }
        // Mutations leave many frames valid; if none were accepted the fuzzer tested nothing.
        #expect(acceptedCount > Self.iterationCount / 100, "seed \(Self.seed): only \(acceptedCount) accepted")
    }

    /// Random bytes, half of them behind a plausible header prefix so decoding goes past the api key.
    static func arbitraryFrame(random: inout TestRandom) -> [UInt8] {
        var bytes = (0..<Int(random.next() % UInt64(arbitraryInputBytesMax))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        if random.bool(), bytes.count >= 4 {
            let apiKey = ApiKey.allCases[Int(random.next() % UInt64(ApiKey.allCases.count))]
            let versions = apiKey.supportedVersions
            let version = versions.lowerBound + Int16(random.next() % UInt64(versions.count))
            bytes[0...3] = [UInt8(apiKey.rawValue >> 8), UInt8(apiKey.rawValue & 0xFF), 0, UInt8(version)]
        }
        return bytes
    }

    /// One to four edits: bit flips, boundary values, truncation, insertion, duplication.
    static func mutate(_ original: [UInt8], random: inout TestRandom) -> [UInt8] {
        var bytes = original
        for _ in 0..<(1 + Int(random.next() % 4)) {
            guard !bytes.isEmpty else { break }
            let position = Int(random.next() % UInt64(bytes.count))
            switch random.next() % 6 {
            case 0:
                bytes[position] ^= UInt8(1) << (random.next() % 8)
            case 1:
                bytes[position] = [0x00, 0xFF, 0x7F, 0x80, 0x01, 0xFE][Int(random.next() % 6)]
            case 2:
                bytes.removeSubrange(position...)
            case 3:
                bytes.insert(contentsOf: (0..<Int(1 + random.next() % 8)).map { _ in UInt8(truncatingIfNeeded: random.next()) },
                             at: position)
            case 4:
                let end = min(bytes.count, position + Int(1 + random.next() % 16))
                bytes.insert(contentsOf: bytes[position..<end], at: position)
            default:
                // A length or count field turned huge or negative.
                let end = min(bytes.count, position + 4)
                bytes.replaceSubrange(position..<end, with: [0x7F, 0xFF, 0xFF, 0xFF].prefix(end - position))
            }
        }
        return bytes
    }

    static func encode(_ request: DecodedRequest) -> [UInt8] {
        var writer = ByteWriter()
        let version = request.header.apiVersion
        request.header.encode(into: &writer, headerVersion: request.body.apiKey.isFlexible(version) ? 2 : 1)
        request.body.encode(into: &writer, version: version)
        return writer.bytes
    }
}
