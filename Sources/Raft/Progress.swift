/// What a leader knows about one follower's log, and how it is sending to it.
///
/// Invariant: `match < next`; `next` is the first index of an entry in the leader's log (or
/// one past its last index), so `next - 1` is always an entry boundary.
struct Progress {
    enum State: Equatable {
        /// Unsure where the follower's log matches: one append at a time until one is accepted.
        case probe
        /// Matching known: appends are pipelined up to the in-flight bounds.
        case replicate
        /// The follower needs entries the leader removed: it is being reset to the log start.
        case installing(LogStart)
    }

    var match: LogIndex = .zero
    var next: LogIndex
    var state: State = .probe
    /// In `probe`: an append is outstanding, so no other is sent until an answer or a heartbeat.
    var probeSent = false
    /// Whether the follower answered since the last check-quorum round.
    var recentActive = false
    var inflights: Inflights

    init(next: LogIndex, inflightCountMax: Int, inflightBytesMax: Int) {
        self.next = next
        self.inflights = Inflights(countMax: inflightCountMax, bytesMax: inflightBytesMax)
    }

    /// Whether no append may be sent now.
    var isPaused: Bool {
        switch state {
        case .probe: probeSent
        case .replicate: inflights.isFull
        case .installing: true
        }
    }

    mutating func becomeProbe() {
        if case .installing(let start) = state {
            next = max(match.next, start.index)
        } else {
            next = match.next
        }
        state = .probe
        probeSent = false
        inflights.removeAll()
    }

    /// Forgets what the follower acknowledged, because it no longer holds it: probe from scratch.
    mutating func forgetMatch() {
        match = .zero
        becomeProbe()
    }

    mutating func becomeReplicate() {
        state = .replicate
        next = match.next
        probeSent = false
        inflights.removeAll()
    }

    mutating func becomeInstalling(_ start: LogStart) {
        state = .installing(start)
        probeSent = false
        inflights.removeAll()
    }

    /// Records an accepted append up to `index`; returns whether `match` moved.
    mutating func acknowledge(through index: LogIndex) -> Bool {
        guard index > match else { return false }
        match = index
        next = max(next, index.next)
        probeSent = false
        return true
    }

    /// Records that appends were sent through `lastIndex`, costing `sizeBytes`.
    mutating func sent(through lastIndex: LogIndex, sizeBytes: Int) {
        switch state {
        case .replicate:
            next = lastIndex.next
            inflights.add(lastIndex: lastIndex, sizeBytes: sizeBytes)
        case .probe:
            probeSent = true
        case .installing:
            preconditionFailure("appends are not sent while installing a log start")
        }
    }
}

/// The appends in flight to one follower, bounded by count and by bytes.
struct Inflights {
    private var lastIndexes: [LogIndex] = []
    private var sizes: [Int] = []
    private var head = 0
    private(set) var count = 0
    private(set) var sizeBytes = 0
    let countMax: Int
    let bytesMax: Int

    init(countMax: Int, bytesMax: Int) {
        precondition(countMax >= 1 && bytesMax >= 1, "in-flight bounds must be positive")
        self.countMax = countMax
        self.bytesMax = bytesMax
    }

    var isFull: Bool { count == countMax || sizeBytes >= bytesMax }

    mutating func add(lastIndex: LogIndex, sizeBytes size: Int) {
        precondition(!isFull, "an append was sent past the in-flight bounds")
        if lastIndexes.isEmpty {
            lastIndexes = Array(repeating: .zero, count: countMax)
            sizes = Array(repeating: 0, count: countMax)
        }
        let slot = (head + count) % countMax
        lastIndexes[slot] = lastIndex
        sizes[slot] = size
        count += 1
        sizeBytes += size
    }

    /// Frees every in-flight append that ends at or before `index`.
    mutating func free(through index: LogIndex) {
        while count > 0 && lastIndexes[head] <= index { freeFirst() }
    }

    /// Frees the oldest in-flight append.
    mutating func freeFirst() {
        guard count > 0 else { return }
        sizeBytes -= sizes[head]
        head = (head + 1) % countMax
        count -= 1
    }

    mutating func removeAll() {
        head = 0
        count = 0
        sizeBytes = 0
    }
}
