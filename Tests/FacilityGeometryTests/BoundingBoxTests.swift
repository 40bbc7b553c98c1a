import Foundation
import XCTest
@testable import FacilityGeometry

final class BoundingBoxTests: XCTestCase {
    func testLonLatRangeIsInclusiveAndRejectsNonFinite() {
        XCTAssertTrue(LonLat(180, 90).isInRange)
        XCTAssertTrue(LonLat(-180, -90).isInRange)
        XCTAssertFalse(LonLat(180.000001, 0).isInRange)
        XCTAssertFalse(LonLat(112.45, 90.5).isInRange)
        XCTAssertFalse(LonLat(.nan, 0).isFinite)
        XCTAssertFalse(LonLat(0, .infinity).isInRange)
        XCTAssertEqual(LonLat(112.45, 34.62).description, "[112.45, 34.62]")
    }

    func testBoxOfPointsSkipsNonFinitePositions() {
        let box = BoundingBox(points: [LonLat(112.1, 34.9), LonLat(.nan, 0), LonLat(112.5, 34.5)])
        XCTAssertEqual(box, BoundingBox(minLon: 112.1, minLat: 34.5, maxLon: 112.5, maxLat: 34.9))
    }

    func testBoxOfNoPointsIsEmptyAndContainsNothing() {
        let box = BoundingBox(points: [LonLat]())
        XCTAssertTrue(box.isEmpty)
        XCTAssertFalse(box.contains(LonLat(0, 0)))
        XCTAssertFalse(box.intersects(BoundingBox(minLon: -180, minLat: -90, maxLon: 180, maxLat: 90)))
        XCTAssertTrue(box.expanded(byMetres: 1000).isEmpty)
    }

    func testContainsIsInclusiveOfEdgesAndCorners() {
        let box = BoundingBox(minLon: 112, minLat: 34, maxLon: 113, maxLat: 35)
        XCTAssertTrue(box.contains(LonLat(112, 34)))
        XCTAssertTrue(box.contains(LonLat(113, 34.5)))
        XCTAssertFalse(box.contains(LonLat(113.0000001, 34.5)))
        XCTAssertFalse(box.contains(LonLat(.nan, 34.5)))
    }

    func testTouchingBoxesIntersectAndSeparatedBoxesDoNot() {
        let a = BoundingBox(minLon: 0, minLat: 0, maxLon: 1, maxLat: 1)
        XCTAssertTrue(a.intersects(BoundingBox(minLon: 1, minLat: 1, maxLon: 2, maxLat: 2)))
        XCTAssertFalse(a.intersects(BoundingBox(minLon: 1.0001, minLat: 0, maxLon: 2, maxLat: 1)))
    }

    func testUnionCoversBothAndEmptyIsItsIdentity() {
        let a = BoundingBox(minLon: 0, minLat: 0, maxLon: 1, maxLat: 1)
        let b = BoundingBox(minLon: 2, minLat: -1, maxLon: 3, maxLat: 0.5)
        XCTAssertEqual(a.union(b), BoundingBox(minLon: 0, minLat: -1, maxLon: 3, maxLat: 1))
        XCTAssertEqual(a.union(.empty), a)
        XCTAssertEqual(BoundingBox.empty.union(a), a)
    }

    func testExpandedByMetresCoversEveryPointThatFarAway() {
        let centre = LonLat(112.45, 34.62)
        let box = BoundingBox(points: [centre]).expanded(byMetres: 1000)
        XCTAssertEqual(box.maxLat - centre.lat, 1000 / 111_195.080_233_532_9, accuracy: 1e-12)
        var rng = SeededGenerator(seed: 7)
        for _ in 0..<500 {
            // A point exactly 1,000 m away in a random direction, by the spherical destination formula.
            let bearing = Double.random(in: 0..<(2 * .pi), using: &rng)
            let d = 1000 / earthRadiusMetres
            let phi1 = centre.lat * .pi / 180, lambda1 = centre.lon * .pi / 180
            let phi2 = asin(sin(phi1) * cos(d) + cos(phi1) * sin(d) * cos(bearing))
            let lambda2 = lambda1 + atan2(sin(bearing) * sin(d) * cos(phi1), cos(d) - sin(phi1) * sin(phi2))
            let p = LonLat(lambda2 * 180 / .pi, phi2 * 180 / .pi)
            XCTAssertEqual(haversineMetres(centre, p), 1000, accuracy: 1e-6)
            XCTAssertTrue(box.contains(p), "\(p) is 1 km away but outside \(box)")
        }
    }

    func testExpandedNearThePoleSpansAllLongitudes() {
        let box = BoundingBox(minLon: 10, minLat: 89.5, maxLon: 11, maxLat: 89.6).expanded(byMetres: 100_000)
        XCTAssertEqual(box.minLon, -180)
        XCTAssertEqual(box.maxLon, 180)
        XCTAssertEqual(box.maxLat, 90)
    }

    func testLowerBoundNeverExceedsDistanceToAnyPointOfTheBox() {
        var rng = SeededGenerator(seed: 11)
        for _ in 0..<300 {
            let lon = Double.random(in: -170..<160, using: &rng), lat = Double.random(in: -80..<70, using: &rng)
            let box = BoundingBox(minLon: lon, minLat: lat,
                                  maxLon: lon + Double.random(in: 0..<10, using: &rng),
                                  maxLat: lat + Double.random(in: 0..<10, using: &rng))
            let p = LonLat(Double.random(in: -180...180, using: &rng), Double.random(in: -89...89, using: &rng))
            let bound = box.distanceLowerBoundMetres(to: p)
            var sampledMinimum = Double.infinity
            for i in 0...20 {
                for j in 0...20 {
                    let q = LonLat(box.minLon + (box.maxLon - box.minLon) * Double(i) / 20,
                                   box.minLat + (box.maxLat - box.minLat) * Double(j) / 20)
                    sampledMinimum = min(sampledMinimum, haversineMetres(p, q))
                }
            }
            XCTAssertLessThanOrEqual(bound, sampledMinimum + 1e-6, "box \(box), point \(p)")
        }
        XCTAssertEqual(BoundingBox(minLon: 0, minLat: 0, maxLon: 1, maxLat: 1).distanceLowerBoundMetres(to: LonLat(0.5, 0.5)), 0)
    }
}
