import ChaosCheck
import Foundation
import SeededRandom

/// Fault kinds the harness can inject (`--faults`).
public enum FaultKind: String, CaseIterable, Sendable {
    /// `kill -9` of a random node, restarted after the hold.
    case kill
    /// `kill -9` of a current leader (of a partition or of the controller group).
    case leaderKill = "leader-kill"
    /// SIGSTOP for longer than the election timeout, then SIGCONT.
    case pause
    /// nftables drops between node addresses: one node isolated, the leader isolated,
    /// a majority/minority split, or a bridge (two sides that share one node).
    case partition
    /// nftables drops between a current leader and every other node (its writes cannot commit).
    case leaderPartition = "leader-partition"
    /// A graceful stop (SIGTERM: leadership handed off) and a start.
    case restart
    /// `kill -9` during writes, then a partly written batch appended to the end of each active
    /// segment of the topic on that node (what a crash mid-write leaves), then a start.
    case tornTail = "torn-tail"
    /// `kill -9`, one byte flipped inside a stored batch of one partition on that node (a
    /// minority of one), then a start: the node must detect it and never serve it.
    case corrupt
    /// `kill -9` of one node, of a majority or of all nodes at once, with the nodes started
    /// under `[unsafe_testing] simulated_power_loss`: every byte not fsynced is lost.
    case powerLoss = "power-loss"

    /// Whether the nodes must run with the simulated power loss setting for this fault.
    var needsSimulatedPowerLoss: Bool { self == .powerLoss }
}

/// One injected fault: its kind, the nodes or links it hit, when it began and when it was healed (ns).
struct FaultWindow: Sendable {
    var kind: FaultKind
    var targets: [String]
    var start: Int64
    var healed: Int64
}

/// Injects one fault at a time on a schedule drawn from the seed, heals it, waits, and repeats.
/// Every injection and heal is an event in the history.
final class FaultInjector: @unchecked Sendable {
    let cluster: ClusterControl
    let network: Network
    let history: HistoryRecorder
    let kinds: [FaultKind]
    let topic: String
    private var random: SplitMix64
    private let lock = NSLock()
    private var current = "none"
    /// Every fault injected so far, in order. Bounded by the run's duration over the 2 s minimum gap.
    private(set) var windows: [FaultWindow] = []

    init(cluster: ClusterControl, network: Network, history: HistoryRecorder, kinds: [FaultKind], topic: String, seed: UInt64) {
        precondition(!kinds.isEmpty, "at least one fault kind")
        self.cluster = cluster; self.network = network; self.history = history; self.kinds = kinds; self.topic = topic
        random = SplitMix64(seed: seed)
    }

    /// What is injected right now, for the progress line.
    var currentFault: String { lock.lock(); defer { lock.unlock() }; return current }
    private func setCurrent(_ text: String) { lock.lock(); current = text; lock.unlock() }

    private func record(_ kind: String, _ targets: [String], ok: Bool = true) {
        history.record(process: nil, type: ok ? .info : .fail, .fault(FaultOperation(kind: kind, targets: targets)))
    }

    /// Injects faults until `stop()` says so: a gap of 2–5 s, then a fault held 4–8 s (longer
    /// than the election timeout), then its heal.
    func run(until stop: @escaping @Sendable () -> Bool) async {
        while !stop() {
            try? await Task.sleep(nanoseconds: UInt64.random(in: 2_000_000_000...5_000_000_000, using: &random))
            if stop() { break }
            let kind = kinds.randomElement(using: &random)!
            let hold = UInt64.random(in: 4_000_000_000...8_000_000_000, using: &random)
            let start = history.nowNanos()
            let targets = await inject(kind, holdNanos: hold)
            windows.append(FaultWindow(kind: kind, targets: targets, start: start, healed: history.nowNanos()))
            setCurrent("none")
        }
    }

    /// Injects and heals one fault; returns its targets.
    private func inject(_ kind: FaultKind, holdNanos: UInt64) async -> [String] {
        let nodes = cluster.nodeIDs
        switch kind {
        case .kill, .leaderKill:
            var victim = nodes.randomElement(using: &random)!
            if kind == .leaderKill { victim = await someLeader() ?? victim }
            setCurrent("\(kind.rawValue) n\(victim)")
            record(kind.rawValue, ["n\(victim)"], ok: cluster.signalNow([victim], SIGKILL))
            try? await Task.sleep(nanoseconds: holdNanos)
            await restart([victim])
            return ["n\(victim)"]
        case .pause:
            let victim = nodes.randomElement(using: &random)!
            setCurrent("pause n\(victim)")
            record("pause", ["n\(victim)"], ok: cluster.signalNow([victim], SIGSTOP))
            try? await Task.sleep(nanoseconds: holdNanos)
            record("resume", ["n\(victim)"], ok: cluster.signalNow([victim], SIGCONT))
            return ["n\(victim)"]
        case .restart:
            let victim = nodes.randomElement(using: &random)!
            setCurrent("restart n\(victim)")
            record("restart", ["n\(victim)"], ok: cluster.signalNow([victim], SIGTERM))
            await restart([victim])
            return ["n\(victim)"]
        case .partition, .leaderPartition:
            let (shape, links) = await partitionLinks(isolatingALeader: kind == .leaderPartition)
            let names = links.map { "n\($0.0)-n\($0.1)" }
            setCurrent("partition (\(shape))")
            record("partition", names, ok: await network.cut(links))
            try? await Task.sleep(nanoseconds: holdNanos)
            await network.heal()
            record("heal", names)
            return names
        case .tornTail, .corrupt:
            let victim = nodes.randomElement(using: &random)!
            setCurrent("\(kind.rawValue) n\(victim)")
            record("kill", ["n\(victim)"], ok: cluster.signalNow([victim], SIGKILL))
            await waitStopped([victim])
            // The files change only while the node is down, as a crash mid-write or a bad disk would leave them.
            let detail = kind == .tornTail ? tearTails(node: victim) : corruptOneBatch(node: victim)
            cluster.log.write("\(kind.rawValue) n\(victim): \(detail ?? "no segment to damage")\n")
            record(kind.rawValue, ["n\(victim)"], ok: detail != nil)
            try? await Task.sleep(nanoseconds: holdNanos / 2)
            await restart([victim])
            return ["n\(victim)"]
        case .powerLoss:
            // One node, a majority, or every node at once (all signalled in one loop, no helper).
            let count = [1, nodes.count / 2 + 1, nodes.count].randomElement(using: &random)!
            let victims = Array(nodes.shuffled(using: &random).prefix(count)).sorted()
            let names = victims.map { "n\($0)" }
            setCurrent("power-loss \(names.joined(separator: ","))")
            record("power-loss", names, ok: cluster.signalNow(victims, SIGKILL))
            try? await Task.sleep(nanoseconds: holdNanos / 2)
            await restart(victims)
            return names
        }
    }

    /// The links to cut for one partition, and a name for its shape.
    private func partitionLinks(isolatingALeader: Bool) async -> (String, [(Int, Int)]) {
        let nodes = cluster.nodeIDs
        let shuffled = nodes.shuffled(using: &random)
        func between(_ a: [Int], _ b: [Int]) -> [(Int, Int)] { a.flatMap { x in b.map { y in (min(x, y), max(x, y)) } } }
        switch isolatingALeader ? 1 : Int.random(in: 0..<4, using: &random) {
        case 0 where nodes.count >= 3:
            // A bridge: two sides that cannot see each other, and one node both sides see.
            let bridge = shuffled[0], rest = Array(shuffled.dropFirst())
            let left = Array(rest.prefix(rest.count / 2)), right = Array(rest.dropFirst(rest.count / 2))
            return ("bridge n\(bridge)", between(left, right))
        case 1:
            if let leader = await someLeader() {
                return ("isolated leader n\(leader)", between([leader], nodes.filter { $0 != leader }))
            }
            fallthrough
        case 2 where nodes.count >= 5:
            let minority = Array(shuffled.prefix(nodes.count / 2))
            return ("minority \(minority.map { "n\($0)" }.joined(separator: ","))", between(minority, Array(shuffled.dropFirst(minority.count))))
        default:
            return ("isolated n\(shuffled[0])", between([shuffled[0]], Array(shuffled.dropFirst())))
        }
    }

    /// A current leader: of a partition of the topic or of the controller, as some node reports it.
    private func someLeader() async -> Int? {
        for id in cluster.nodeIDs.shuffled(using: &random) {
            guard let view = await cluster.status(id) else { continue }
            let leaders = view.groups.compactMap(\.leader) + (view.controllerLeader.map { [$0] } ?? [])
            if let pick = leaders.randomElement(using: &random) { return pick }
        }
        return nil
    }

    private func waitStopped(_ ids: [Int]) async {
        let deadline = Date().addingTimeInterval(20)
        while ids.contains(where: cluster.isRunning) && Date() < deadline { try? await Task.sleep(nanoseconds: 50_000_000) }
    }

    /// Waits for the nodes to be gone, then starts them again (a heal event each).
    private func restart(_ ids: [Int]) async {
        await waitStopped(ids)
        for id in ids { record("heal", ["n\(id)"], ok: await cluster.start(id)) }
    }

    // MARK: Damage to files

    /// Appends to the last segment of each of the topic's partitions on `node` the first bytes
    /// of a batch that never finished (random bytes); returns what was torn, nil when nothing.
    private func tearTails(node: Int) -> String? {
        var torn: [String] = []
        for (_, directory) in cluster.partitionDirectories(node: node, topic: topic) {
            guard let segment = Self.segments(in: directory).last,
                  let handle = FileHandle(forWritingAtPath: segment) else { continue }
            let length = Int.random(in: 1...200, using: &random)
            var bytes = [UInt8](repeating: 0, count: length)
            for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &random) }
            handle.seekToEndOfFile()
            handle.write(Data(bytes))
            try? handle.close()
            torn.append("\(segment) +\(length) bytes")
        }
        return torn.isEmpty ? nil : torn.joined(separator: ", ")
    }

    /// Flips one byte at a random place inside one segment of one of the topic's partitions on
    /// `node` (past the first 61 bytes, so that it hits stored batch bytes); returns the file
    /// and position, nil when there was nothing to corrupt.
    private func corruptOneBatch(node: Int) -> String? {
        let directories = cluster.partitionDirectories(node: node, topic: topic)
        guard let (_, directory) = directories.randomElement(using: &random),
              let segment = Self.segments(in: directory).filter({ Self.fileSize($0) > 61 }).randomElement(using: &random),
              let handle = FileHandle(forUpdatingAtPath: segment) else { return nil }
        defer { try? handle.close() }
        let position = UInt64.random(in: 61..<UInt64(Self.fileSize(segment)), using: &random)
        handle.seek(toFileOffset: position)
        guard let old = try? handle.read(upToCount: 1), old.count == 1 else { return nil }
        handle.seek(toFileOffset: position)
        handle.write(Data([old[0] ^ UInt8.random(in: 1...255, using: &random)]))
        return "\(segment) byte \(position)"
    }

    /// The partition's segment files, oldest first (names are zero-padded base offsets).
    private static func segments(in directory: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasSuffix(".log") }.sorted().map { directory + "/" + $0 }
    }

    private static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    /// Heals everything: deletes the nft table, resumes paused nodes, starts stopped ones.
    func healAll() async {
        await network.heal()
        for id in cluster.nodeIDs {
            if cluster.isRunning(id) { _ = cluster.signalNow([id], SIGCONT) } else { await cluster.start(id) }
        }
    }
}
