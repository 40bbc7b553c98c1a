import Foundation
import XCTest

/// A test case with the Luoyang demo's store (2025) in a temporary folder, and the binary run against it.
class DemoStoreTestCase: XCTestCase {
    var folder: URL!
    var store: String { folder.appendingPathComponent("demo/facilitymap.sqlite").path }

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-\(type(of: self))-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        XCTAssertEqual(try run(["demo", "--out", "demo", "--year", "2025"]).status, 0)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func run(_ arguments: [String]) throws -> CLITests.Result {
        try CLITests.run(arguments, in: folder, environment: ["FACILITYMAP_STORE": store])
    }
}
