import ClusterMetadata
import Raft
import Transport

/// Fetches waiting for data (Kafka's long polling): each waits until a group it reads from
/// changes status and its attempt then succeeds, or until its deadline, when it answers with
/// whatever there is. Bounded: past ``countMax`` waiting fetches a new one is answered at once.
/// Loop thread only.
final class ParkedFetches {
    /// Fetches that may wait at once on one node.
    static let countMax = 4096
    /// The longest a fetch waits, whatever its `max_wait_ms` asks.
    static let waitMax: Duration = .seconds(30)

    /// Tries to answer; `deadlinePassed` means it must. Returns whether it answered.
    typealias Attempt = (_ deadlinePassed: Bool) -> Bool

    private struct Parked {
        var groups: Set<RaftGroupID>
        var timer: LoopTimer
        var attempt: Attempt
    }

    private var parked: [UInt64: Parked] = [:]
    private var waiting: [RaftGroupID: Set<UInt64>] = [:]
    private var nextID: UInt64 = 0

    /// How many fetches wait now.
    var count: Int { parked.count }

    /// Parks a fetch reading `groups`; false (and nothing parked) when full.
    func park(on loop: EventLoop, groups: Set<RaftGroupID>, maxWait: Duration, attempt: @escaping Attempt) -> Bool {
        guard parked.count < Self.countMax else { return false }
        let id = nextID
        nextID += 1
        let timer = LoopTimer(loop: loop)
        parked[id] = Parked(groups: groups, timer: timer, attempt: attempt)
        for group in groups { waiting[group, default: []].insert(id) }
        timer.schedule(after: min(maxWait, Self.waitMax)) { [weak self] in
            guard let self, let fetch = remove(id) else { return }
            _ = fetch.attempt(true)
        }
        return true
    }

    /// `group` changed (its high-water mark, leader or log start): the fetches reading it try
    /// again.
    func groupChanged(_ group: RaftGroupID) {
        guard let ids = waiting[group] else { return }
        for id in ids {
            guard let fetch = parked[id], fetch.attempt(false) else { continue }
            remove(id)
        }
    }

    /// Drops every waiting fetch unanswered (the listener is closing).
    func cancelAll() {
        for id in Array(parked.keys) { remove(id) }
    }

    @discardableResult
    private func remove(_ id: UInt64) -> Parked? {
        guard let fetch = parked.removeValue(forKey: id) else { return nil }
        fetch.timer.close()
        for group in fetch.groups {
            waiting[group]?.remove(id)
            if waiting[group]?.isEmpty == true { waiting[group] = nil }
        }
        return fetch
    }
}
