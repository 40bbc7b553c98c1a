import FacilityGEOS
import FacilityGeometry
import XCTest

/// Lines widened into areas (service areas' drawing), in metres on the ground.
final class LineBufferTests: XCTestCase {
    func testAStreetWidenedBy50MetresEitherSide() throws {
        let metresPerDegree = earthRadiusMetres * Double.pi / 180
        func at(_ x: Double, _ y: Double) -> LonLat { LonLat(112 + x / (metresPerDegree * cos(34 * Double.pi / 180)), 34 + y / metresPerDegree) }
        // An L of two streets, 1 km and 500 m.
        let area = try XCTUnwrap(LineBuffer().buffer([[at(0, 0), at(1_000, 0)], [at(1_000, 0), at(1_000, 500)]], metres: 50))
        XCTAssertEqual(area.polygons.count, 1, "dissolved into one")
        XCTAssertTrue(area.contains(at(500, 40)))
        XCTAssertTrue(area.contains(at(1_040, 250)))
        XCTAssertFalse(area.contains(at(500, 60)))
        XCTAssertFalse(area.contains(at(500, 300)), "the inside of the L is not reached")
        // 1,500 m × 100 m and a disc of round ends and corner, on the ground (the circles drawn with 16 sides).
        XCTAssertEqual(area.areaSquareMetres, 1_500 * 100 + Double.pi * 50 * 50, accuracy: 1_500, "two half discs at the ends, a disc at the corner less its overlap")
        XCTAssertNil(LineBuffer().buffer([], metres: 50))
    }
}
