import Foundation

/// The cluster under test, driven through the `cluster/` scripts (up, down, kill, start) in the
/// run folder, and observed through each node's `/v1/status`.
public final class ClusterControl: @unchecked Sendable {
    let repoRoot: String
    let dir: String
    let nodeCount: Int
    let portBase: Int
    let log: FileHandleBox

    /// One Raft group as a node sees it.
    struct GroupView {
        var group: Int; var role: String; var leader: Int?; var commitIndex: Int64; var highWatermark: Int64
        /// Scrub passes over the replica's whole log since it opened (see ARCHITECTURE.md, "Scrub").
        var scrubPasses: Int64
    }
    /// A node's `/v1/status`.
    struct NodeView { var node: Int; var controllerLeader: Int?; var groups: [GroupView] }

    init(repoRoot: String, dir: String, nodeCount: Int, portBase: Int, log: FileHandleBox) {
        precondition(nodeCount >= 1 && nodeCount <= 16, "cluster/up supports 1 to 16 nodes")
        self.repoRoot = repoRoot
        self.dir = dir
        self.nodeCount = nodeCount
        self.portBase = portBase
        self.log = log
    }

    var nodeIDs: [Int] { Array(1...nodeCount) }
    var bootstrap: String { nodeIDs.map { "127.0.0.\($0):\(portBase + 92)" }.joined(separator: ",") }
    func name(_ id: Int) -> String { "n\(id)" }

    /// `cluster/up`; throws with its output when the cluster does not come up.
    func up(extraFlags: [String]) async throws {
        let result = await Shell.run([repoRoot + "/cluster/up", "--dir", dir, "--port-base", String(portBase),
                                "-n", String(nodeCount)] + extraFlags, timeoutSeconds: 1_800, logTo: log)
        guard result.status == 0 else { throw HarnessError("cluster/up failed (status \(result.status)):\n\(result.output)") }
    }

    /// `cluster/down` (SIGCONT, SIGTERM, SIGKILL after 15 s).
    func down() async { await Shell.run([repoRoot + "/cluster/down", "--dir", dir], timeoutSeconds: 40, logTo: log) }

    /// Starts a stopped or crashed node again.
    @discardableResult
    func start(_ id: Int) async -> Bool {
        await Shell.run([repoRoot + "/cluster/start", String(id), "--dir", dir], logTo: log).status == 0
    }

    /// Sends `signal` to the nodes' processes directly (no helper, so several nodes are hit at
    /// the same moment: a power cut of many); false when a node was not running.
    func signalNow(_ ids: [Int], _ signal: Int32) -> Bool {
        let pids = ids.map(pid)
        var ok = true
        for pid in pids {
            guard let pid, kill(pid, signal) == 0 else { ok = false; continue }
        }
        return ok
    }

    private func pid(_ id: Int) -> pid_t? {
        guard let text = try? String(contentsOfFile: "\(dir)/node\(id)/pid", encoding: .utf8),
              let pid = Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)), pid > 0 else { return nil }
        return pid
    }

    /// Whether the node's process is alive and not a zombie (read from /proc, no helper).
    func isRunning(_ id: Int) -> Bool {
        guard let pid = pid(id), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        // The state letter follows the command name in parentheses: "pid (comm) S ...".
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != nil && state != "Z" && state != "X"
    }

    /// The node's `/v1/status`, asked from its own address, or nil if it does not answer in 1 s.
    func status(_ id: Int) async -> NodeView? {
        let url = "http://127.0.0.\(id):\(portBase + 644)/v1/status"
        let result = await Shell.run(["curl", "-fsS", "--max-time", "1", "--interface", "127.0.0.\(id)", url], timeoutSeconds: 3)
        guard result.status == 0,
              let json = try? JSONSerialization.jsonObject(with: Data(result.output.utf8)) as? [String: Any],
              let groups = json["groups"] as? [[String: Any]] else { return nil }
        return NodeView(node: id, controllerLeader: (json["controllerLeader"] as? NSNumber)?.intValue, groups: groups.compactMap { g in
            guard let group = (g["group"] as? NSNumber)?.intValue, let commit = (g["commitIndex"] as? NSNumber)?.int64Value,
                  let hw = (g["highWatermark"] as? NSNumber)?.int64Value else { return nil }
            return GroupView(group: group, role: g["role"] as? String ?? "?", leader: (g["leader"] as? NSNumber)?.intValue,
                             commitIndex: commit, highWatermark: hw,
                             scrubPasses: (g["scrubPasses"] as? NSNumber)?.int64Value ?? 0)
        })
    }

    /// Whether the cluster has converged: every node answers, every group has a leader that is
    /// a leader in its own view, every replica's commit index equals its leader's, and every
    /// replica has re-checked its whole log since it opened (so damage a fault left is found and
    /// refilled before the dumps read it).
    enum Convergence {
        /// Converged: every node's status.
        case converged([NodeView])
        /// Not yet, and the first thing found that is not there yet.
        case waiting(String)
    }

    /// Where the cluster stands (see ``Convergence``).
    func convergence() async -> Convergence {
        var views: [NodeView] = []
        for id in nodeIDs {
            guard isRunning(id) else {
                // Every fault that stops a node starts it again before convergence is asked for,
                // so a node that is gone now died by itself or failed to start: say so, not only
                // that it does not answer.
                return .waiting("node \(id) is not running: it exited or did not start again (see the end of cluster/node\(id)/node.log)")
            }
            guard let view = await status(id) else { return .waiting("node \(id) does not answer /v1/status") }
            views.append(view)
        }
        let byNode = Dictionary(uniqueKeysWithValues: views.map { ($0.node, $0) })
        for view in views {
            for group in view.groups {
                let replica = "group \(group.group) on n\(view.node)"
                guard let leader = group.leader, let leaderView = byNode[leader],
                      let own = leaderView.groups.first(where: { $0.group == group.group }), own.role == "leader" else {
                    return .waiting("\(replica) knows no leader that leads it")
                }
                guard own.commitIndex == group.commitIndex else {
                    return .waiting("\(replica) has commit index \(group.commitIndex), its leader n\(leader) \(own.commitIndex)")
                }
                guard group.scrubPasses >= 1 else { return .waiting("\(replica) has not scrubbed its log since it opened") }
            }
        }
        return .converged(views)
    }

    /// Partition directories of one node: partition number and Raft group per directory.
    func partitionDirectories(node id: Int, topic: String) -> [(partition: Int, path: String)] {
        let base = "\(dir)/node\(id)/data/partitions"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []
        return names.compactMap { name in
            // <topic>-<p>-g<group>
            guard name.hasPrefix(topic + "-") else { return nil }
            let rest = name.dropFirst(topic.count + 1).split(separator: "-")
            guard rest.count == 2, let p = Int(rest[0]), rest[1].hasPrefix("g") else { return nil }
            return (p, base + "/" + name)
        }
    }

    /// The Raft group of a partition directory name (`...-g<group>`).
    static func group(ofDirectory path: String) -> Int? {
        guard let last = path.split(separator: "-").last, last.hasPrefix("g") else { return nil }
        return Int(last.dropFirst())
    }
}
