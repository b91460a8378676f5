extension ApiVersionsResponse {
    /// The implemented APIs and versions, as ApiVersions advertises them: derived from
    /// `ApiKey.supportedVersions`, so nothing unimplemented is ever advertised.
    public static let supportedApis: [ApiVersion] = ApiKey.allCases
        .sorted { $0.rawValue < $1.rawValue }
        .map { ApiVersion(apiKey: $0.rawValue, minVersion: $0.supportedVersions.lowerBound,
                          maxVersion: $0.supportedVersions.upperBound) }

    /// The answer to an ApiVersions request.
    /// - Parameters:
    ///   - apis: the APIs the server answers (a subset of the implemented ones); all by default.
    ///   - errorCode: `.noError`, or `.unsupportedVersion` when the request's version is not
    ///     implemented (then send it as version 0).
    ///   - throttleTimeMs: how long the client should wait before its next request.
    public static func advertising(
        _ apis: Set<ApiKey> = Set(ApiKey.allCases), errorCode: ErrorCode = .noError, throttleTimeMs: Int32 = 0
    ) -> ApiVersionsResponse {
        ApiVersionsResponse(
            errorCode: errorCode.rawValue, apiKeys: supportedApis.filter { api in apis.contains { $0.rawValue == api.apiKey } },
            throttleTimeMs: throttleTimeMs)
    }
}
