import Foundation
import XCTest
@testable import FacilityGeometry

/// Expected values come from scripts/reference_values.py (independent haversine and dense
/// slerp sampling of the great-circle arc on the same sphere).
final class DistanceTests: XCTestCase {
    func testOneDegreeOfLatitudeIs111195Metres() {
        XCTAssertEqual(haversineMetres(LonLat(112, 34), LonLat(112, 35)), 111_195.08, accuracy: 0.01)
        XCTAssertEqual(haversineMetres(LonLat(0, 0), LonLat(1, 0)), 111_195.08, accuracy: 0.01)
    }

    func testHaversineFromLuoyangToZhengzhou() {
        XCTAssertEqual(haversineMetres(LonLat(112.45, 34.62), LonLat(113.62, 34.75)), 107_950.4416, accuracy: 0.001)
    }

    func testHaversineOfSamePointIsZeroAndOfAntipodesIsHalfACircumference() {
        XCTAssertEqual(haversineMetres(LonLat(112.45, 34.62), LonLat(112.45, 34.62)), 0)
        XCTAssertEqual(haversineMetres(LonLat(112.45, 34.62), LonLat(-67.55, -34.62)), .pi * earthRadiusMetres, accuracy: 1e-6)
        XCTAssertTrue(haversineMetres(LonLat(.nan, 0), LonLat(0, 0)).isNaN)
    }

    func testPointNorthOfAnEastWestEdgeMeasuresToTheGreatCircleArc() {
        // The arc bulges ~1.1 m north of the parallel, so this is less than 0.01° = 1111.95 m.
        let d = distanceMetres(from: LonLat(112.05, 34.01), toSegment: LonLat(112.0, 34.0), LonLat(112.1, 34.0))
        XCTAssertEqual(d, 1110.8262, accuracy: 0.001)
    }

    func testFootBeyondTheEndpointClampsToTheEndpoint() {
        let d = distanceMetres(from: LonLat(112.2, 34.0), toSegment: LonLat(112.0, 34.0), LonLat(112.1, 34.0))
        XCTAssertEqual(d, haversineMetres(LonLat(112.2, 34.0), LonLat(112.1, 34.0)), accuracy: 1e-6)
        XCTAssertEqual(d, 9218.4896, accuracy: 0.001)
    }

    func testFiftyKilometreDiagonalSegmentIsExact() {
        let d = distanceMetres(from: LonLat(112.3, 34.5), toSegment: LonLat(112.0, 34.0), LonLat(112.4, 34.3))
        XCTAssertEqual(d, 24_057.2569, accuracy: 0.001)
        let m = distanceMetres(from: LonLat(112.01, 34.5), toSegment: LonLat(112.0, 34.0), LonLat(112.0, 35.0))
        XCTAssertEqual(m, 916.3878, accuracy: 0.001)
    }

    func testSegmentDistanceIsSymmetricInTheEndpointsAndZeroOnTheArc() {
        let a = LonLat(112.0, 34.0), b = LonLat(112.4, 34.3), p = LonLat(112.3, 34.5)
        XCTAssertEqual(distanceMetres(from: p, toSegment: a, b), distanceMetres(from: p, toSegment: b, a), accuracy: 1e-6)
        XCTAssertEqual(distanceMetres(from: a, toSegment: a, b), 0, accuracy: 1e-6)
        XCTAssertEqual(distanceMetres(from: LonLat(112.2, 34.0), toSegment: LonLat(112.2, 33.0), LonLat(112.2, 35.0)), 0, accuracy: 1e-6)
    }

    func testDegenerateSegmentIsDistanceToItsPoint() {
        let a = LonLat(112.45, 34.62), p = LonLat(112.46, 34.63)
        XCTAssertEqual(distanceMetres(from: p, toSegment: a, a), haversineMetres(p, a), accuracy: 1e-9)
    }

    let square = Polygon(exterior: rectangle(112.0, 34.0, 112.1, 34.1), holes: [rectangle(112.04, 34.04, 112.06, 34.06)])

    func testPolygonDistanceIsZeroInsideAndOnTheBoundary() {
        XCTAssertEqual(square.distanceMetres(to: LonLat(112.01, 34.01)), 0)
        XCTAssertEqual(square.distanceMetres(to: LonLat(112.1, 34.05)), 0, accuracy: 1e-6)
    }

    func testPolygonDistanceOutsideIsToTheNearestEdgeOrCorner() {
        XCTAssertEqual(square.distanceMetres(to: LonLat(112.05, 34.11)), 1110.8246, accuracy: 0.001)
        XCTAssertEqual(square.distanceMetres(to: LonLat(112.11, 34.11)), 1443.6543, accuracy: 0.001)
        XCTAssertTrue(square.distanceMetres(to: LonLat(.nan, 34)).isNaN)
    }

    func testPointInAHoleIsMeasuredToTheHoleBoundary() {
        XCTAssertEqual(square.distanceMetres(to: LonLat(112.05, 34.055)), 556.0204, accuracy: 0.001)
    }

    func testMultiPolygonDistanceIsTheSmallestOverItsPolygons() {
        let far = Polygon(exterior: rectangle(113.0, 34.0, 113.1, 34.1))
        let multi = MultiPolygon([far, square])
        XCTAssertEqual(multi.distanceMetres(to: LonLat(112.05, 34.11)), 1110.8246, accuracy: 0.001)
        XCTAssertEqual(Geometry.multiPolygon(multi).distanceMetres(to: LonLat(113.05, 34.05)), 0)
        XCTAssertEqual(MultiPolygon([]).distanceMetres(to: LonLat(0, 0)), .infinity)
    }

    func testPointGeometryDistanceIsHaversine() {
        let g = Geometry.point(LonLat(112.45, 34.62))
        XCTAssertEqual(g.distanceMetres(to: LonLat(113.62, 34.75)), 107_950.4416, accuracy: 0.001)
    }

    func testPrunedPolygonDistanceEqualsBruteForceOverAllEdges() {
        var rng = SeededGenerator(seed: 42)
        for _ in 0..<20 {
            let n = Int.random(in: 50...400, using: &rng)
            let centre = LonLat(Double.random(in: 75...130, using: &rng), Double.random(in: 20...50, using: &rng))
            var ring: [LonLat] = []
            for i in 0..<n {
                let angle = 2 * Double.pi * Double(i) / Double(n)
                let r = Double.random(in: 0.05...1.0, using: &rng)
                ring.append(LonLat(centre.lon + r * cos(angle), centre.lat + r * sin(angle)))
            }
            ring.append(ring[0])
            let polygon = Polygon(exterior: ring)
            for _ in 0..<50 {
                let p = LonLat(centre.lon + Double.random(in: -2...2, using: &rng), centre.lat + Double.random(in: -2...2, using: &rng))
                var brute = Double.infinity
                for i in 0..<(ring.count - 1) { brute = min(brute, distanceMetres(from: p, toSegment: ring[i], ring[i + 1])) }
                let expected = polygon.contains(p) ? 0 : brute
                XCTAssertEqual(polygon.distanceMetres(to: p), expected, accuracy: 1e-6)
            }
        }
    }

    func testPruningIsSafeForLongEdgesAtHighLatitudes() {
        // Long east-west edges bulge far poleward of their vertices; pruning must allow for it.
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<30 {
            let n = Int.random(in: 3...8, using: &rng)
            let centre = LonLat(Double.random(in: -150...150, using: &rng), Double.random(in: -75...75, using: &rng))
            var ring: [LonLat] = []
            for i in 0..<n {
                let angle = 2 * Double.pi * Double(i) / Double(n)
                let r = Double.random(in: 2...12, using: &rng)
                ring.append(LonLat(centre.lon + 2 * r * cos(angle), max(-88, min(88, centre.lat + r * sin(angle)))))
            }
            ring.append(ring[0])
            let polygon = Polygon(exterior: ring)
            for _ in 0..<100 {
                let p = LonLat(centre.lon + Double.random(in: -30...30, using: &rng),
                               max(-89, min(89, centre.lat + Double.random(in: -15...15, using: &rng))))
                guard !polygon.contains(p) else { continue }
                var brute = Double.infinity
                for i in 0..<(ring.count - 1) { brute = min(brute, distanceMetres(from: p, toSegment: ring[i], ring[i + 1])) }
                XCTAssertEqual(polygon.distanceMetres(to: p), brute, accuracy: 1e-6, "\(p)")
            }
        }
    }
}
