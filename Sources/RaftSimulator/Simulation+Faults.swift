@_spi(Testing) import Raft

extension Simulation {
    /// The fault phase's random changes to the world, once per tick. Crashes, restarts and
    /// partitions act on nodes, so on every group at once; prefix removal on one replica.
    mutating func injectFaults() {
        let downCount = nodeIDs.indices.filter { !isUp($0) }.count
        for node in nodeIDs.indices {
            if isUp(node) {
                // Keep a majority up so the run keeps making progress worth checking.
                if downCount < nodeIDs.count - quorumCount && perMilleChance(options.crashPerMille) { crash(node) }
            } else if percentChance(10) {
                if options.storageLossPercent > 0 { loseStorage(on: node) }
                restart(node)
            }
        }
        if perMilleChance(options.partitionPerMille) { changePartitions() }
        if let isolation = pendingIsolation, isolation.tick <= tick {
            pendingIsolation = nil
            network.healAll()
            for other in nodeIDs where other != isolation.node {
                network.cutLinks.insert(.init(from: isolation.node, to: other))
                network.cutLinks.insert(.init(from: other, to: isolation.node))
            }
            recordOnEveryGroup(.partitioned("isolated new leader \(isolation.node)"))
            events += 1
        }
        for group in groups.indices {
            for node in nodeIDs.indices where isUp(node) && perMilleChance(options.prefixRemovalPerMille) {
                removePrefix(in: group, on: node)
            }
        }
    }

    /// Crashes node `node`: every replica on it loses its write in flight (or keeps a torn
    /// prefix of it) together.
    mutating func crash(_ node: Int) {
        for group in groups.indices {
            tearPendingWrite(in: group, on: node)
            groups[group].replicas[node].crash()
        }
        recordOnEveryGroup(.crashed(nodeIDs[node]))
        events += 1
        for group in groups.indices {
            if let problem = groups[group].checker.checkAcknowledgedDurability(groups[group].replicas, quorumCount: quorumCount) {
                fail(problem, in: group)
            }
        }
    }

    /// A crash may leave part of an unsynced write on disk: a prefix of its entries (what the
    /// page cache flushed), never its hard state, which is written after the entries.
    private mutating func tearPendingWrite(in group: Int, on node: Int) {
        guard let ready = groups[group].replicas[node].pendingReady?.ready, ready.logStart == nil, !ready.entries.isEmpty,
              percentChance(50)
        else { return }
        let torn = Array(ready.entries.prefix(Int.random(in: 0...ready.entries.count, using: &random)))
        guard !torn.isEmpty else { return }
        let id = nodeIDs[node]
        let log = groups[group].replicas[node].durableLog
        if let problem = groups[group].checker.checkTruncation(of: log, from: torn[0].index, node: id) { return fail(problem, in: group) }
        log.append(torn)
        if let problem = groups[group].checker.checkDurableAppend(torn, node: id, log: log) { return fail(problem, in: group) }
        record(.tornWrite(id, entries: torn), in: group)
    }

    /// Now and then cuts a random suffix from the durable log of one replica on the down node
    /// `node`, as damage found at open would, unless another replica of that group is still
    /// refilling (two forgetful replicas of three could leave no quorum that holds an entry).
    private mutating func loseStorage(on node: Int) {
        for group in groups.indices where percentChance(options.storageLossPercent) {
            let replicas = groups[group].replicas
            guard !replicas.contains(where: { $0.durableLostLogEnd != nil }) else { continue }
            let count = replicas[node].durableLog.storedEntries.count
            guard count > 0 else { continue }
            let position = Int.random(in: 0..<count, using: &random)
            let from = replicas[node].durableLog.storedEntries[position].index
            groups[group].replicas[node].loseStorage(fromEntry: position)
            groups[group].storageLosses += 1
            record(
                .lostStorage(nodeIDs[node], from: from, lostEnd: groups[group].replicas[node].durableLostLogEnd!),
                in: group)
            events += 1
        }
    }

    /// Restarts node `node`: every replica on it from its durable state.
    mutating func restart(_ node: Int) {
        for group in groups.indices { groups[group].replicas[node].start(seed: random.next()) }
        recordOnEveryGroup(.restarted(nodeIDs[node]))
        events += 1
    }

    private mutating func changePartitions() {
        let ids = nodeIDs
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
            // The leader of one group, taken in turn so that every group's leaders get isolated.
            let leader = groups[tick % groups.count].leaderPosition.map { ids[$0] } ?? ids.randomElement(using: &random)!
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
        recordOnEveryGroup(.partitioned(layout))
        events += 1
    }

    private mutating func removePrefix(in group: Int, on node: Int) {
        let replica = groups[group].replicas[node]
        let log = replica.durableLog
        let before = min(replica.durableApplied, log.lastIndex).next
        guard before > log.firstIndex, replica.pendingReady?.ready.logStart == nil else { return }
        log.removePrefix(before: before)
        record(.removedPrefix(nodeIDs[node], before: before), in: group)
        events += 1
    }

    /// The client and the operator of group `group`: proposes a few entries to whichever replica
    /// leads, and now and then a membership step or a leadership transfer.
    mutating func proposeWorkload(in group: Int) {
        guard let leader = groups[group].leaderPosition else { return }
        if perMilleChance(options.membershipChangePerMille) { proposeMembershipStep(in: group, at: leader) }
        if perMilleChance(options.leadershipTransferPerMille) { transferLeadership(in: group, from: leader) }
        guard groups[group].replicas[leader].core!.currentRole == .leader else { return }
        for _ in 0..<Int.random(in: 0...options.proposalsPerTickMax, using: &random) {
            let id = groups[group].nextPayloadID
            let indexCount = UInt64.random(in: 1...3, using: &random)
            var payload = withUnsafeBytes(of: id.bigEndian) { Array($0) }
            payload += [UInt8](repeating: UInt8(truncatingIfNeeded: id), count: Int.random(in: 0...24, using: &random))
            guard let index = try? groups[group].replicas[leader].core!.propose(payload, indexCount: indexCount) else { return }
            groups[group].nextPayloadID += 1
            record(.proposed(nodeIDs[leader], index: index, indexCount: indexCount, id: id), in: group)
            events += 1
        }
    }

    /// Cycles membership through: all voters, one removed, it back as a learner, it promoted.
    private mutating func proposeMembershipStep(in group: Int, at leader: Int) {
        let membership = groups[group].replicas[leader].core!.latestMembership
        let change: MembershipChange
        if let outsider = nodeIDs.first(where: { !membership.contains($0) }) {
            change = .addLearner(outsider)
        } else if let learner = membership.learners.first {
            change = .promoteLearner(learner)
        } else if membership.voters.count == nodeIDs.count, nodeIDs.count > 1 {
            change = .remove(membership.voters.randomElement(using: &random)!)
        } else {
            return
        }
        guard let index = try? groups[group].replicas[leader].core!.proposeMembershipChange(change) else { return }
        record(.membershipChange(nodeIDs[leader], change, index: index), in: group)
        groups[group].membershipChanges += 1
        events += 1
    }

    private mutating func transferLeadership(in group: Int, from leader: Int) {
        let leaderID = nodeIDs[leader]
        let voters = groups[group].replicas[leader].core!.latestMembership.voters
        guard let target = voters.filter({ $0 != leaderID }).randomElement(using: &random) else { return }
        guard (try? groups[group].replicas[leader].core!.transferLeadership(to: target)) != nil else { return }
        record(.leadershipTransfer(from: leaderID, to: target), in: group)
        groups[group].leadershipTransfers += 1
        events += 1
    }
}
