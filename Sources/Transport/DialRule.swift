/// Which of two nodes opens the one connection between them; both ends must apply the same rule,
/// or both would wait (or both would dial and each refuse the other's hello).
///
/// Every node dials the *hubs* (the controller voters, which every node's configuration lists),
/// so that a node no hub knows yet can still reach them and register; between two hubs, or two
/// other nodes, the lower id dials.
public struct DialRule: Sendable, Equatable {
    /// The nodes every other node dials.
    public var hubs: Set<PeerID>

    /// A rule with these hubs; with none, the lower id always dials.
    public init(hubs: Set<PeerID> = []) { self.hubs = hubs }

    /// Whether `local` dials `peer` (else it waits for `peer` to dial it).
    public func dials(from local: PeerID, to peer: PeerID) -> Bool {
        let localIsHub = hubs.contains(local)
        guard localIsHub == hubs.contains(peer) else { return !localIsHub }
        return local < peer
    }
}
