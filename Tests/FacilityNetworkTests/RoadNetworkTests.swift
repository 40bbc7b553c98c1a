import FacilityGeometry
import FacilityModel
import FacilityNetwork
import Foundation
import XCTest

/// The network's graph, snapping and shortest paths: by hand on small cases, against networkx on generated ones.
final class RoadNetworkTests: XCTestCase {
    /// Metres east of (112, 34) as a longitude.
    static func lon(_ metres: Double) -> Double { 112 + metres / (111_195.08 * cos(34 * Double.pi / 180)) }
    static func lat(_ metres: Double) -> Double { 34 + metres / 111_195.08 }
    static func at(_ x: Double, _ y: Double) -> LonLat { LonLat(lon(x), lat(y)) }

    func testNodesAreSharedVerticesAndEdgesTheRunsBetween() throws {
        // One long street of four vertices, crossed in its middle vertex by a lane; a footway touching nothing.
        let roads = [
            Road(id: 1, highway: "residential", points: [Self.at(0, 0), Self.at(100, 0), Self.at(200, 0), Self.at(300, 0)]),
            Road(id: 2, highway: "service", points: [Self.at(100, -50), Self.at(100, 0), Self.at(100, 50)]),
            Road(id: 3, highway: "footway", points: [Self.at(0, 500), Self.at(100, 500)]),
        ]
        let walk = try RoadNetwork(roads: roads, mode: .walk)
        // Nodes: the street's two ends, the crossing, the lane's two ends, the footway's two ends.
        XCTAssertEqual(walk.nodeCount, 7)
        // Edges: the street in two (at the crossing), the lane in two, the footway.
        XCTAssertEqual(walk.edgeCount, 5)
        XCTAssertEqual(walk.totalMetres, 300 + 100 + 100, accuracy: 0.01)
        let drive = try RoadNetwork(roads: roads, mode: .drive)
        XCTAssertEqual(drive.edgeCount, 4, "no footway by car")
    }

    func testAPlaceJoinsTheNearestPointOfTheNearestEdgeNotItsNode() throws {
        let roads = [Road(id: 1, highway: "residential", points: [Self.at(0, 0), Self.at(1_000, 0)])]
        let network = try RoadNetwork(roads: roads, mode: .walk)
        let a = try XCTUnwrap(network.snap(Self.at(300, 20)))
        let b = try XCTUnwrap(network.snap(Self.at(400, -30)))
        XCTAssertEqual(a.snapMetres, 20, accuracy: 0.01)
        XCTAssertEqual(a.metres, 300, accuracy: 0.01)
        XCTAssertEqual(b.metres, 400, accuracy: 0.01)
        // Along the street between the two feet, plus both ways to the street: 100 + 20 + 30, not 0 at a shared node.
        let reach = network.nearest(from: [a], to: [b], weight: .metres)
        XCTAssertEqual(try XCTUnwrap(reach[0]).cost, 150, accuracy: 0.01)
        // In seconds at 4.5 km/h.
        let seconds = network.nearest(from: [a], to: [b], weight: .seconds)
        XCTAssertEqual(try XCTUnwrap(seconds[0]).cost, 150 / (4.5 / 3.6), accuracy: 0.01)
        // Beyond max_snap_m (500 m by default): off the network.
        XCTAssertNil(network.snap(Self.at(500, 600)))
        XCTAssertNotNil(network.snap(Self.at(500, 450)))
    }

    func testDrivingKeepsToOnewaysAndWalkingDoesNot() throws {
        // A one-way street east, and a long two-way loop back round by the north.
        let roads = [
            Road(id: 1, highway: "residential", oneway: .forward, points: [Self.at(0, 0), Self.at(1_000, 0)]),
            Road(id: 2, highway: "residential", points: [Self.at(1_000, 0), Self.at(1_000, 1_000), Self.at(0, 1_000), Self.at(0, 0)]),
        ]
        let home = Self.at(800, 0), clinic = Self.at(200, 0)
        let walk = try RoadNetwork(roads: roads, mode: .walk)
        let drive = try RoadNetwork(roads: roads, mode: .drive)
        let onFoot = walk.nearest(from: [walk.snap(home)], to: [walk.snap(clinic)], weight: .metres)
        let byCar = drive.nearest(from: [drive.snap(home)], to: [drive.snap(clinic)], weight: .metres)
        XCTAssertEqual(try XCTUnwrap(onFoot[0]).cost, 600, accuracy: 0.01)
        // East to the corner (200), round the loop (3,000), east to the clinic (200).
        XCTAssertEqual(try XCTUnwrap(byCar[0]).cost, 3_400, accuracy: 0.5, "the northern street is a little shorter: its latitude")
        // Back the other way a car goes straight along the one-way street.
        let back = drive.nearest(from: [drive.snap(clinic)], to: [drive.snap(home)], weight: .metres)
        XCTAssertEqual(try XCTUnwrap(back[0]).cost, 600, accuracy: 0.01)
    }

    func testWalkingNeverUsesMotorwaysOrForbiddenWays() throws {
        let roads = [
            Road(id: 1, highway: "motorway", points: [Self.at(0, 0), Self.at(1_000, 0)]),
            Road(id: 2, highway: "trunk_link", points: [Self.at(0, 10), Self.at(1_000, 10)]),
            Road(id: 3, highway: "residential", foot: "no", points: [Self.at(0, 20), Self.at(1_000, 20)]),
            Road(id: 4, highway: "residential", access: "private", points: [Self.at(0, 30), Self.at(1_000, 30)]),
        ]
        XCTAssertThrowsError(try RoadNetwork(roads: roads, mode: .walk)) { error in
            XCTAssertEqual(error as? NetworkError, .noUsableRoads(.walk))
        }
        let withPath = roads + [Road(id: 5, highway: "pedestrian", foot: "yes", access: "no", points: [Self.at(0, 40), Self.at(1_000, 40)])]
        XCTAssertEqual(try RoadNetwork(roads: withPath, mode: .walk).edgeCount, 1)
        XCTAssertEqual(try RoadNetwork(roads: withPath, mode: .drive).edgeCount, 3, "motorway, trunk link and the foot=no street")
    }

    func testAPlaceOnAnotherPieceOfTheNetworkReachesNothing() throws {
        let roads = [
            Road(id: 1, highway: "residential", points: [Self.at(0, 0), Self.at(1_000, 0)]),
            Road(id: 2, highway: "residential", points: [Self.at(0, 300), Self.at(1_000, 300)]),
        ]
        let network = try RoadNetwork(roads: roads, mode: .walk)
        let reach = network.nearest(from: [network.snap(Self.at(500, 10))], to: [network.snap(Self.at(500, 290))], weight: .metres)
        XCTAssertNil(reach[0], "another piece: not reached, never 20 m")
        let pieces = network.pieces()
        XCTAssertEqual(pieces.count, 2)
        XCTAssertEqual(pieces.largestShare, 0.5, accuracy: 1e-3)
        XCTAssertEqual(try RoadNetwork(roads: [roads[0]], mode: .walk).pieces().count, 1)
    }

    func testARiverWithOneBridge() throws {
        // Two streets along the banks of a 300 m wide river, one bridge 1.5 km east of the clinic. The community is
        // 400 m from the clinic as the crow flies, 3.4 km on foot.
        let roads = [
            Road(id: 1, highway: "residential", points: [Self.at(-2_000, 0), Self.at(0, 0), Self.at(1_500, 0)]),
            Road(id: 2, highway: "residential", points: [Self.at(-2_000, 300), Self.at(0, 300), Self.at(1_500, 300)]),
            Road(id: 3, highway: "primary", name: "洛河大桥", points: [Self.at(1_500, 0), Self.at(1_500, 300)]),
        ]
        let clinic = Self.at(0, -50), community = Self.at(0, 350)
        XCTAssertLessThan(haversineMetres(clinic, community), 401)
        let network = try RoadNetwork(roads: roads, mode: .walk)
        let reach = try XCTUnwrap(network.nearest(from: [network.snap(community)], to: [network.snap(clinic)], weight: .metres)[0])
        XCTAssertEqual(reach.cost, 50 + 1_500 + 300 + 1_500 + 50, accuracy: 0.05)
        XCTAssertGreaterThanOrEqual(reach.cost, haversineMetres(clinic, community))
    }

    /// Generated networks through Swift and networkx (`Tests/python/network_reference.py`, which builds its graph from
    /// every segment, snaps by brute force and runs multi-source Dijkstra): equal within 0.1 m, walking and driving.
    func testAgreesWithNetworkx() throws {
        for (seed, directed) in [(UInt64(27), false), (UInt64(2027), true)] {
            let (roads, origins, destinations) = Self.generated(seed: seed, size: 14)
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-network-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let json: [String: Any] = [
                "roads": roads.filter { !directed || $0.highway != "footway" }.map { ["points": $0.points.map { [$0.lon, $0.lat] }, "oneway": Int($0.oneway.rawValue)] },
                "origins": origins.map { [$0.lon, $0.lat] }, "destinations": destinations.map { [$0.lon, $0.lat] },
                "max_snap_m": 500, "directed": directed,
            ]
            try JSONSerialization.data(withJSONObject: json).write(to: folder.appendingPathComponent("roads.json"))
            let theirs = try Self.runReference(folder)
            let network = try RoadNetwork(roads: roads, mode: directed ? .drive : .walk)
            let ours = network.nearest(from: network.snap(origins), to: network.snap(destinations), weight: .metres)
            XCTAssertEqual(ours.count, theirs.count)
            var compared = 0, unreached = 0
            for (i, reach) in ours.enumerated() {
                guard let expected = theirs[i] else { XCTAssertNil(reach, "origin \(i): networkx reaches nothing"); unreached += 1; continue }
                let got = try XCTUnwrap(reach, "origin \(i): networkx reaches \(expected)")
                XCTAssertEqual(got.cost, expected.metres, accuracy: 0.1, "origin \(i), directed \(directed)")
                XCTAssertGreaterThanOrEqual(got.cost + 1e-6, haversineMetres(origins[i], destinations[got.destination]),
                                            "never shorter than the straight line")
                compared += 1
            }
            XCTAssertGreaterThan(compared, 100, "most origins reach a destination")
            XCTAssertGreaterThan(unreached, 0, "some origins are off the network or on a piece without destinations")
        }
    }

    /// The bounded searches (2SFCA's pairs, siting's reach) give, for every pair within the limit, the cost the full
    /// search gives for that pair alone; and find every such pair — both ways round, driving.
    func testBoundedSearchesAgreeWithTheFullOne() throws {
        let (roads, origins, destinations) = Self.generated(seed: 99, size: 10)
        let network = try RoadNetwork(roads: roads, mode: .drive)
        let from = network.snap(Array(origins.prefix(60))), to = network.snap(destinations)
        let limit = 900.0
        let byEdge = PlacesByEdge(from, edgeCount: network.edgeCount)
        var pairs = 0
        for (j, place) in to.enumerated() {
            guard let place else { continue }
            var found: [Int: Double] = [:]
            network.forEachPlace(from, byEdge: byEdge, around: place, toPlace: true, weight: .metres, limit: limit) { found[$0] = $1 }
            for (i, origin) in from.enumerated() {
                let alone = network.nearest(from: [origin], to: [place], weight: .metres)[0]
                if let alone, alone.cost <= limit {
                    XCTAssertEqual(try XCTUnwrap(found[i], "pair \(i) → \(j) at \(alone.cost) m"), alone.cost, accuracy: 1e-6)
                    pairs += 1
                } else {
                    XCTAssertNil(found[i], "pair \(i) → \(j) is beyond \(limit) m")
                }
            }
            // From the place outwards: the cost to each origin, as the full search from the origin's side sees it.
            var outward: [Int: Double] = [:]
            network.forEachPlace(from, byEdge: byEdge, around: place, toPlace: false, weight: .seconds, limit: 120) { outward[$0] = $1 }
            for (i, origin) in from.enumerated() {
                let alone = network.nearest(from: [place], to: [origin], weight: .seconds)[0].flatMap { $0.cost <= 120 ? $0.cost : nil }
                XCTAssertEqual(outward[i] == nil, alone == nil, "\(j) → \(i) in seconds")
                if let a = outward[i], let b = alone { XCTAssertEqual(a, b, accuracy: 1e-6, "\(j) → \(i) in seconds") }
            }
        }
        XCTAssertGreaterThan(pairs, 20)
    }

    /// A perturbed grid of streets (each street several blocks long, some blocks missing, some one-way), a few
    /// diagonal footways, an island piece, origins and destinations scattered (some far off the roads).
    static func generated(seed: UInt64, size: Int) -> (roads: [Road], origins: [LonLat], destinations: [LonLat]) {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        let block = 150.0
        var vertex: [[LonLat]] = []
        for y in 0...size {
            vertex.append((0...size).map { x in Self.at(Double(x) * block + (next() - 0.5) * 40, Double(y) * block + (next() - 0.5) * 40) })
        }
        var roads: [Road] = []
        var id: Int64 = 0
        func add(_ points: [LonLat], highway: String = "residential", oneway: Road.Oneway = .no) {
            guard points.count >= 2 else { return }
            id += 1
            roads.append(Road(id: id, highway: highway, oneway: oneway, points: points))
        }
        for y in 0...size {
            var run: [LonLat] = [vertex[y][0]]
            for x in 1...size {
                if next() < 0.12 { add(run, oneway: next() < 0.3 ? .forward : .no); run = [vertex[y][x]]; continue }
                // A bend between the vertices, so that edges have shapes.
                let a = vertex[y][x - 1], b = vertex[y][x]
                run.append(LonLat((a.lon + b.lon) / 2, (a.lat + b.lat) / 2 + (next() - 0.5) * 0.0002))
                run.append(b)
                if next() < 0.25 { add(run, oneway: next() < 0.4 ? (next() < 0.5 ? .forward : .backward) : .no); run = [b] }
            }
            add(run)
        }
        for x in 0...size {
            var run: [LonLat] = [vertex[0][x]]
            for y in 1...size {
                if next() < 0.12 { add(run); run = [vertex[y][x]]; continue }
                run.append(vertex[y][x])
                if next() < 0.3 { add(run, oneway: next() < 0.3 ? .backward : .no); run = [vertex[y][x]] }
            }
            add(run)
        }
        for _ in 0..<size {
            let x = Int(next() * Double(size)), y = Int(next() * Double(size))
            add([vertex[y][x], vertex[y + 1][x + 1]], highway: "footway")
        }
        // An island: a square of streets 3 km east, joined to nothing.
        let east = Double(size) * block + 3_000
        add([Self.at(east, 0), Self.at(east + 400, 0), Self.at(east + 400, 400), Self.at(east, 400), Self.at(east, 0)])
        let span = Double(size) * block
        var origins = (0..<160).map { _ in Self.at(next() * span, next() * span) }
        origins += [Self.at(east + 200, 100), Self.at(span + 1_200, span / 2), Self.at(-900, -900)]
        let destinations = (0..<12).map { _ in Self.at(next() * span, next() * span) }
        return (roads, origins, destinations)
    }

    static func runReference(_ folder: URL) throws -> [(metres: Double, destination: Int)?] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("python/network_reference.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, folder.path]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, message)
        let rows = try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [Any])
        return rows.map { row in
            guard let pair = row as? [Any], let metres = pair[0] as? Double, let d = pair[1] as? Int else { return nil }
            return (metres, d)
        }
    }
}
