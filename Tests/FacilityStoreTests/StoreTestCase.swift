import FacilityGeometry
import FacilityModel
import FacilityRegistry
@testable import FacilityStore
import Foundation
import XCTest

/// A test case with a fresh temporary folder for store files.
class StoreTestCase: XCTestCase {
    var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    func path(_ name: String) -> String { folder.appendingPathComponent(name).path }

    func hospital(_ id: String, name: String = "洛阳市中心医院", beds: Int? = 100) -> Facility {
        Facility(id: id, name: name, kind: .hospital, location: LonLat(112.43371, 34.71248), unit: "410302", beds: beds,
                 opened: Day(parsing: "1951"), attributes: ["phone": "0379-63892222"])
    }

    func square(_ lon: Double, _ lat: Double, size: Double = 0.1) -> MultiPolygon {
        MultiPolygon([Polygon(exterior: [LonLat(lon, lat), LonLat(lon + size, lat), LonLat(lon + size, lat + size),
                                                    LonLat(lon, lat + size), LonLat(lon, lat)], holes: [])])
    }
}
