import FacilityGeometry
import XCTest

final class SpatialGridTests: XCTestCase {
    func testPointGridCandidatesIncludeEveryPointInTheBox() {
        var seed: UInt64 = 42
        func next() -> Double {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return Double(seed >> 11) / Double(1 << 53)
        }
        let points = (0..<5_000).map { _ in LonLat(110 + next() * 4, 32 + next() * 4) }
        let grid = PointGrid(points: points, cellDegrees: 0.05)
        for _ in 0..<50 {
            let lon = 110 + next() * 4, lat = 32 + next() * 4
            let box = BoundingBox(minLon: lon, minLat: lat, maxLon: lon + next() * 0.5, maxLat: lat + next() * 0.5)
            var found = Set<Int>()
            grid.forEachCandidate(in: box) { found.insert($0); return true }
            let expected = Set(points.indices.filter { box.contains(points[$0]) })
            XCTAssertTrue(expected.isSubset(of: found), "every point in the box is a candidate")
        }
    }

    func testPointGridStopsWhenAskedAndHandlesEmptyInput() {
        let grid = PointGrid(points: [LonLat(112, 34), LonLat(112.001, 34.001)], cellDegrees: 1)
        var seen = 0
        grid.forEachCandidate(in: BoundingBox(minLon: 111, minLat: 33, maxLon: 113, maxLat: 35)) { _ in seen += 1; return false }
        XCTAssertEqual(seen, 1)
        var none = 0
        PointGrid(points: [], cellDegrees: 0.1).forEachCandidate(in: BoundingBox(minLon: 0, minLat: 0, maxLon: 1, maxLat: 1)) { _ in none += 1; return true }
        XCTAssertEqual(none, 0)
    }

    func testPolygonGridFindsTheContainingPolygons() {
        func square(_ lon: Double, _ lat: Double, _ size: Double) -> MultiPolygon {
            MultiPolygon([Polygon(exterior: [LonLat(lon, lat), LonLat(lon + size, lat), LonLat(lon + size, lat + size),
                                             LonLat(lon, lat + size), LonLat(lon, lat)])])
        }
        let polygons = [(index: 7, boundary: square(112, 34, 1)), (index: 8, boundary: square(112.5, 34.5, 0.2)),
                        (index: 9, boundary: square(120, 30, 1))]
        let grid = PolygonGrid(polygons: polygons)
        func containing(_ p: LonLat) -> [Int] {
            var found: [Int] = []
            grid.forEachCandidate(containing: p) { k in if grid.polygons[k].boundary.contains(p) { found.append(grid.polygons[k].index) } }
            return found.sorted()
        }
        XCTAssertEqual(containing(LonLat(112.6, 34.6)), [7, 8])
        XCTAssertEqual(containing(LonLat(112.1, 34.1)), [7])
        XCTAssertEqual(containing(LonLat(120.5, 30.5)), [9])
        XCTAssertEqual(containing(LonLat(100, 30)), [])
    }
}
