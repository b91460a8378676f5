@_spi(Testing) import Raft

extension Simulation {
    /// The fault phase's random changes to the world, once per tick.
    mutating func injectFaults() {
        let downCount = nodes.filter { !$0.isUp }.count
        for index in nodes.indices {
            if nodes[index].isUp {
                // Keep a majority up so the run keeps making progress worth checking.
                if downCount < nodes.count - quorumCount && perMilleChance(options.crashPerMille) { crash(index) }
            } else if percentChance(10) {
                restart(index)
            }
        }
        if perMilleChance(options.partitionPerMille) { changePartitions() }
        if let isolation = pendingIsolation, isolation.tick <= tick {
            pendingIsolation = nil
            network.healAll()
            for other in nodes.map(\.id) where other != isolation.node {
                network.cutLinks.insert(.init(from: isolation.node, to: other))
                network.cutLinks.insert(.init(from: other, to: isolation.node))
            }
            record(.partitioned("isolated new leader \(isolation.node)"))
            events += 1
        }
        for index in nodes.indices where nodes[index].isUp && perMilleChance(options.prefixRemovalPerMille) {
            removePrefix(on: index)
        }
    }

    mutating func crash(_ index: Int) {
        tearPendingWrite(on: index)
        nodes[index].crash()
        record(.crashed(nodes[index].id))
        events += 1
        if let problem = checker.checkAcknowledgedDurability(nodes, quorumCount: quorumCount) { violation = violation ?? problem }
    }

    /// A crash may leave part of an unsynced write on disk: a prefix of its entries (what the
    /// page cache flushed), never its hard state, which is written after the entries.
    private mutating func tearPendingWrite(on index: Int) {
        guard let ready = nodes[index].pendingReady?.ready, ready.logStart == nil, !ready.entries.isEmpty,
              percentChance(50)
        else { return }
        let torn = Array(ready.entries.prefix(Int.random(in: 0...ready.entries.count, using: &random)))
        guard !torn.isEmpty else { return }
        let log = nodes[index].durableLog
        if let problem = checker.checkTruncation(of: log, from: torn[0].index, node: nodes[index].id) { return fail(problem) }
        log.append(torn)
        if let problem = checker.checkDurableAppend(torn, node: nodes[index].id, log: log) { return fail(problem) }
        record(.tornWrite(nodes[index].id, entries: torn))
    }

    mutating func restart(_ index: Int) {
        nodes[index].start(seed: random.next())
        record(.restarted(nodes[index].id))
        events += 1
    }

    private mutating func changePartitions() {
        let ids = nodes.map(\.id)
        network.healAll()
        var links: [SimulatedNetwork.Link] = []
        let layout: String
        switch Int.random(in: 0..<5, using: &random) {
        case 0:
            layout = "healed"
        case 1:
            let side = Set(ids.filter { _ in Bool.random(using: &random) })
            for a in ids where side.contains(a) { for b in ids where !side.contains(b) { links += [.init(from: a, to: b), .init(from: b, to: a)] } }
            layout = "symmetric \(side.sorted()) | rest"
        case 2:
            let from = ids.randomElement(using: &random)!
            let to = ids.filter { $0 != from }.randomElement(using: &random) ?? from
            links.append(.init(from: from, to: to))
            layout = "asymmetric \(from) -/-> \(to)"
        case 3:
            let leader = nodes.compactMap(\.core).first { $0.currentRole == .leader }?.id ?? ids.randomElement(using: &random)!
            for other in ids where other != leader { links += [.init(from: leader, to: other), .init(from: other, to: leader)] }
            layout = "isolated \(leader)"
        default:
            let bridge = ids.randomElement(using: &random)!
            let others = ids.filter { $0 != bridge }
            let left = Set(others.prefix(others.count / 2))
            for a in others where left.contains(a) { for b in others where !left.contains(b) { links += [.init(from: a, to: b), .init(from: b, to: a)] } }
            layout = "bridge \(bridge) between \(left.sorted()) and the rest"
        }
        network.cutLinks = Set(links)
        record(.partitioned(layout))
        events += 1
    }

    private mutating func removePrefix(on index: Int) {
        let log = nodes[index].durableLog
        let before = min(nodes[index].durableApplied, log.lastIndex).next
        guard before > log.firstIndex, nodes[index].pendingReady?.ready.logStart == nil else { return }
        log.removePrefix(before: before)
        record(.removedPrefix(nodes[index].id, before: before))
        events += 1
    }

    /// The client and the operator: proposes a few entries to whichever replica leads, and now
    /// and then a membership step or a leadership transfer.
    mutating func proposeWorkload() {
        guard let leaderIndex = nodes.indices.first(where: { nodes[$0].core?.currentRole == .leader }) else { return }
        if perMilleChance(options.membershipChangePerMille) { proposeMembershipStep(at: leaderIndex) }
        if perMilleChance(options.leadershipTransferPerMille) { transferLeadership(from: leaderIndex) }
        guard nodes[leaderIndex].core!.currentRole == .leader else { return }
        for _ in 0..<Int.random(in: 0...options.proposalsPerTickMax, using: &random) {
            let id = nextPayloadID
            let indexCount = UInt64.random(in: 1...3, using: &random)
            var payload = withUnsafeBytes(of: id.bigEndian) { Array($0) }
            payload += [UInt8](repeating: UInt8(truncatingIfNeeded: id), count: Int.random(in: 0...24, using: &random))
            guard let index = try? nodes[leaderIndex].core!.propose(payload, indexCount: indexCount) else { return }
            nextPayloadID += 1
            record(.proposed(nodes[leaderIndex].id, index: index, indexCount: indexCount, id: id))
            events += 1
        }
    }

    /// Cycles membership through: all voters, one removed, it back as a learner, it promoted.
    private mutating func proposeMembershipStep(at leaderIndex: Int) {
        let leader = nodes[leaderIndex].core!
        let membership = leader.latestMembership
        let change: MembershipChange
        if let outsider = nodes.map(\.id).first(where: { !membership.contains($0) }) {
            change = .addLearner(outsider)
        } else if let learner = membership.learners.first {
            change = .promoteLearner(learner)
        } else if membership.voters.count == nodes.count, nodes.count > 1 {
            change = .remove(membership.voters.randomElement(using: &random)!)
        } else {
            return
        }
        guard let index = try? nodes[leaderIndex].core!.proposeMembershipChange(change) else { return }
        record(.membershipChange(leader.id, change, index: index))
        membershipChanges += 1
        events += 1
    }

    private mutating func transferLeadership(from leaderIndex: Int) {
        let leader = nodes[leaderIndex].core!
        guard let target = leader.latestMembership.voters.filter({ $0 != leader.id }).randomElement(using: &random) else { return }
        guard (try? nodes[leaderIndex].core!.transferLeadership(to: target)) != nil else { return }
        record(.leadershipTransfer(from: leader.id, to: target))
        leadershipTransfers += 1
        events += 1
    }
}
