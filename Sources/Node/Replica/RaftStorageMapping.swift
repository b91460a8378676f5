import Raft
import Storage

// Raft reserves index 0 for "before the first entry"; Kafka's first offset is 0. So a partition's
// Raft index is its Kafka offset plus one, everywhere, and a Raft term is the batch's partition
// leader epoch. These four conversions are the only place that knows it.

extension LogIndex {
    /// The Raft index of a Kafka offset.
    init(offset: Offset) {
        precondition(offset.rawValue >= -1, "offset \(offset) has no Raft index")
        self.init(UInt64(offset.rawValue + 1))
    }

    /// The Kafka offset of this Raft index (`-1` for `LogIndex.zero`).
    var offset: Offset {
        precondition(rawValue <= UInt64(Int64.max), "index \(rawValue) is beyond any Kafka offset")
        return Offset(Int64(rawValue) - 1)
    }
}

extension Term {
    /// The Raft term stamped on a batch; epochs below 0 mean "no leader yet".
    init(epoch: LeaderEpoch) {
        self.init(UInt64(max(epoch.rawValue, 0)))
    }

    /// The epoch to stamp on a batch written in this term.
    var epoch: LeaderEpoch {
        precondition(rawValue <= UInt64(Int32.max), "term \(rawValue) does not fit a Kafka leader epoch")
        return LeaderEpoch(Int32(rawValue))
    }
}
