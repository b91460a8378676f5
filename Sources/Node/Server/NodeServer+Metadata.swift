import ClusterMetadata
import Foundation
import Raft
import Storage
import Transport

/// What the node does with the cluster metadata, on its loop every housekeeping round
/// (``NodeServer/housekeepingInterval``): apply the committed controller log, register itself,
/// keep liveness current (controller leader only), host exactly the partition groups the
/// metadata gives it, connect to every registered node, report the groups it leads, and hand
/// them to their preferred replicas (``balanceLeaders()``).
extension NodeServer {
    /// Housekeeping rounds between two leader reports to every peer.
    static let leaderReportEveryRounds: UInt64 = 5

    func housekeeping() {
        guard let host, !isStopping else { return }
        housekeepingRounds += 1
        controller?.sweep()
        catchUpMetadata()
        registerIfNeeded()
        if !servesClients && hasCaughtUpWithMetadata {
            servesClients = true
            logger.info("caught up with the cluster metadata: serving Kafka clients")
        }
        kafka?.refillProducerIDs()
        kafka?.tickGroups()
        driveReassignments()
        if host.status(of: .controller)?.role == .leader {
            proposeLivenessChanges()
            addControllerLearners()
        }
        if housekeepingRounds % Self.leaderReportEveryRounds == 0 { reportLeadership() }
        balanceLeaders()
    }

    /// Applies newly committed controller commands and reconciles what they changed.
    func catchUpMetadata() {
        guard let host, let status = host.status(of: .controller) else { return }
        do {
            let changed = try applier.catchUp(to: status.highWatermark) { offset, bytes in
                try host.read(.controller, from: offset, maxBytes: bytes)
            }
            if changed { reconcile() }
        } catch {
            logger.critical("cannot apply the controller log: \(error)")
        }
    }

    /// Creates the partition groups the metadata places here and removes (with their data)
    /// those it no longer does; connects to registered nodes not connected yet.
    func reconcile() {
        guard let host, let connector else { return }
        let state = applier.state
        for node in state.nodes where node.id != localBrokerID && !knownPeers.contains(node.id) {
            guard let address = HostPort(parsing: node.addresses.peer), let socket = try? SocketAddress(host: address.host, port: address.port) else {
                logger.warning("node \(node.id.rawValue) registered an unusable peer address '\(node.addresses.peer)'")
                continue
            }
            connector.addPeer(PeerID(UInt32(node.id.rawValue)), at: socket)
            knownPeers.insert(node.id)
        }
        let hosted = Set(host.groupIDs.filter { $0 != .controller })
        let plan = state.reconciliation(for: localBrokerID, hosting: hosted)
        for group in plan.toCreate {
            let directory = partitionDirectory(group)
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let voters = group.replicas.map { NodeID(UInt64($0.rawValue)) }
                // A replica being added joins as a learner; the leader promotes it once caught up.
                let local = NodeID(UInt64(config.nodeID))
                let learners = voters.contains(local) ? [] : [local]
                try host.addGroup(group.groupID, directory: directory, membership: Membership(voters: voters, learners: learners),
                                  preferredLeader: voters.contains(local) ? group.replicas.first == localBrokerID : nil)
                logger.info("hosting \(group.topicName)-\(group.partition) (\(group.groupID)) with replicas \(group.replicas.map(\.rawValue))")
            } catch {
                logger.error("cannot open \(group.topicName)-\(group.partition) (\(group.groupID)) in \(directory): \(error)")
            }
        }
        for id in plan.toRemove {
            host.removeGroup(id)
            if let directory = partitionDirectories.removeValue(forKey: id) {
                try? FileManager.default.removeItem(atPath: directory)
                logger.info("removed \(id) and its data in \(directory)")
            }
        }
        removeDeletedPartitionDirectories()
        host.retentionPolicies = retentionPolicies(in: state)
        var live = Set(state.topics.flatMap { $0.partitions.map(\.groupID) })
        live.insert(.controller)
        leaders.retain(only: live)
    }

    /// The retention of every partition of every topic but the internal ones (whose groups the
    /// host then never trims): the topic's `retention.ms` / `retention.bytes`, else the node's
    /// defaults; -1 keeps forever.
    private func retentionPolicies(in state: ClusterMetadataState) -> [RaftGroupID: RetentionPolicy] {
        func effective(_ override: Int64?, _ nodeDefault: Int64?) -> Int64? {
            guard let override else { return nodeDefault }
            return override < 0 ? nil : override
        }
        var policies: [RaftGroupID: RetentionPolicy] = [:]
        for topic in state.topics where !KafkaBroker.isInternal(topic.name) {
            let policy = RetentionPolicy(
                retentionMs: effective(topic.configs.retentionMs, config.log.retentionMs),
                retentionBytes: effective(topic.configs.retentionBytes, config.log.retentionBytes))
            for partition in topic.partitions { policies[partition.groupID] = policy }
        }
        return policies
    }

    /// Removes the directories of partitions whose topic was deleted while this node was down:
    /// it never hosts those groups again, so the reconciliation above never sees them.
    private func removeDeletedPartitionDirectories() {
        let root = "\(config.dataDirectory)/partitions"
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: root) else { return }
        for entry in entries {
            guard let suffix = entry.split(separator: "-").last, suffix.first == "g",
                  let number = UInt64(suffix.dropFirst()), applier.state.wasDeleted(RaftGroupID(number))
            else { continue }
            do {
                try FileManager.default.removeItem(atPath: "\(root)/\(entry)")
                logger.info("removed \(entry), left over from a topic deleted while this node was down")
            } catch {
                logger.error("cannot remove \(root)/\(entry), left over from a deleted topic: \(error)")
            }
        }
    }

    /// `<data>/partitions/<topic>-<partition>-g<group>`: the group id keeps a topic re-created
    /// under the same name apart from the deleted one's leftovers.
    private func partitionDirectory(_ group: ClusterMetadata.HostedGroup) -> String {
        let directory = "\(config.dataDirectory)/partitions/\(group.topicName)-\(group.partition)-g\(group.groupID.rawValue)"
        partitionDirectories[group.groupID] = directory
        return directory
    }

    /// What this node registers as (its advertised addresses).
    var registration: NodeAddresses {
        NodeAddresses(
            peer: config.advertised.peer.description, client: config.advertised.client.description,
            admin: config.advertised.admin.description)
    }

    /// Proposes `registerNode` while the metadata does not record this node with its current
    /// addresses (or records it down), one proposal at a time.
    private func registerIfNeeded() {
        guard let controller, !isRegistering, !wasRemoved else { return }
        if let known = applier.state.node(localBrokerID), known.state == .removed {
            wasRemoved = true
            return logger.warning("this node was decommissioned and removed from the cluster: it hosts nothing and may be stopped; its id cannot rejoin")
        }
        if let known = applier.state.node(localBrokerID), known.addresses == registration, known.isAlive { return }
        isRegistering = true
        controller.submit(.registerNode(id: localBrokerID, addresses: registration, rack: nil)) { [weak self] result in
            guard let self else { return }
            isRegistering = false
            if case .failure(let failure) = result, case .rejected = failure {
                logger.error("registration refused by the controller: \(failure)")
            }
        }
    }

    /// The controller leader records nodes whose peer links came up or went down.
    private func proposeLivenessChanges() {
        guard let controller, let connector, !isProposingLiveness else { return }
        var up: Set<BrokerID> = [localBrokerID]
        for (peer, state) in connector.states where state == .connected { up.insert(BrokerID(Int32(peer.rawValue))) }
        let changes = applier.state.livenessChanges(observedUp: up)
        guard let first = changes.first else { return }
        isProposingLiveness = true
        controller.submit(first) { [weak self] result in
            self?.isProposingLiveness = false
            if case .failure(let failure) = result { self?.logger.warning("liveness change \(first) failed: \(failure)") }
        }
    }

    /// The controller leader adds registered nodes that are not members of the controller group
    /// as its learners, one membership change at a time, so that they replicate the metadata.
    private func addControllerLearners() {
        guard let host, !isAddingControllerLearner, let membership = host.status(of: .controller)?.membership,
              let node = applier.state.nodes.first(where: { !membership.contains(NodeID(UInt64($0.id.rawValue))) })
        else { return }
        isAddingControllerLearner = true
        host.changeMembership(of: .controller, .addLearner(NodeID(UInt64(node.id.rawValue)))) { [weak self] result in
            guard let self else { return }
            isAddingControllerLearner = false
            switch result {
            case .success: logger.info("node \(node.id.rawValue) follows the controller log as a learner")
            case .failure(let failure): logger.warning("adding node \(node.id.rawValue) as a controller learner failed: \(failure)")
            }
        }
    }

    /// Tells every connected peer which groups this node leads.
    private func reportLeadership() {
        guard let host, let connector else { return }
        let led = host.statuses.filter { $0.role == .leader }.map { NodeMessage.LedGroup(group: $0.group, term: $0.term) }
        for chunk in stride(from: 0, to: max(led.count, 1), by: NodeMessage.ledGroupsPerMessageMax) {
            let frame = NodeMessage.leaders(Array(led[chunk..<min(chunk + NodeMessage.ledGroupsPerMessageMax, led.count)])).frame
            for (peer, state) in connector.states where state == .connected { _ = connector.send(frame, to: peer) }
        }
    }

    /// Takes a node message from a peer.
    func receiveNodeMessage(_ frame: PeerFrame, from peer: NodeID) {
        let message: NodeMessage
        do { message = try NodeMessage(decoding: frame.body) } catch {
            return logger.warning("dropping a node message from \(peer): \(error)")
        }
        switch message {
        case .leaders(let groups):
            for led in groups { leaders.learn(led.group, leader: peer, term: led.term) }
        case .proposeCommand, .commandResult:
            controller?.receive(message, from: peer)
        }
    }

    /// A hosted group's status changed: note its leader, and apply the controller log when the
    /// controller's commit moved.
    func groupStatusChanged(_ status: GroupStatus) {
        if let leader = status.leader {
            leaders.learn(status.group, leader: leader, term: status.term)
        } else {
            leaders.forget(status.group, asOf: status.term)
        }
        if status.group == .controller { catchUpMetadata() }
        kafka?.groupChanged(status)
    }

    /// This node's id as the metadata names it.
    var localBrokerID: BrokerID { BrokerID(config.nodeID) }
}
