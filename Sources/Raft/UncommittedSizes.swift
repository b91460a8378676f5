/// The sizes of a leader's entries that are not yet committed, for `uncommittedBytesMax`.
struct UncommittedSizes {
    private var lastIndexes: [LogIndex] = []
    private var sizes: [Int] = []
    private var head = 0
    /// The sum of the sizes held.
    private(set) var totalBytes = 0

    mutating func append(lastIndex: LogIndex, sizeBytes: Int) {
        precondition(lastIndexes.last.map { $0 < lastIndex } ?? true, "uncommitted entries are recorded in order")
        lastIndexes.append(lastIndex)
        sizes.append(sizeBytes)
        totalBytes += sizeBytes
    }

    /// Forgets the entries ending at or before `index` (they are committed).
    mutating func remove(through index: LogIndex) {
        while head < lastIndexes.count && lastIndexes[head] <= index {
            totalBytes -= sizes[head]
            head += 1
        }
        // Compact once the consumed prefix dominates, so memory stays proportional to what is held.
        if head >= 64 && head * 2 >= lastIndexes.count {
            lastIndexes.removeFirst(head)
            sizes.removeFirst(head)
            head = 0
        }
    }

    mutating func removeAll() {
        lastIndexes.removeAll(keepingCapacity: true)
        sizes.removeAll(keepingCapacity: true)
        head = 0
        totalBytes = 0
    }
}
