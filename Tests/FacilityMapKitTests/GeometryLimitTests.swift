import FacilityGEOS
import FacilityMapKit
import Foundation
import XCTest

/// Units files built to cost GEOS (and the parser) as much as possible: each is bounded before GEOS sees it, or
/// within a budget while it works, and the file is refused naming the feature and the option that raises the limit.
final class GeometryLimitTests: ImportTestCase {
    static let triangle = "[[[112.40,34.60],[112.41,34.60],[112.405,34.61],[112.40,34.60]]]"

    /// One feature (on line 2 of the file) whose geometry is `geometry`, as the issue's files have it.
    func township(_ geometry: String, code: String = "410302001") -> String {
        """
        {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "\(code)", "name": "测试街道", "level": "township"}, "geometry": \(geometry)}
        ]}
        """
    }

    static func zigzag(teeth: Int) -> String {
        var ring: [String] = []
        for i in 0..<teeth { ring.append("[\(112.4 + 0.1 * Double(i) / Double(teeth)),\(34.6 + (i % 2 == 0 ? -0.01 : 0.01))]") }
        for i in 0..<teeth { ring.append("[\(112.5 - 0.1 * Double(i) / Double(teeth)),\(34.6 + (i % 2 == 0 ? -0.012 : 0.012))]") }
        ring.append(ring[0])
        return "{\"type\": \"Polygon\", \"coordinates\": [[\(ring.joined(separator: ","))]]}"
    }

    func testATownshipRepeatingOneTriangle50000TimesImportsAsOneTriangleWithAWarning() throws {
        // The upload that took the server to 24 GB: 3.2 MB, one MultiPolygon of one triangle 50,000 times.
        let geometry = "{\"type\": \"MultiPolygon\", \"coordinates\": [\(Array(repeating: Self.triangle, count: 50_000).joined(separator: ","))]}"
        let path = try file("repeats.geojson", township(geometry))
        XCTAssertGreaterThan(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int ?? 0, 3_000_000)
        let store = try emptyStore("s.sqlite")
        let started = Date()
        let summary = try UnitImporter().run(path: path, into: store)
        XCTAssertLessThan(Date().timeIntervalSince(started), 20)
        XCTAssertEqual(summary.line, "imported 1 row: 1 new, 0 updated, 0 unchanged, 0 rejected")
        XCTAssertEqual(summary.warnings, ["\(path):2: geometry: feature 0 (410302001 测试街道): 49999 of its 50000 polygons repeat another exactly — dropped"])
        XCTAssertEqual(try store.unit(code: "410302001")?.boundary?.polygons.count, 1)
    }

    func testAFeatureWithMorePositionsThanTheLimitRefusesTheFileNamingTheFeatureAndTheOption() throws {
        let store = try emptyStore("s.sqlite")
        let path = try file("zigzag.geojson", township(Self.zigzag(teeth: 1_000)))
        var importer = UnitImporter()
        importer.geometryLimits.verticesPerFeature = 1_500
        XCTAssertThrowsError(try importer.run(path: path, into: store)) { error in
            XCTAssertEqual("\(error)", "\(path):2: feature 0 has more than 1500 positions (vertices), the most one feature may have — nothing was imported; simplify the boundaries (e.g. ogr2ogr -simplify 0.00001), split the file, or raise the limit with --max-vertices-per-feature")
        }
        XCTAssertEqual(try store.unitCountsByLevel(), [:])
        // Raised, it goes in (repaired: the zigzag crosses itself at every tooth).
        importer.geometryLimits.verticesPerFeature = 2_001
        let summary = try importer.run(path: path, into: store)
        XCTAssertEqual(summary.rejected, 0)
        XCTAssertTrue(summary.warnings.first?.contains("repaired with MakeValid") ?? false, "\(summary.warnings)")
    }

    func testAFileWithMorePositionsThanTheLimitRefusesItAtTheFeatureThatCrossesIt() throws {
        let store = try emptyStore("s.sqlite")
        let features = (0..<5).map { i in
            "{\"type\": \"Feature\", \"properties\": {\"code\": \"41030200\(i)\", \"name\": \"街道\(i)\", \"level\": \"township\"}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\": \(Self.triangle)}}"
        }
        let path = try file("five.geojson", "{\"type\": \"FeatureCollection\", \"features\": [\n" + features.joined(separator: ",\n") + "\n]}")
        var importer = UnitImporter()
        importer.geometryLimits.vertices = 10  // four positions each: the third feature crosses it
        XCTAssertThrowsError(try importer.run(path: path, into: store)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path):4: the file has more than 10 positions (vertices) by this feature"), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("raise the limit with --max-vertices"), "\(error)")
        }
        XCTAssertEqual(try store.unitCountsByLevel(), [:])
    }

    func testAFeatureWithTooManyDistinctPartsIsRejectedAndTheOthersGoIn() throws {
        let store = try emptyStore("s.sqlite")
        let parts = (0..<30).map { i in
            let x = 112.40 + Double(i) * 0.02
            return "[[[\(x),34.60],[\(x + 0.01),34.60],[\(x + 0.005),34.61],[\(x),34.60]]]"
        }
        let many = "{\"type\": \"Feature\", \"properties\": {\"code\": \"410302001\", \"name\": \"多\", \"level\": \"township\"}, \"geometry\": {\"type\": \"MultiPolygon\", \"coordinates\": [\(parts.joined(separator: ","))]}}"
        let one = "{\"type\": \"Feature\", \"properties\": {\"code\": \"410302002\", \"name\": \"一\", \"level\": \"township\"}, \"geometry\": {\"type\": \"Polygon\", \"coordinates\": \(Self.triangle)}}"
        let path = try file("parts.geojson", "{\"type\": \"FeatureCollection\", \"features\": [\n\(many),\n\(one)\n]}")
        var importer = UnitImporter()
        importer.geometryLimits.partsPerFeature = 20
        let summary = try importer.run(path: path, into: store)
        XCTAssertEqual(summary.line, "imported 2 rows: 1 new, 0 updated, 0 unchanged, 1 rejected")
        XCTAssertEqual(summary.rejections.first?.description,
                       "\(path):2: geometry: feature 0: 30 polygons, more than the 20 one unit may have — dissolve or simplify it in the source, or raise the limit with --max-parts-per-feature")
        // Over the file's limit the file is refused.
        importer.geometryLimits.partsPerFeature = 100
        importer.geometryLimits.parts = 25
        XCTAssertThrowsError(try importer.run(path: path, into: store)) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(path):2: geometry: feature 0 (410302001 多): the file has more than 25 polygons (parts)"), "\(error)")
            XCTAssertTrue("\(error)".hasSuffix("--max-parts"), "\(error)")
        }
        XCTAssertEqual(try store.units().map(\.code), ["410302002"])
    }

    func testSpentTimeOrMemoryRefusesTheFileNamingTheFeatureAndLeavesTheStoreAsItWas() throws {
        let store = try luoyangStore()
        let before = try store.units().count
        let path = try file("zigzag.geojson", township(Self.zigzag(teeth: 200_000)))
        var importer = UnitImporter()
        importer.geometryLimits.budget = GeometryBudget(seconds: 0.05, memoryBytes: 1 << 30)
        let started = Date()
        XCTAssertThrowsError(try importer.run(path: path, into: store)) { error in
            XCTAssertEqual("\(error)", "\(path):2: geometry: feature 0 (410302001 测试街道): checking and repairing the polygons took more than 0.05 s — nothing was imported; simplify the boundaries (e.g. ogr2ogr -simplify 0.00001), split the file, or raise the limit with --geometry-seconds")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "parsing 400,000 positions and the interrupted repair")
        importer.geometryLimits.budget = GeometryBudget(seconds: 60, memoryBytes: 1 << 20)
        XCTAssertThrowsError(try importer.run(path: path, into: store)) { error in
            XCTAssertTrue("\(error)".contains("needed more than 1 MB of memory") && "\(error)".hasSuffix("--geometry-memory-mb"), "\(error)")
        }
        XCTAssertEqual(try store.units().count, before)
    }
}
