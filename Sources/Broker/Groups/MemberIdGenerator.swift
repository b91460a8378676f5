/// Hands out member ids that are unique across coordinator incarnations without a clock or
/// randomness: `<client id prefix>-<salt>-<counter>`.
///
/// The salt must differ for every coordinator incarnation (e.g. node id and the offsets
/// partition's Raft term), so a new coordinator never reissues an id a client still holds.
struct MemberIdGenerator: Sendable {
    /// Longest client id prefix kept; the rest is dropped (ids only need to be unique).
    static let clientIdPrefixCharacterCountMax = 16
    /// Bound on the salt.
    static let saltBytesMax = 32
    /// Longest generated id: 16 characters of up to 4 bytes, the salt, a 64-bit counter, 2 dashes.
    static let memberIdBytesMax = clientIdPrefixCharacterCountMax * 4 + saltBytesMax + 20 + 2

    private let salt: String
    private var nextCounter: UInt64 = 0

    init(salt: String) {
        precondition(!salt.isEmpty && salt.utf8.count <= Self.saltBytesMax, "member id salt must be 1-32 bytes")
        self.salt = salt
    }

    mutating func next(clientId: String) -> String {
        defer { nextCounter += 1 }
        let prefix = clientId.isEmpty ? "member" : String(clientId.prefix(Self.clientIdPrefixCharacterCountMax))
        return "\(prefix)-\(salt)-\(nextCounter)"
    }
}
