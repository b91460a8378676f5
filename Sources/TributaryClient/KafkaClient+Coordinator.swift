import KafkaProtocol

extension KafkaClient {
    /// The broker that coordinates `group` (its joins, heartbeats and committed offsets), asked
    /// of any broker with FindCoordinator and retried while the answer is retriable (for
    /// example COORDINATOR_NOT_AVAILABLE while the group's partition elects a leader).
    public nonisolated func findCoordinator(group: String) async throws -> BrokerAddress {
        try await withRetries("FindCoordinator \(group)") { client in
            let response = try await client.anyConnection().send(FindCoordinatorRequest(key: group, keyType: 0))
            let code = ErrorCode(rawValue: response.errorCode)
            guard code == .noError else { throw KafkaClientError(.broker(code), "FindCoordinator \(group): \(code)") }
            guard let port = UInt16(exactly: response.port) else {
                throw KafkaClientError(.malformedResponse, "FindCoordinator \(group): port \(response.port)")
            }
            return BrokerAddress(host: response.host, port: port)
        }
    }
}
