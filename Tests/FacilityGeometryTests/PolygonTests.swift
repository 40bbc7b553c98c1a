import Foundation
import XCTest
@testable import FacilityGeometry

final class PolygonTests: XCTestCase {
    /// 10 × 10 square with a 2 × 2 hole in the middle.
    let squareWithHole = Polygon(exterior: rectangle(0, 0, 10, 10), holes: [rectangle(4, 4, 6, 6)])

    func testPointInsideIsContained() {
        XCTAssertTrue(squareWithHole.contains(LonLat(1, 1)))
        XCTAssertTrue(squareWithHole.contains(LonLat(9.999, 5)))
    }

    func testPointOnBoundaryIsNotContained() {
        XCTAssertFalse(squareWithHole.contains(LonLat(10, 5)), "on an edge")
        XCTAssertFalse(squareWithHole.contains(LonLat(0, 0)), "on a vertex")
        XCTAssertFalse(squareWithHole.contains(LonLat(5, 0)), "on the bottom edge")
        let triangle = Polygon(exterior: [LonLat(0, 0), LonLat(10, 0), LonLat(0, 10), LonLat(0, 0)])
        XCTAssertFalse(triangle.contains(LonLat(5, 5)), "on the hypotenuse")
        XCTAssertTrue(triangle.boundaryContains(LonLat(5, 5)))
        // 0.1, 0.2, 0.3, 0.6 are not exact in binary, yet (0.2, 0.4) is exactly collinear with them.
        let thin = Polygon(exterior: [LonLat(0.1, 0.2), LonLat(0.3, 0.6), LonLat(0.3, 0.2), LonLat(0.1, 0.2)])
        XCTAssertFalse(thin.contains(LonLat(0.2, 0.4)))
    }

    func testContainmentNearADiagonalEdgeIsExact() {
        // In exact arithmetic (112.2, 34.3) lies 1/2^48 to the right of (112.1, 34.1) → (112.3, 34.5).
        let a = LonLat(112.1, 34.1), b = LonLat(112.3, 34.5), p = LonLat(112.2, 34.3)
        let right = Polygon(exterior: [a, b, LonLat(112.3, 34.1), a])
        let left = Polygon(exterior: [a, b, LonLat(112.1, 34.5), a])
        XCTAssertTrue(right.contains(p))
        XCTAssertFalse(left.contains(p))
        XCTAssertFalse(left.boundaryContains(p))
    }

    func testPointInHoleOrOnHoleBoundaryIsNotContained() {
        XCTAssertFalse(squareWithHole.contains(LonLat(5, 5)))
        XCTAssertFalse(squareWithHole.contains(LonLat(4, 5)))
        XCTAssertFalse(squareWithHole.contains(LonLat(6, 6)))
        XCTAssertTrue(squareWithHole.contains(LonLat(3.999, 5)))
    }

    func testPointOutsideOrNotFiniteIsNotContained() {
        XCTAssertFalse(squareWithHole.contains(LonLat(11, 5)))
        XCTAssertFalse(squareWithHole.contains(LonLat(5, -0.0001)))
        XCTAssertFalse(squareWithHole.contains(LonLat(.nan, 5)))
        XCTAssertFalse(squareWithHole.contains(LonLat(.infinity, 5)))
    }

    func testWindingDoesNotChangeContainment() {
        let clockwise = Polygon(exterior: rectangle(0, 0, 10, 10).reversed())
        XCTAssertTrue(clockwise.contains(LonLat(5, 5)))
        XCTAssertFalse(clockwise.contains(LonLat(10, 5)))
    }

    func testRayThroughAVertexCountsCrossingsOnce() {
        // A square with a V-shaped notch from the top down to (2, 2): the ray at lat 2 passes that vertex.
        let notched = Polygon(exterior: [LonLat(0, 0), LonLat(4, 0), LonLat(4, 4), LonLat(2, 2), LonLat(0, 4), LonLat(0, 0)])
        XCTAssertTrue(notched.contains(LonLat(1, 2)))
        XCTAssertTrue(notched.contains(LonLat(3, 2)))
        XCTAssertFalse(notched.contains(LonLat(2, 3)), "inside the notch")
        XCTAssertFalse(notched.contains(LonLat(2, 2)), "the notch vertex itself")
        XCTAssertTrue(notched.contains(LonLat(2, 1.999)))
        XCTAssertFalse(notched.contains(LonLat(-1, 2)))
        XCTAssertFalse(notched.contains(LonLat(-1, 4)), "ray along the top edge line")
    }

    func testAreaInSquareDegreesSubtractsHoles() {
        XCTAssertEqual(squareWithHole.areaSquareDegrees, 96, accuracy: 1e-12)
    }

    func testSignedAreaIsPositiveForCounterClockwiseRings() {
        let ccw = rectangle(0, 0, 2, 3)
        XCTAssertEqual(signedAreaSquareDegrees(ccw), 6, accuracy: 1e-12)
        XCTAssertEqual(signedAreaSquareDegrees(ccw.reversed()), -6, accuracy: 1e-12)
        XCTAssertTrue(isCounterClockwise(ccw))
        XCTAssertFalse(isCounterClockwise(ccw.reversed()))
        XCTAssertFalse(isCounterClockwise([LonLat(0, 0), LonLat(1, 1), LonLat(0, 0)]), "zero area")
    }

    func testRFC7946OrientationMakesExteriorCounterClockwiseAndHolesClockwise() {
        let wrong = Polygon(exterior: rectangle(0, 0, 10, 10).reversed(), holes: [rectangle(4, 4, 6, 6)])
        let fixed = wrong.rfc7946Oriented()
        XCTAssertTrue(isCounterClockwise(fixed.exterior))
        XCTAssertFalse(isCounterClockwise(fixed.holes[0]))
        XCTAssertEqual(fixed.exterior.first, fixed.exterior.last, "rings stay closed")
        XCTAssertEqual(fixed.rfc7946Oriented(), fixed, "already oriented rings are unchanged")
    }

    func testAreaInSquareMetresOfAOneDegreeCellAtTheEquator() {
        // Exact spherical area of a lat/lon cell: R² · Δλ · (sin φ2 − sin φ1).
        let cell = Polygon(exterior: rectangle(0, 0, 1, 1))
        let expected = earthRadiusMetres * earthRadiusMetres * (.pi / 180) * sin(.pi / 180)
        XCTAssertEqual(cell.areaSquareMetres, expected, accuracy: expected * 1e-12)
    }

    func testRepresentativePointIsInsideAUShapeWhoseBoxCentreIsOutside() {
        let u = Polygon(exterior: [LonLat(0, 0), LonLat(3, 0), LonLat(3, 3), LonLat(2, 3), LonLat(2, 1),
                                   LonLat(1, 1), LonLat(1, 3), LonLat(0, 3), LonLat(0, 0)])
        XCTAssertFalse(u.contains(LonLat(1.5, 1.5)))
        let p = try! XCTUnwrap(u.representativePoint())
        XCTAssertTrue(u.contains(p), "\(p)")
    }

    func testRepresentativePointAvoidsAHoleAtTheCentre() {
        let p = try! XCTUnwrap(squareWithHole.representativePoint())
        XCTAssertTrue(squareWithHole.contains(p), "\(p)")
    }

    func testRepresentativePointIsInsideRandomStarPolygons() {
        var rng = SeededGenerator(seed: 3)
        for _ in 0..<200 {
            let n = Int.random(in: 3...40, using: &rng)
            var ring: [LonLat] = []
            for i in 0..<n {
                let angle = 2 * Double.pi * Double(i) / Double(n)
                let r = Double.random(in: 0.001...0.1, using: &rng)
                ring.append(LonLat(112.4 + r * cos(angle), 34.6 + r * sin(angle)))
            }
            ring.append(ring[0])
            let star = Polygon(exterior: ring)
            let p = try! XCTUnwrap(star.representativePoint())
            XCTAssertTrue(star.contains(p))
        }
    }

    func testRepresentativePointOfAZeroAreaPolygonIsNil() {
        let flat = Polygon(exterior: [LonLat(0, 0), LonLat(1, 0), LonLat(2, 0), LonLat(0, 0)])
        XCTAssertNil(flat.representativePoint())
        XCTAssertNil(Polygon(exterior: []).representativePoint())
    }

    func testMultiPolygonContainsPointsOfEveryMember() {
        let multi = MultiPolygon([Polygon(exterior: rectangle(0, 0, 1, 1)), Polygon(exterior: rectangle(5, 5, 8, 8))])
        XCTAssertTrue(multi.contains(LonLat(0.5, 0.5)))
        XCTAssertTrue(multi.contains(LonLat(6, 6)))
        XCTAssertFalse(multi.contains(LonLat(3, 3)))
        XCTAssertFalse(multi.contains(LonLat(5, 6)), "on a boundary")
        XCTAssertEqual(multi.boundingBox, BoundingBox(minLon: 0, minLat: 0, maxLon: 8, maxLat: 8))
    }

    func testMultiPolygonRepresentativePointLiesInTheLargestPolygon() {
        let small = Polygon(exterior: rectangle(0, 0, 1, 1)), large = Polygon(exterior: rectangle(5, 5, 8, 8))
        let p = try! XCTUnwrap(MultiPolygon([small, large]).representativePoint())
        XCTAssertTrue(large.contains(p))
        let withDegenerate = MultiPolygon([Polygon(exterior: [LonLat(0, 0), LonLat(9, 0), LonLat(0, 0)]), small])
        XCTAssertTrue(small.contains(try! XCTUnwrap(withDegenerate.representativePoint())))
        XCTAssertNil(MultiPolygon([]).representativePoint())
    }
}
