extension MetadataCommand {
    /// The command's kind byte in the envelope. Never reuse a retired number.
    private var kind: UInt8 {
        switch self {
        case .registerNode: 1
        case .markNodeAlive: 2
        case .markNodeDown: 3
        case .createTopic: 4
        case .createPartitions: 5
        case .deleteTopic: 6
        case .alterTopicConfigs: 7
        case .decommissionNode: 8
        case .completeReassignment: 9
        case .rebalancePreferredLeaders: 10
        case .allocateProducerIDs: 11
        }
    }

    /// The command as bytes for the controller log (see `MetadataFrame`).
    ///
    /// Whatever this encodes, ``init(decoding:)`` decodes: a command whose fields break the
    /// metadata's rules still reaches the log and is rejected by `apply` on every replica
    /// alike, rather than being undecodable there.
    /// - Throws: `MetadataError` (`invalidRequest`) for a command that does not fit the
    ///   encoding: a string over 64 KiB or a frame over `MetadataLimits.commandBytesMax`.
    public func encoded() throws(MetadataError) -> [UInt8] {
        var body = MetadataWriter()
        switch self {
        case let .registerNode(id, addresses, rack):
            body.write(id.rawValue)
            body.write(addresses.peer)
            body.write(addresses.client)
            body.write(addresses.admin)
            body.writeOptional(rack) { $0.write($1) }
        case let .markNodeAlive(id), let .markNodeDown(id), let .decommissionNode(id), let .allocateProducerIDs(id):
            body.write(id.rawValue)
        case let .createTopic(name, id, partitionCount, replicationFactor, configs):
            body.write(name)
            body.write(id)
            body.write(partitionCount)
            body.write(replicationFactor)
            body.write(configs)
        case let .createPartitions(topic, totalCount):
            body.write(topic)
            body.write(totalCount)
        case let .deleteTopic(topic):
            body.write(topic)
        case let .alterTopicConfigs(topic, update):
            body.write(topic)
            body.write(update.set)
            guard update.reset.count <= MetadataLimits.configChangeCountMax else {
                throw MetadataError(.invalidRequest, "config reset list of \(update.reset.count) keys, limit \(MetadataLimits.configChangeCountMax)")
            }
            body.write(UInt8(update.reset.count))
            for key in update.reset { body.write(key.codeValue) }
        case let .completeReassignment(topic, partition, replicas):
            body.write(topic)
            body.write(partition)
            body.write(replicas)
        case .rebalancePreferredLeaders:
            break
        }
        let frame = MetadataFrame.seal(kind: kind, body: body.bytes)
        guard !body.overflowed, frame.count <= MetadataLimits.commandBytesMax else {
            throw MetadataError(.invalidRequest, "command too large to encode (limit \(MetadataLimits.commandBytesMax) bytes, strings 64 KiB)")
        }
        return frame
    }

    /// Decodes a command written by ``encoded()``.
    ///
    /// Checks the encoding only; whether the command makes sense is for `apply` to judge.
    /// - Throws: `MetadataDecodingError` for anything malformed; never traps.
    public init(decoding bytes: [UInt8]) throws(MetadataDecodingError) {
        guard bytes.count <= MetadataLimits.commandBytesMax else {
            throw MetadataDecodingError("command of \(bytes.count) bytes, limit \(MetadataLimits.commandBytesMax)")
        }
        var (kind, body) = try MetadataFrame.open(bytes, bodyBytesMax: MetadataLimits.commandBytesMax)
        self = try Self.decodeBody(kind: kind, &body)
        try body.expectEnd()
    }

    private static func decodeBody(kind: UInt8, _ body: inout MetadataReader) throws(MetadataDecodingError) -> MetadataCommand {
        switch kind {
        case 1:
            let id = BrokerID(try body.readInt32())
            let addresses = NodeAddresses(peer: try body.readString(), client: try body.readString(), admin: try body.readString())
            let rack = try body.readOptional { (reader: inout MetadataReader) throws(MetadataDecodingError) in try reader.readString() }
            return .registerNode(id: id, addresses: addresses, rack: rack)
        case 2: return .markNodeAlive(BrokerID(try body.readInt32()))
        case 3: return .markNodeDown(BrokerID(try body.readInt32()))
        case 4:
            return .createTopic(
                name: try body.readString(), id: try body.readTopicID(),
                partitionCount: try body.readInt32(), replicationFactor: try body.readInt16(), configs: try body.readTopicConfigs())
        case 5: return .createPartitions(topic: try body.readTopicID(), totalCount: try body.readInt32())
        case 6: return .deleteTopic(try body.readTopicID())
        case 7:
            let topic = try body.readTopicID()
            let set = try body.readTopicConfigs()
            let count = Int(try body.readUInt8())
            guard count <= MetadataLimits.configChangeCountMax else {
                throw MetadataDecodingError("config reset list of \(count) keys, limit \(MetadataLimits.configChangeCountMax)")
            }
            var reset: [TopicConfigKey] = []
            for _ in 0..<count {
                let code = try body.readUInt8()
                guard let key = TopicConfigKey(codeValue: code) else { throw MetadataDecodingError("unknown config key \(code)") }
                reset.append(key)
            }
            return .alterTopicConfigs(topic: topic, update: TopicConfigUpdate(set: set, reset: reset))
        case 8: return .decommissionNode(BrokerID(try body.readInt32()))
        case 9:
            return .completeReassignment(
                topic: try body.readTopicID(), partition: try body.readInt32(),
                replicas: try body.readBrokers())
        case 10: return .rebalancePreferredLeaders
        case 11: return .allocateProducerIDs(node: BrokerID(try body.readInt32()))
        default: throw MetadataDecodingError("unknown command kind \(kind)")
        }
    }
}

extension MetadataWriter {
    mutating func write(_ configs: TopicConfigs) {
        writeOptional(configs.retentionMs) { $0.write($1) }
        writeOptional(configs.retentionBytes) { $0.write($1) }
        writeOptional(configs.segmentBytes) { $0.write($1) }
    }
}

extension MetadataReader {
    mutating func readTopicConfigs() throws(MetadataDecodingError) -> TopicConfigs {
        TopicConfigs(
            retentionMs: try readOptional { (reader: inout MetadataReader) throws(MetadataDecodingError) in try reader.readInt64() },
            retentionBytes: try readOptional { (reader: inout MetadataReader) throws(MetadataDecodingError) in try reader.readInt64() },
            segmentBytes: try readOptional { (reader: inout MetadataReader) throws(MetadataDecodingError) in try reader.readInt32() })
    }
}
