import KafkaProtocol
@testable import TributaryClient

/// Sends a response to the request being handled, now or later.
typealias StubReply = @Sendable (any KafkaResponseMessage) -> Void

/// One consumer group at the stub's coordinator: the classic join/sync barrier, no session
/// timeouts (tests leave explicitly).
struct StubGroup: Sendable {
    /// Members of the current generation and the protocols (name, metadata) they offered.
    var members: [String: [JoinGroupRequest.JoinGroupRequestProtocol]] = [:]
    var generation: Int32 = 0
    var leader = ""
    var protocolName = ""
    var pendingJoins: [String: (protocols: [JoinGroupRequest.JoinGroupRequestProtocol], reply: StubReply)] = [:]
    var pendingSyncs: [String: StubReply] = [:]
    var assignments: [String: [UInt8]]? = nil
    /// Set when a member left: the others must rejoin.
    var needsRebalance = false
    var committed: [TopicPartition: Int64] = [:]
    var nextMemberNumber = 0
}

/// The stub's group coordinator (every group lives on the controller node).
extension StubModel {
    static func isGroupApi(_ apiKey: ApiKey) -> Bool {
        [.findCoordinator, .joinGroup, .syncGroup, .heartbeat, .leaveGroup, .offsetCommit, .offsetFetch].contains(apiKey)
    }

    mutating func handleGroupRequest(_ request: DecodedRequest, reply: @escaping StubReply) {
        switch request.body {
        case .findCoordinator:
            reply(FindCoordinatorResponse(nodeId: controllerId, host: "127.0.0.1", port: Int32(ports[controllerId]!)))
        case .joinGroup(let body):
            join(body, version: request.header.apiVersion, reply: reply)
        case .syncGroup(let body):
            sync(body, reply: reply)
        case .heartbeat(let body):
            let group = groups[body.groupId] ?? StubGroup()
            let code: ErrorCode = group.members[body.memberId] == nil ? .unknownMemberId
                : (group.needsRebalance || !group.pendingJoins.isEmpty || body.generationId != group.generation)
                    ? .rebalanceInProgress : .noError
            reply(HeartbeatResponse(errorCode: code.rawValue))
        case .leaveGroup(let body):
            let leaving = Set(body.members.map(\.memberId) + [body.memberId]).subtracting([""])
            for memberId in leaving {
                groups[body.groupId]?.members[memberId] = nil
                groups[body.groupId]?.pendingJoins[memberId] = nil
            }
            groups[body.groupId]?.needsRebalance = true
            completeJoinIfReady(body.groupId)
            reply(LeaveGroupResponse(members: leaving.sorted().map { .init(memberId: $0) }))
        case .offsetCommit(let body):
            let generation = groups[body.groupId]?.generation
            let code: ErrorCode = body.generationIdOrMemberEpoch == generation ? .noError : .illegalGeneration
            for topic in body.topics where code == .noError {
                for partition in topic.partitions {
                    groups[body.groupId]!.committed[TopicPartition(topic.name, partition.partitionIndex)] = partition.committedOffset
                }
            }
            reply(OffsetCommitResponse(topics: body.topics.map { topic in
                .init(name: topic.name, partitions: topic.partitions.map { .init(partitionIndex: $0.partitionIndex, errorCode: code.rawValue) })
            }))
        case .offsetFetch(let body):
            let committed = groups[body.groupId]?.committed ?? [:]
            reply(OffsetFetchResponse(topics: (body.topics ?? []).map { topic in
                .init(name: topic.name, partitions: topic.partitionIndexes.map {
                    .init(partitionIndex: $0, committedOffset: committed[TopicPartition(topic.name, $0)] ?? -1)
                })
            }))
        default:
            preconditionFailure("\(request.body.apiKey) is not a group API")
        }
    }

    private mutating func join(_ request: JoinGroupRequest, version: Int16, reply: @escaping StubReply) {
        var group = groups[request.groupId] ?? StubGroup()
        var memberId = request.memberId
        if memberId.isEmpty {
            group.nextMemberNumber += 1
            memberId = "member-\(group.nextMemberNumber)"
            if version >= 4 {
                groups[request.groupId] = group
                return reply(JoinGroupResponse(errorCode: ErrorCode.memberIdRequired.rawValue, memberId: memberId))
            }
        }
        group.pendingJoins[memberId] = (request.protocols, reply)
        groups[request.groupId] = group
        completeJoinIfReady(request.groupId)
    }

    /// Ends the join phase once every member of the last generation has rejoined.
    private mutating func completeJoinIfReady(_ groupId: String) {
        guard var group = groups[groupId], !group.pendingJoins.isEmpty,
              Set(group.members.keys).isSubset(of: group.pendingJoins.keys) else { return }
        group.generation += 1
        group.members = group.pendingJoins.mapValues(\.protocols)
        group.leader = group.members.keys.sorted()[0]
        let offered = group.members.values.map { Set($0.map(\.name)) }
        group.protocolName = group.members[group.leader]!.map(\.name).first { name in offered.allSatisfy { $0.contains(name) } } ?? ""
        group.assignments = nil
        group.needsRebalance = false
        let joins = group.pendingJoins
        group.pendingJoins = [:]
        groups[groupId] = group
        for (memberId, join) in joins {
            let members = memberId == group.leader
                ? group.members.sorted { $0.key < $1.key }.map { member, protocols in
                    JoinGroupResponse.JoinGroupResponseMember(
                        memberId: member, metadata: protocols.first { $0.name == group.protocolName }?.metadata ?? [])
                }
                : []
            join.reply(JoinGroupResponse(generationId: group.generation, protocolType: "consumer", protocolName: group.protocolName,
                                         leader: group.leader, memberId: memberId, members: members))
        }
    }

    private mutating func sync(_ request: SyncGroupRequest, reply: @escaping StubReply) {
        guard var group = groups[request.groupId], group.members[request.memberId] != nil,
              request.generationId == group.generation else {
            return reply(SyncGroupResponse(errorCode: ErrorCode.illegalGeneration.rawValue))
        }
        if request.memberId == group.leader {
            group.assignments = Dictionary(request.assignments.map { ($0.memberId, $0.assignment) }, uniquingKeysWith: { a, _ in a })
        }
        group.pendingSyncs[request.memberId] = reply
        if let assignments = group.assignments {
            for (memberId, waiting) in group.pendingSyncs {
                waiting(SyncGroupResponse(protocolType: "consumer", protocolName: group.protocolName,
                                          assignment: assignments[memberId] ?? []))
            }
            group.pendingSyncs = [:]
        }
        groups[request.groupId] = group
    }
}
