import XCTest
@testable import FacilityGeometry

final class GeometryTests: XCTestCase {
    let district = Polygon(exterior: rectangle(112.1, 34.5, 112.2, 34.6))

    func testTypeNamesAreTheOGCNames() {
        XCTAssertEqual(Geometry.point(LonLat(1, 2)).typeName, "Point")
        XCTAssertEqual(Geometry.polygon(district).typeName, "Polygon")
        XCTAssertEqual(Geometry.multiPolygon(MultiPolygon([district])).typeName, "MultiPolygon")
    }

    func testAsMultiPolygonWrapsAPolygonAndIsNilForAPoint() {
        XCTAssertEqual(Geometry.polygon(district).asMultiPolygon, MultiPolygon([district]))
        XCTAssertNil(Geometry.point(LonLat(1, 2)).asMultiPolygon)
    }

    func testBoundingBoxOfAPointIsThatPoint() {
        XCTAssertEqual(Geometry.point(LonLat(112.45, 34.62)).boundingBox,
                       BoundingBox(minLon: 112.45, minLat: 34.62, maxLon: 112.45, maxLat: 34.62))
        XCTAssertEqual(Geometry.polygon(district).boundingBox, BoundingBox(minLon: 112.1, minLat: 34.5, maxLon: 112.2, maxLat: 34.6))
    }

    func testGeometryContainsFollowsShapely() {
        XCTAssertTrue(Geometry.point(LonLat(1, 2)).contains(LonLat(1, 2)))
        XCTAssertFalse(Geometry.point(LonLat(1, 2)).contains(LonLat(1, 2.000001)))
        XCTAssertTrue(Geometry.polygon(district).contains(LonLat(112.15, 34.55)))
        XCTAssertFalse(Geometry.polygon(district).contains(LonLat(112.1, 34.55)))
    }

    func testValidGeometriesHaveNoStructuralProblems() {
        XCTAssertEqual(Geometry.point(LonLat(112.45, 34.62)).structuralProblems(), [])
        XCTAssertEqual(Geometry.polygon(district).structuralProblems(), [])
        XCTAssertTrue(Geometry.multiPolygon(MultiPolygon([district, district])).isValid)
    }

    func testUnclosedRingIsReportedWithItsPathAndEndsAndIsNotClosed() {
        var open = rectangle(112.1, 34.5, 112.2, 34.6)
        open.removeLast()
        let geometry = Geometry.multiPolygon(MultiPolygon([district, Polygon(exterior: open)]))
        XCTAssertEqual(geometry.structuralProblems(),
                       [.ringNotClosed(path: "polygon 1, ring 0", first: LonLat(112.1, 34.5), last: LonLat(112.1, 34.6))])
        XCTAssertEqual(geometry.asMultiPolygon?.polygons[1].exterior.count, 4, "the ring is left as it was")
        XCTAssertEqual(geometry.structuralProblems()[0].description,
                       "polygon 1, ring 0 is not closed (first [112.1, 34.5], last [112.1, 34.6])"
                           + " — close the ring in the source (repeat the first position at the end)")
    }

    func testRingWithThreePositionsIsTooShort() {
        let triangle = Polygon(exterior: [LonLat(0, 0), LonLat(1, 0), LonLat(0, 0)])
        XCTAssertEqual(Geometry.polygon(triangle).structuralProblems(), [.ringTooShort(path: "ring 0", count: 3)])
    }

    func testHoleProblemsNameTheHoleRing() {
        let polygon = Polygon(exterior: rectangle(0, 0, 10, 10), holes: [[LonLat(4, 4), LonLat(5, 4), LonLat(5, 5), LonLat(4, 5)]])
        XCTAssertEqual(Geometry.polygon(polygon).structuralProblems(),
                       [.ringNotClosed(path: "ring 1", first: LonLat(4, 4), last: LonLat(4, 5))])
    }

    func testOutOfRangeAndNonFiniteCoordinatesAreReportedByPosition() {
        // Latitude and longitude swapped in one vertex; NaN in another.
        var ring = rectangle(112.1, 34.5, 112.2, 34.6)
        ring[2] = LonLat(34.6, 112.2)
        ring[1] = LonLat(.nan, 34.5)
        XCTAssertEqual(Geometry.polygon(Polygon(exterior: ring)).structuralProblems(), [
            .coordinateNotFinite(path: "ring 0, position 1"),
            .coordinateOutOfRange(path: "ring 0, position 2", LonLat(34.6, 112.2)),
        ])
        XCTAssertEqual(Geometry.point(LonLat(200, 10)).structuralProblems(), [.coordinateOutOfRange(path: "point", LonLat(200, 10))])
        XCTAssertTrue(GeometryProblem.coordinateOutOfRange(path: "point", LonLat(200, 10)).description.contains("[lat, lon]"))
    }

    func testGeometryWithoutPositionsIsEmpty() {
        XCTAssertEqual(Geometry.multiPolygon(MultiPolygon([])).structuralProblems(), [.empty])
        XCTAssertEqual(Geometry.polygon(Polygon(exterior: [])).structuralProblems(), [.empty])
        XCTAssertFalse(Geometry.polygon(Polygon(exterior: [])).isValid)
    }

    func testRepresentativePointOfAPointIsItself() {
        XCTAssertEqual(Geometry.point(LonLat(1, 2)).representativePoint(), LonLat(1, 2))
        XCTAssertTrue(district.contains(try! XCTUnwrap(Geometry.polygon(district).representativePoint())))
    }
}
