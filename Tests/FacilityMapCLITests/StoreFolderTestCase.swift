import Foundation
import XCTest

/// A test of the built binary in a temporary folder of its own, with a SQLite store there (`store`) that `run` passes.
class StoreFolderTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-\(type(of: self))-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    var store: String { folder.appendingPathComponent("store.sqlite").path }

    /// Runs `facilitymap arguments --store STORE` in the folder.
    func run(_ arguments: [String]) throws -> CLITests.Result {
        try CLITests.run(arguments + ["--store", store], in: folder, environment: [:])
    }
}
