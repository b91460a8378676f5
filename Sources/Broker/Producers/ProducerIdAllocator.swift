/// A contiguous range of producer ids the controller granted to this node.
public struct ProducerIdBlock: Sendable, Hashable {
    /// The first id of the block.
    public let firstId: Int64
    /// The number of ids.
    public let count: Int64

    /// Creates a block; see `ProducerIdAllocator.addBlock` for what is accepted.
    public init(firstId: Int64, count: Int64) {
        self.firstId = firstId
        self.count = count
    }
}

/// A `ProducerIdBlock` the allocator cannot take.
public struct ProducerIdBlockError: Error, Equatable, CustomStringConvertible {
    /// What is wrong.
    public let message: String
    /// The message.
    public var description: String { message }
}

/// Hands out producer ids from blocks the controller grants (InitProducerId). Ids only
/// increase, so an id is never given to two producers; the allocator asks for the next block
/// (`needsBlock`) before the current one runs out, so InitProducerId rarely waits.
public struct ProducerIdAllocator: Sendable {
    /// Ask for the next block once fewer ids than this remain.
    public let refillThresholdCount: Int64
    private var nextId: Int64 = 0
    private var endId: Int64 = 0
    /// Granted but not yet started; at most one, so grants cannot pile up.
    private var queued: ProducerIdBlock?
    /// Every later block must start at or after this.
    private var lowestAcceptableId: Int64 = 0

    /// An allocator with no ids yet.
    /// - Parameters:
    ///   - refillThresholdCount: ask for the next block once fewer ids than this remain.
    ///   - usedBelow: ids below this may have been handed out already (by this node before a
    ///     restart): a block that starts below it is refused.
    public init(refillThresholdCount: Int64, usedBelow: Int64 = 0) {
        precondition(refillThresholdCount > 0, "refillThresholdCount must be positive")
        precondition(usedBelow >= 0, "usedBelow must not be negative")
        self.refillThresholdCount = refillThresholdCount
        lowestAcceptableId = usedBelow
    }

    /// Ids below this may have been handed out: the end of the last block taken (or of what
    /// an earlier run used). A node keeps it durably, so a restart never takes a block again.
    public var usedBelow: Int64 { lowestAcceptableId }

    /// Ids left before a new block is needed, the queued block included.
    public var remainingCount: Int64 { endId - nextId + (queued?.count ?? 0) }

    /// Whether the node should ask the controller for another block now.
    public var needsBlock: Bool { queued == nil && remainingCount < refillThresholdCount }

    /// Takes a block granted by the controller.
    /// - Throws: if the block is empty, negative, overflows, overlaps ids already seen, or a
    ///   block is already queued.
    public mutating func addBlock(_ block: ProducerIdBlock) throws(ProducerIdBlockError) {
        guard block.firstId >= 0, block.count > 0, block.firstId <= Int64.max - block.count else {
            throw ProducerIdBlockError(message: "block \(block.firstId)+\(block.count) is empty or out of range")
        }
        guard block.firstId >= lowestAcceptableId else {
            throw ProducerIdBlockError(message: "block starting at \(block.firstId) reuses ids below \(lowestAcceptableId)")
        }
        guard queued == nil else { throw ProducerIdBlockError(message: "a block is already queued") }
        lowestAcceptableId = block.firstId + block.count
        if nextId == endId {
            nextId = block.firstId
            endId = block.firstId + block.count
        } else {
            queued = block
        }
    }

    /// The next producer id, or nil when every granted id is used (Kafka answers
    /// InitProducerId with the retriable COORDINATOR_LOAD_IN_PROGRESS until a block arrives).
    public mutating func allocate() -> Int64? {
        if nextId == endId, let block = queued {
            nextId = block.firstId
            endId = block.firstId + block.count
            queued = nil
        }
        guard nextId < endId else { return nil }
        defer { nextId += 1 }
        return nextId
    }
}
