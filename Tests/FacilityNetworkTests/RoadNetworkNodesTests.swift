import FacilityGeometry
import FacilityModel
import FacilityNetwork
import XCTest

/// Nodes by position (`RoadNetwork+Nodes.swift`), which the pgRouting comparison maps vertices with.
final class RoadNetworkNodesTests: XCTestCase {
    func testNodesAreFoundAtTheirPositionsAndAPlaceAtANodeStartsThere() throws {
        // A one-way street east from a to b, a two-way street on from b to c with a bend.
        let a = RoadNetworkTests.at(0, 0), b = RoadNetworkTests.at(300, 0), c = RoadNetworkTests.at(600, 0)
        let roads = [
            Road(id: 1, highway: "residential", oneway: .forward, points: [a, RoadNetworkTests.at(150, 0), b]),
            Road(id: 2, highway: "residential", points: [b, RoadNetworkTests.at(450, 20), c]),
        ]
        let drive = try RoadNetwork(roads: roads, mode: .drive)
        XCTAssertEqual(drive.nodeCount, 3)
        var node: [Int] = []
        for p in [a, b, c] {
            let n = try XCTUnwrap((0..<drive.nodeCount).first { drive.location(ofNode: $0) == p })
            node.append(n)
        }
        XCTAssertEqual(Set(node).count, 3)
        // A car may not arrive at a: no place there; from b it reaches c, never a.
        XCTAssertNil(drive.place(atNode: node[0]))
        let atB = try XCTUnwrap(drive.place(atNode: node[1]))
        XCTAssertEqual(atB.snapMetres, 0)
        XCTAssertEqual(atB.point, b)
        let costs = drive.costs(around: atB, toPlace: false, weight: .metres, limit: 10_000)
        XCTAssertEqual(costs[node[1]], 0)
        XCTAssertEqual(try XCTUnwrap(costs[node[2]]), haversineMetres(b, RoadNetworkTests.at(450, 20)) + haversineMetres(RoadNetworkTests.at(450, 20), c), accuracy: 1e-6)
        XCTAssertNil(costs[node[0]])
        // On foot a is a node one may arrive at, and b is 300 m from it.
        let walk = try RoadNetwork(roads: roads, mode: .walk)
        let n = try XCTUnwrap((0..<walk.nodeCount).first { walk.location(ofNode: $0) == a })
        let atA = try XCTUnwrap(walk.place(atNode: n))
        let fromA = walk.costs(around: atA, toPlace: false, weight: .metres, limit: 10_000)
        XCTAssertEqual(fromA[n], 0)
        XCTAssertEqual(fromA.values.sorted()[1], 300, accuracy: 0.01)
    }
}
