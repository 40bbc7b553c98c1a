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
}
