import FacilityMapKit
import Foundation
import XCTest

/// A test case with a temporary folder, the fixtures, the repository's GeoData, and a way to run the CLI.
class ImportTestCase: XCTestCase {
    var folder: URL!

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func fixture(_ name: String) -> String {
        Self.repository.appendingPathComponent("Tests/FacilityMapKitTests/Fixtures/\(name)").path
    }

    func geoData(_ name: String) -> String {
        Self.repository.appendingPathComponent("GeoData/\(name)").path
    }

    /// Writes `bytes` to a temporary file and returns its path.
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        try Data(bytes).write(to: URL(fileURLWithPath: path(name)))
        return path(name)
    }

    func file(_ name: String, _ text: String) throws -> String { try file(name, Array(text.utf8)) }

    /// A new, empty store named `name`: a SQLite store in the temporary folder (`…OnPostGISTests` override it).
    func emptyStore(_ name: String) throws -> any RegistryStore {
        try SQLiteStore(path: path(name))
    }

    /// A store holding the 15 real Luoyang boundaries (city and districts).
    func luoyangStore(_ name: String = "store.sqlite") throws -> any RegistryStore {
        let store = try emptyStore(name)
        let summary = try UnitImporter().run(path: geoData("luoyang/districts.geojson"), into: store)
        XCTAssertEqual(summary.new, 15)
        return store
    }

    /// Every facility in the store, in id order.
    func facilities(_ store: any RegistryStore) throws -> [Facility] {
        var all: [Facility] = []
        try store.forEachFacility { all.append($0) }
        return all
    }
}
