import ClusterMetadata
import KafkaProtocol

/// Node administration: UnregisterBroker.
extension KafkaBroker {
    /// Kafka's `Admin.unregisterBroker`, as Tributary's decommission: the controller gives every
    /// partition on the node a target without it, the partitions' leaders move them (see
    /// ``NodeServer/driveReassignments()``), and the node is removed from the metadata once no
    /// partition needs it (at once when it holds nothing). Kafka unregisters only a stopped
    /// broker; here the node keeps serving while it drains, so no replica goes missing meanwhile.
    /// The answer comes once the decommission is applied, not once the data moved.
    func unregisterBroker(_ request: UnregisterBrokerRequest, respond: Responder) {
        let id = BrokerID(request.brokerId)
        guard let node = node.applier.state.node(id) else {
            return respond(UnregisterBrokerResponse(
                errorCode: ErrorCode.brokerIdNotRegistered.rawValue, errorMessage: "node \(request.brokerId) is not registered"))
        }
        // The controller's voters come from every node's configuration, not from the metadata.
        guard !self.node.config.controllerVoters.contains(where: { $0.nodeID == request.brokerId }) else {
            return respond(UnregisterBrokerResponse(
                errorCode: ErrorCode.invalidRequest.rawValue,
                errorMessage: "node \(request.brokerId) is a controller voter; change the [controller] voters of every node to retire it"))
        }
        guard node.state == .active else {
            return respond(UnregisterBrokerResponse(
                errorCode: 0, errorMessage: "node \(request.brokerId) is already \(node.state == .removed ? "removed" : "being decommissioned")"))
        }
        submitAndWaitHere(.decommissionNode(id), until: { $0.node(id)?.state != .active }) { code, message in
            respond(UnregisterBrokerResponse(errorCode: code, errorMessage: message))
        }
    }
}
