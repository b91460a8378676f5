extension ClusterMetadataState {
    /// Producer ids granted to a node at a time: a node asks again only after handing out this
    /// many InitProducerId answers.
    public static let producerIDBlockSize: Int64 = 1000

    /// The ids of the last block granted to `node`, if any.
    public func producerIDBlock(grantedTo node: BrokerID) -> Range<Int64>? {
        producerIDGrants[node].map { $0..<($0 + Self.producerIDBlockSize) }
    }

    mutating func allocateProducerIDs(to id: BrokerID) throws(MetadataError) {
        let node = try registeredNode(id)
        guard node.state != .removed else { throw MetadataError(.invalidRequest, "node \(id) was removed from the cluster") }
        guard nextProducerID <= Int64.max - Self.producerIDBlockSize else {
            throw MetadataError(.invalidRequest, "the producer id space is exhausted")
        }
        producerIDGrants[id] = nextProducerID
        nextProducerID += Self.producerIDBlockSize
    }

    /// Reads what ``snapshot()`` wrote of the grants, checking that every block lies below the
    /// next id, belongs to a registered node, and that no two overlap.
    mutating func restoreProducerIDGrants(from body: inout MetadataReader) throws(MetadataDecodingError) {
        nextProducerID = try body.readInt64()
        guard nextProducerID >= 0 else { throw MetadataDecodingError("next producer id \(nextProducerID) is negative") }
        let count = try body.readCount(countMax: MetadataLimits.nodeCountMax, elementBytesMin: 12)
        var previous: BrokerID?
        var starts = Set<Int64>()
        for _ in 0..<count {
            let node = BrokerID(try body.readInt32())
            let first = try body.readInt64()
            guard previous.map({ $0 < node }) ?? true, nodesByID[node] != nil else {
                throw MetadataDecodingError("producer id grant of node \(node) is repeated, out of order or unregistered")
            }
            guard first >= 0, first % Self.producerIDBlockSize == 0, first <= nextProducerID - Self.producerIDBlockSize,
                  starts.insert(first).inserted else {
                throw MetadataDecodingError("producer id block at \(first) of node \(node) is out of range or shared")
            }
            previous = node
            producerIDGrants[node] = first
        }
    }
}
