@testable import FacilityFormats
import FacilityGeometry
import XCTest

final class ShapefileTests: XCTestCase {
    /// A `.dbf` field name holds 10 bytes: long names are known by their cuts, as UTF-8 and as GBK.
    func testFieldNamesAreCutAsADBFCutsThem() {
        XCTAssertEqual(ShapefileFeatureSource.fieldNames(for: "population"), ["population"])
        XCTAssertEqual(ShapefileFeatureSource.fieldNames(for: "parent_adcode"), ["parent_adcode", "parent_adc"])
        XCTAssertEqual(ShapefileFeatureSource.fieldNames(for: "常住人口数"), ["常住人口数", "常住人"], "GBK holds all five")
        XCTAssertEqual(ShapefileFeatureSource.fieldNames(for: "行政区划代码"), ["行政区划代码", "行政区", "行政区划代"])
    }

    /// Clockwise rings are outer boundaries; a counter-clockwise ring is a hole of the smallest outer ring holding it.
    func testRingsAreGroupedIntoPolygonsByTheirOrientation() {
        func ring(_ points: [(Double, Double)]) -> [LonLat] { points.map { LonLat($0.0, $0.1) } }
        let big = ring([(0, 0), (0, 10), (10, 10), (10, 0), (0, 0)])          // clockwise
        let small = ring([(2, 2), (2, 8), (8, 8), (8, 2), (2, 2)])             // clockwise, inside big
        let hole = ring([(3, 3), (5, 3), (5, 5), (3, 5), (3, 3)])              // counter-clockwise, inside small
        let apart = ring([(20, 0), (20, 1), (21, 1), (21, 0), (20, 0)])        // clockwise
        guard case let .multiPolygon(grouped) = ShapefileFeatureSource.polygons([big, small, hole, apart]) else {
            return XCTFail("three outer rings make a multipolygon")
        }
        XCTAssertEqual(grouped.polygons.map(\.holes.count), [0, 1, 0])
        XCTAssertEqual(grouped.polygons[1].holes, [hole])
        XCTAssertEqual(ShapefileFeatureSource.polygons([big]), .polygon(Polygon(exterior: big)))
    }

    /// Damaged files give an error, never a crash: garbage, cut archives, a directory pointing past the end, a shape
    /// file whose records claim more than they hold.
    func testDamagedFilesAreRefusedWithoutACrash() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("shp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var generator = SystemRandomNumberGenerator()
        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let path = folder.appendingPathComponent(name).path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
        // An end-of-directory record that points past the end, and one entry claiming a huge size.
        var eocd: [UInt8] = [0x50, 0x4B, 0x05, 0x06, 0, 0, 0, 0, 1, 0, 1, 0, 46, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 0]
        var archives: [[UInt8]] = [[], [0x50, 0x4B], eocd, (0..<300).map { _ in UInt8.random(in: 0...255, using: &generator) }]
        var entry = [UInt8](repeating: 0, count: 46)
        entry[0...3] = [0x50, 0x4B, 0x01, 0x02]
        entry[10] = 8
        entry[24...27] = [0xFF, 0xFF, 0xFF, 0x7F]  // two gigabytes from nothing
        eocd[16...19] = [30, 0, 0, 0]
        archives.append([0x50, 0x4B, 0x03, 0x04] + [UInt8](repeating: 0, count: 26) + entry + eocd)
        for (i, bytes) in archives.enumerated() {
            let path = try write("a\(i).zip", bytes)
            XCTAssertThrowsError(try ShapefileFeatureSource(zip: path, into: folder.path).forEachFeature(limits: GeoJSONLimits()) { _ in }) {
                XCTAssertTrue($0 is ShapefileError, "\($0)")
            }
        }
        // A .shp header, then a polygon record that claims more parts and points than it holds.
        var shp = [UInt8](repeating: 0, count: 100)
        shp[0...3] = [0, 0, 0x27, 0x0A]
        var record: [UInt8] = [0, 0, 0, 1, 0, 0, 0, 22] + [5, 0, 0, 0] + [UInt8](repeating: 0, count: 32)
        record += [0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 0, 0]
        shp += record
        _ = try write("b.shp", shp)
        // A table with no fields and no records: a 33-byte header, records of one byte (the deletion flag).
        let emptyTable: [UInt8] = [3] + [UInt8](repeating: 0, count: 7) + [33, 0, 1, 0] + [UInt8](repeating: 0, count: 20) + [0x0D]
        _ = try write("b.dbf", emptyTable)
        var outcomes: [Result<Feature, FeatureError>] = []
        try ShapefileFeatureSource(path: folder.appendingPathComponent("b.shp").path).forEachFeature(limits: GeoJSONLimits()) { outcomes.append($0) }
        XCTAssertEqual(outcomes.count, 1)
        if case .success = outcomes.first { XCTFail("a record that does not hold its points is not a feature") }
        for cut in [0, 50, 99] {
            _ = try write("c.shp", Array(shp.prefix(cut)))
            _ = try write("c.dbf", emptyTable)
            XCTAssertThrowsError(try ShapefileFeatureSource(path: folder.appendingPathComponent("c.shp").path).forEachFeature(limits: GeoJSONLimits()) { _ in })
        }
    }
}
