import ArgumentParser
import Foundation
import KafkaProtocol
import TributaryClient

/// What every client command (`topics`, `produce`, `consume`, `groups`, `perf`) takes: where the
/// cluster is, and how long a request may wait.
struct ClusterOptions: ParsableArguments {
    /// The bootstrap list used when `--bootstrap` is not given.
    static var defaultBootstrap: String {
        ProcessInfo.processInfo.environment["TRIBUTARY_BOOTSTRAP"] ?? "127.0.0.1:19092"
    }

    @Option(name: .long, help: ArgumentHelp(
        "The cluster's Kafka bootstrap servers; the default is $TRIBUTARY_BOOTSTRAP when set.",
        valueName: "host:port,..."))
    var bootstrap: String = ClusterOptions.defaultBootstrap

    @Option(name: .customLong("request-timeout-ms"), help: ArgumentHelp(
        "How long one request may wait for its answer; also bounds the first connection.", valueName: "ms"))
    var requestTimeoutMs: Int64 = 30_000

    func validate() throws {
        do { _ = try BrokerAddress.parseList(bootstrap) } catch {
            throw ValidationError("--bootstrap: \(error.message)")
        }
        guard (1...3_600_000).contains(requestTimeoutMs) else {
            throw ValidationError("--request-timeout-ms must be in 1...3600000")
        }
    }

    /// The client options these flags describe.
    var clientOptions: ClientOptions {
        var options = ClientOptions()
        options.connection.clientId = "tributary-cli"
        options.connection.requestTimeout = .milliseconds(requestTimeoutMs)
        options.connection.timeoutCheckInterval = .milliseconds(min(100, requestTimeoutMs))
        return options
    }

    /// Opens a client, checks that some bootstrap server answers, runs `body`, and closes the
    /// client. Any failure is printed as one line, `tributary COMMAND: what went wrong`, on
    /// stderr, and becomes exit status 1; an ``ExitCode`` thrown by `body` passes through.
    /// - Parameters:
    ///   - command: the command's name for the error line (`topics create`).
    ///   - body: the command's work.
    func withClient(_ command: String, _ body: (KafkaClient) async throws -> Void) async throws {
        let client: KafkaClient
        do { client = try KafkaClient(bootstrapServers: bootstrap, options: clientOptions) } catch {
            Stderr.line("tributary \(command): \(CommandFailure.describe(error, bootstrap: bootstrap))")
            throw ExitCode.failure
        }
        var failure: (any Error)?
        do {
            try await firstConnection(client)
            try await body(client)
        } catch {
            failure = error
        }
        await client.close()
        guard let failure else { return }
        if let exit = failure as? ExitCode { throw exit }
        Stderr.line("tributary \(command): \(CommandFailure.describe(failure, bootstrap: bootstrap))")
        throw ExitCode.failure
    }

    /// One connection attempt per bootstrap server, bounded by the request timeout, so that an
    /// unreachable cluster fails at once instead of after the client's retries.
    private func firstConnection(_ client: KafkaClient) async throws {
        let timeout = Duration.milliseconds(requestTimeoutMs)
        let bootstrap = self.bootstrap
        try await Deadline.run(timeout, CommandFailure("cannot reach the cluster at \(bootstrap): no answer within \(requestTimeoutMs) ms")) {
            do { _ = try await client.anyConnection() } catch {
                throw CommandFailure("cannot reach the cluster at \(bootstrap): \((error as? KafkaClientError)?.message ?? "\(error)")")
            }
        }
    }
}

/// A command's failure, as the one line it prints.
struct CommandFailure: Error, CustomStringConvertible {
    /// The sentence printed after `tributary COMMAND:`.
    let message: String

    init(_ message: String) { self.message = message }

    var description: String { message }

    /// One line for any error a command meets, with a hint where the client's words are terse.
    static func describe(_ error: any Error, bootstrap: String) -> String {
        switch error {
        case let failure as CommandFailure:
            return failure.message
        case let client as KafkaClientError:
            switch client.kind {
            case .unsupportedVersion:
                return "\(client.message) (the cluster does not serve this request)"
            case .connectionClosed, .timedOut:
                return "\(client.message) (bootstrap \(bootstrap))"
            default:
                return client.message
            }
        default:
            return "\(error)"
        }
    }
}

/// Writes to the standard error stream, unbuffered, so that progress and summaries interleave
/// correctly with the data on stdout.
enum Stderr {
    /// Writes `text` and a newline.
    static func line(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Runs work against a time limit.
enum Deadline {
    /// Runs `body` and returns its result, or throws `timeoutError` when `timeout` passes first.
    /// The body is not cancelled (the client's connect cannot be): the command fails and exits.
    static func run<Result: Sendable>(
        _ timeout: Duration, _ timeoutError: any Error, _ body: @escaping @Sendable () async throws -> Result
    ) async throws -> Result {
        let once = ResumeFirst<Result>()
        return try await withCheckedThrowingContinuation { continuation in
            once.set(continuation)
            Task {
                do { once.resume(.success(try await body())) } catch { once.resume(.failure(error)) }
            }
            Task {
                try? await Task.sleep(for: timeout)
                once.resume(.failure(timeoutError))
            }
        }
    }
}

/// A continuation resumed by whichever outcome arrives first; later ones are dropped.
private final class ResumeFirst<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, any Error>?

    func set(_ continuation: CheckedContinuation<Value, any Error>) {
        lock.lock()
        defer { lock.unlock() }
        precondition(self.continuation == nil, "continuation set twice")
        self.continuation = continuation
    }

    func resume(_ outcome: Result<Value, any Error>) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(with: outcome)
    }
}

/// Parses `key=value` settings given with a repeatable flag (`--config`).
enum KeyValueSettings {
    /// The settings by key.
    /// - Throws: ``ValidationError`` naming the flag and the entry without `=` or with an empty key
    ///   or repeated key.
    static func parse(_ entries: [String], flag: String) throws -> [String: String] {
        var settings: [String: String] = [:]
        for entry in entries {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                throw ValidationError("\(flag) '\(entry)' is not key=value")
            }
            let key = String(entry[..<equals])
            guard settings[key] == nil else { throw ValidationError("\(flag) sets '\(key)' twice") }
            settings[key] = String(entry[entry.index(after: equals)...])
        }
        return settings
    }
}
