import Foundation
import Testing
@testable import Broker
import SeededRandom

/// Clients acting at random (joining, syncing, heartbeating, leaving, committing, going silent)
/// against one group, with coordinator crashes replayed from the records, checking after every
/// step the invariants the classic protocol promises.
@Suite("Group coordinator: seeded random runs")
struct GroupRandomizedTests {
    struct Client {
        var memberId = ""
        var generationId: Int32 = -1
        var joinToken: RequestToken?
        var syncToken: RequestToken?
        /// Set for the leader of `generationId`: every member of the generation.
        var generationMembers: [String] = []
    }

    struct Run {
        var h = GroupHarness()
        var rng: SplitMix64
        var clients = Array(repeating: Client(), count: 5)
        /// The leader every successful JoinGroup of a generation named (at most one per generation).
        var leaderByGeneration: [Int32: String] = [:]
        var lastGenerationId: Int32 = 0
        var issuedTokens: Set<RequestToken> = []
        var crashes = 0
        /// Steps that ended with the group Stable, and with two or more members: a run that
        /// never gets there checks nothing interesting.
        var stableSteps = 0
        var multiMemberStableSteps = 0
        /// Named in every expectation's message, to replay a failing run.
        let seed: UInt64

        init(seed: UInt64) {
            self.seed = seed
            rng = SplitMix64(seed: seed)
        }

        mutating func random(_ bound: Int) -> Int { Int(rng.next() % UInt64(bound)) }

        mutating func step() {
            let index = random(clients.count)
            switch random(100) {
            case 0..<25: join(index)
            case 25..<45: sync(index)
            case 45..<65: heartbeat(index)
            case 65..<70: leave(index)
            case 70..<80: commit(index)
            case 80..<98: h.advance(byMs: Int64(random(700)))
            default: crash()
            }
            learnAnswers()
            checkInvariants()
        }

        mutating func join(_ index: Int) {
            guard clients[index].joinToken == nil else { return }
            // Clients 0 and 1 are static members; a static client that lost its member id (or
            // "restarts": 1 in 10 joins) rejoins by instance id and fences its old id.
            let isStatic = index < 2
            let memberId = isStatic && random(10) == 0 ? "" : clients[index].memberId
            let request = GroupHarness.joinRequest(
                memberId: memberId, instanceId: isStatic ? "pod-\(index)" : nil, requireKnownMemberId: random(2) == 0)
            clients[index].joinToken = h.join(request)
            issuedTokens.insert(clients[index].joinToken!)
        }

        mutating func sync(_ index: Int) {
            let client = clients[index]
            guard client.syncToken == nil, client.generationId >= 0 else { return }
            let assignments = Dictionary(uniqueKeysWithValues: client.generationMembers.map { ($0, Array($0.utf8.prefix(4))) })
            clients[index].syncToken = h.sync(memberId: client.memberId, generationId: client.generationId, assignments: assignments)
            issuedTokens.insert(clients[index].syncToken!)
        }

        mutating func heartbeat(_ index: Int) {
            guard !clients[index].memberId.isEmpty else { return }
            if h.heartbeat(clients[index].memberId, generationId: clients[index].generationId) == .unknownMemberId {
                clients[index] = Client(joinToken: clients[index].joinToken, syncToken: clients[index].syncToken)
            }
        }

        mutating func leave(_ index: Int) {
            guard !clients[index].memberId.isEmpty else { return }
            _ = h.leave([clients[index].memberId])
            clients[index].memberId = ""
            clients[index].generationId = -1
        }

        mutating func commit(_ index: Int) {
            let outcome = h.commit(memberId: clients[index].memberId, generationId: clients[index].generationId, ["t": Int64(random(1_000))])
            if let error = outcome.results.first?.error {
                #expect([.illegalGeneration, .unknownMemberId, .rebalanceInProgress].contains(error), "commit error \(error) (seed \(seed))")
            }
        }

        /// The coordinator fails over: a new one replays the records; parked requests are lost
        /// with their connections, so clients forget them.
        mutating func crash() {
            crashes += 1
            var recovered = GroupCoordinator(limits: h.coordinator.limits, memberIdSalt: "t\(crashes + 1)")
            recovered.replay(h.records, nowMs: h.nowMs)
            #expect(recovered.fetchOffsets(groupId: GroupHarness.groupId, partitions: nil)
                == h.coordinator.fetchOffsets(groupId: GroupHarness.groupId, partitions: nil), "offsets survive the crash (seed \(seed))")
            h.coordinator = recovered
            for index in clients.indices {
                for token in [clients[index].joinToken, clients[index].syncToken].compactMap({ $0 }) {
                    issuedTokens.remove(token)
                }
                clients[index].joinToken = nil
                clients[index].syncToken = nil
            }
            leaderByGeneration = [:]
            lastGenerationId = h.coordinator.describeGroup(GroupHarness.groupId).generationId
        }

        mutating func learnAnswers() {
            for index in clients.indices {
                if let token = clients[index].joinToken, let answer = h.joins[token] {
                    clients[index].joinToken = nil
                    learnJoin(index, answer)
                }
                if let token = clients[index].syncToken, h.syncs[token] != nil {
                    clients[index].syncToken = nil
                }
            }
        }

        mutating func learnJoin(_ index: Int, _ answer: JoinResponse) {
            switch answer.error {
            case nil:
                clients[index].memberId = answer.memberId
                clients[index].generationId = answer.generationId
                clients[index].generationMembers = answer.members.map(\.memberId)
                let leader = leaderByGeneration[answer.generationId, default: answer.leaderId]
                #expect(leader == answer.leaderId, "generation \(answer.generationId) has two leaders (seed \(seed))")
                leaderByGeneration[answer.generationId] = leader
                #expect(answer.members.isEmpty || answer.members.contains { $0.memberId == answer.leaderId }, "seed \(seed)")
            case .memberIdRequired:
                clients[index].memberId = answer.memberId
            case .unknownMemberId, .fencedInstanceId:
                clients[index].memberId = ""
                clients[index].generationId = -1
            default:
                break
            }
        }

        mutating func checkInvariants() {
            h.coordinator.checkInvariants()
            let description = h.coordinator.describeGroup(GroupHarness.groupId)
            if description.state == .dead {
                lastGenerationId = 0  // forgotten: a new group starts over
                leaderByGeneration = [:]
                return
            }
            #expect(description.generationId >= lastGenerationId, "generation went back (seed \(seed))")
            lastGenerationId = description.generationId
            if description.state == .stable {
                stableSteps += 1
                if description.members.count > 1 { multiMemberStableSteps += 1 }
                #expect(description.members.allSatisfy { $0.assignment != nil }, "seed \(seed)")
            }
        }

        /// Liveness: once clients stop, timeouts answer every parked request and empty the group.
        mutating func quiesce() {
            for _ in 0..<40 { h.advance(byMs: 500) }
            let unanswered = issuedTokens.filter { h.joins[$0] == nil && h.syncs[$0] == nil }
            #expect(unanswered.isEmpty, "parked requests never answered: \(unanswered) (seed \(seed))")
            #expect(h.coordinator.parkedRequests.isEmpty, "seed \(seed)")
            #expect(h.coordinator.describeGroup(GroupHarness.groupId).members.isEmpty, "seed \(seed)")
        }
    }

    @Test(arguments: 0..<20)
    func invariantsHoldUnderRandomClientsAndCoordinatorCrashes(run: Int) {
        // BROKER_SEED=<n> replays one run.
        let seed = ProcessInfo.processInfo.environment["BROKER_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 0...UInt64.max)
        // Printed first: a broken invariant traps (precondition) and takes the process with it.
        print("random group run \(run): seed \(seed)")
        var state = Run(seed: seed)
        // Odd runs wait for more members before the first generation, as Kafka does by default.
        var limits = GroupLimits.testMin
        limits.initialRebalanceDelayMs = run % 2 == 0 ? 0 : 300
        state.h.coordinator = GroupCoordinator(limits: limits, memberIdSalt: "t1")
        for _ in 0..<2_000 { state.step() }
        #expect(state.multiMemberStableSteps > 0, "the run never reached a shared Stable generation (seed \(seed))")
        state.quiesce()
        print("random group run \(run): Stable after \(state.stableSteps) of 2000 steps (\(state.multiMemberStableSteps) shared), generation \(state.lastGenerationId), \(state.crashes) crashes")
    }
}
