import Testing
@testable import Transport

@Suite struct LibUVLinkTests {
    @Test func linkedLibUVReportsAVersionOfAtLeastOnePointForty() throws {
        let parts = LibUVVersion.string.split(separator: ".").compactMap { Int($0) }
        #expect(parts.count == 3)
        #expect(parts[0] == 1 && parts[1] >= 40)
    }
}
