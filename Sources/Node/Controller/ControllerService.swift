import ClusterMetadata
import Foundation
import Logging
import Raft
import Storage
import Transport

/// Why a metadata command did not take effect.
enum ControllerFailure: Error, Equatable, CustomStringConvertible {
    /// The controller rejected it (topic exists, bad replication factor, ...).
    case rejected(errorCode: Int16, message: String)
    /// No controller leader is known or reachable now; retry later (Kafka's NOT_CONTROLLER).
    case unavailable(String)

    var description: String {
        switch self {
        case .rejected(let code, let message): "rejected (error \(code)): \(message)"
        case .unavailable(let why): "controller unavailable: \(why)"
        }
    }
}

/// Gets metadata commands into the controller log from any node: the controller leader
/// proposes them itself; any other node forwards them over its peer link to the leader it
/// knows, which answers once the command is applied. Loop thread only.
final class ControllerService {
    typealias Completion = (Result<Void, ControllerFailure>) -> Void

    private let host: RaftHost
    private let applier: MetadataApplier
    private let sendFrame: (NodeID, PeerFrame) -> Bool
    private let logger: Logger
    /// Forwarded commands waiting for the leader's answer, with their deadline (in ``sweep`` calls).
    private var forwarded: [UInt64: (deadline: UInt64, completion: Completion)] = [:]
    private var nextRequest: UInt64 = 1
    private var sweeps: UInt64 = 0
    /// How many forwarded commands may wait at once; more fail at once as unavailable.
    static let forwardedCountMax = 1024
    /// Sweeps (see ``sweep()``) a forwarded command may wait for its answer.
    static let forwardTimeoutSweeps: UInt64 = 50

    /// The controller leader this node knows of.
    var leader: () -> NodeID?

    init(host: RaftHost, applier: MetadataApplier, logger: Logger, leader: @escaping () -> NodeID?,
         sendFrame: @escaping (NodeID, PeerFrame) -> Bool) {
        self.host = host
        self.applier = applier
        self.logger = logger
        self.leader = leader
        self.sendFrame = sendFrame
    }

    /// Proposes `command`; `completion` runs on the loop once it is applied or has failed.
    func submit(_ command: MetadataCommand, completion: @escaping Completion) {
        let encoded: [UInt8]
        do { encoded = try command.encoded() } catch {
            return completion(.failure(.rejected(errorCode: error.kafkaErrorCode, message: error.message)))
        }
        if host.status(of: .controller)?.role == .leader {
            return proposeHere(encoded, completion: completion)
        }
        guard let leader = leader(), leader != host.localID else {
            return completion(.failure(.unavailable("no controller leader known")))
        }
        guard forwarded.count < Self.forwardedCountMax else {
            return completion(.failure(.unavailable("\(Self.forwardedCountMax) commands already waiting for the controller")))
        }
        let request = nextRequest
        nextRequest += 1
        guard sendFrame(leader, NodeMessage.proposeCommand(request: request, command: encoded).frame) else {
            return completion(.failure(.unavailable("no link to controller leader \(leader)")))
        }
        forwarded[request] = (sweeps + Self.forwardTimeoutSweeps, completion)
    }

    /// Proposes an encoded command to the local controller replica (which leads) and completes
    /// once it is applied here.
    private func proposeHere(_ encoded: [UInt8], completion: @escaping Completion) {
        let batch = RecordBatchBuilder.batch([NewRecord(value: encoded, timestamp: Int64(Date().timeIntervalSince1970 * 1000))])
        host.propose(batch, to: .controller) { [applier] result in
            switch result {
            case .success(let offsets):
                applier.whenApplied(offsets.lowerBound) { applied in
                    completion(applied.mapError { .rejected(errorCode: $0.kafkaErrorCode, message: $0.message) })
                }
            case .failure(let failure):
                completion(.failure(.unavailable("\(failure)")))
            }
        }
    }

    /// Handles a node message addressed to the controller service.
    func receive(_ message: NodeMessage, from peer: NodeID) {
        switch message {
        case .proposeCommand(let request, let command):
            let answer: Completion = { [sendFrame, host, leader] result in
                let reply: NodeMessage
                switch result {
                case .success:
                    reply = .commandResult(request: request, errorCode: 0, message: "", leaderHint: Int32(host.localID.rawValue))
                case .failure(.rejected(let code, let message)):
                    reply = .commandResult(request: request, errorCode: code, message: message, leaderHint: Int32(host.localID.rawValue))
                case .failure(.unavailable(let why)):
                    reply = .commandResult(request: request, errorCode: 41, message: why, leaderHint: leader().map { Int32($0.rawValue) } ?? -1)
                }
                _ = sendFrame(peer, reply.frame)
            }
            guard host.status(of: .controller)?.role == .leader else {
                return answer(.failure(.unavailable("node \(host.localID.rawValue) does not lead the controller")))
            }
            proposeHere(command, completion: answer)
        case .commandResult(let request, let errorCode, let message, _):
            guard let waiting = forwarded.removeValue(forKey: request) else { return }
            switch errorCode {
            case 0: waiting.completion(.success(()))
            case 41: waiting.completion(.failure(.unavailable(message)))
            default: waiting.completion(.failure(.rejected(errorCode: errorCode, message: message)))
            }
        case .leaders:
            preconditionFailure("leader reports are not the controller service's")
        }
    }

    /// Fails forwarded commands whose answer is overdue. Called periodically.
    func sweep() {
        sweeps += 1
        let overdue = forwarded.filter { $0.value.deadline <= sweeps }
        for (request, waiting) in overdue {
            forwarded[request] = nil
            waiting.completion(.failure(.unavailable("the controller leader did not answer in time")))
        }
    }

    /// Fails everything waiting (shutdown).
    func close() {
        let all = forwarded
        forwarded = [:]
        for waiting in all.values { waiting.completion(.failure(.unavailable("node shutting down"))) }
    }
}
