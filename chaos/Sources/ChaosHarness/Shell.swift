import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs helper programs (the cluster scripts, nft, curl) with a deadline, off the cooperative
/// thread pool (swift-subprocess waits asynchronously), so a slow helper never starves the
/// workload's tasks.
enum Shell {
    struct Result: Sendable { var status: Int32; var output: String }

    /// Output kept per helper run; the scripts print tables and build progress, not data.
    private static let outputBytesMax = 1 << 20

    /// Runs `arguments[0]` (a path, or a name looked up on PATH) with the rest; after `timeoutSeconds` it gets
    /// SIGTERM, then SIGKILL 2 s later, and the result has status 124 (as timeout(1) reports).
    @discardableResult
    static func run(_ arguments: [String], timeoutSeconds: Double = 30, logTo log: FileHandleBox? = nil) async -> Result {
        precondition(!arguments.isEmpty, "a command needs a program")
        let outcome = await withDeadline(seconds: timeoutSeconds) {
            var platform = PlatformOptions()
            platform.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
            let program = arguments[0]
            let executable: Executable = program.contains("/") ? .path(FilePath(program)) : .name(program)
            return try await Subprocess.run(executable, arguments: Arguments(Array(arguments.dropFirst())),
                                     platformOptions: platform,
                                     output: .string(limit: outputBytesMax), error: .combinedWithOutput)
        }
        let result: Result
        switch outcome {
        case .value(let finished):
            let status: Int32
            switch finished.terminationStatus {
            case .exited(let code): status = code
            case .signaled(let signal): status = 128 + signal
            }
            result = Result(status: status, output: finished.standardOutput)
        case .error(let error): result = Result(status: 127, output: "\(error)\n")
        case .timedOut: result = Result(status: 124, output: "timed out after \(timeoutSeconds) s\n")
        }
        log?.write("$ \(arguments.joined(separator: " "))\n\(result.output)")
        return result
    }
}
