import Broker
import ClusterMetadata
import DequeModule
import Raft

/// The group coordinator of one `__consumer_offsets` partition this node leads, for one Raft
/// term: the pure ``GroupCoordinator`` rebuilt from the partition's log, the JoinGroup and
/// SyncGroup requests it holds, and the answers waiting for their records to commit.
///
/// Answers leave in the order their calls were made, each only once every record of it and of
/// the calls before it is committed: a client never hears of a state that a coordinator crash
/// could take back. Loop thread only.
final class HostedCoordinator {
    /// The offsets partition's Raft group and the term this coordinator is valid in.
    let group: RaftGroupID
    let term: Term
    var core: GroupCoordinator
    /// A held JoinGroup or SyncGroup request.
    enum ParkedCall {
        case join(Responder)
        case sync(Responder)
    }

    /// Parked JoinGroup/SyncGroup requests by token.
    private var parked: [RequestToken: ParkedCall] = [:]
    private var nextToken: UInt64 = 0
    private var deliveries: Deque<Delivery> = []
    /// Answers waiting for their records; past this the coordinator refuses new calls.
    static let deliveryCountMax = 4096

    /// One call's answers: sent once `isReady` and every earlier delivery was sent.
    final class Delivery {
        var isReady: Bool
        let send: () -> Void
        init(isReady: Bool, send: @escaping () -> Void) {
            self.isReady = isReady
            self.send = send
        }
    }

    init(group: RaftGroupID, term: Term, core: GroupCoordinator) {
        self.group = group
        self.term = term
        self.core = core
    }

    /// Whether the coordinator can take another call now.
    var hasRoom: Bool { deliveries.count < Self.deliveryCountMax && parked.count < Self.deliveryCountMax }

    /// Parks `responder` for a JoinGroup or SyncGroup call; the token names it to the core.
    func park(_ call: ParkedCall) -> RequestToken {
        let token = RequestToken(nextToken)
        nextToken += 1
        parked[token] = call
        return token
    }

    /// Removes and returns a parked call.
    func unpark(_ token: RequestToken) -> ParkedCall? { parked.removeValue(forKey: token) }

    /// Queues a call's answers behind those before it.
    func enqueue(ready: Bool, _ send: @escaping () -> Void) -> Delivery {
        let delivery = Delivery(isReady: ready, send: send)
        deliveries.append(delivery)
        flush()
        return delivery
    }

    /// Sends every ready answer at the front of the queue.
    func flush() {
        while let first = deliveries.first, first.isReady {
            deliveries.removeFirst()
            first.send()
        }
    }

    /// Every parked call's responder, removed: the node stops coordinating this partition.
    func takeAllParked() -> [ParkedCall] {
        defer { parked = [:] }
        return Array(parked.values)
    }
}
