import FacilityMapKit
@testable import FacilityServer
import Foundation
import XCTest

/// A plan with a target along the roads, served: the report is the command line's, and stays so after an upload
/// updates the coverage inputs in memory (the roads and their network kept, not lost with the update).
final class NetworkServerTests: ServerTestCase {
    /// Walking to a community elderly-care centre, 1,000 m along the roads, in Luoyang's urban districts.
    static let plan = TargetPlan(plan: "步行养老", area: "410300", targets: [{
        var target = Target(id: "walk-elderly", title: "步行1000米养老服务", metric: .unitCoverage,
                            kinds: [.communityElderlyCenter, .neighborhoodElderlyStation], units: .community, withinMetres: 1_000,
                            goals: [2025: 1])
        target.distance = .network(.walk)
        return target
    }()])

    /// A grid of residential streets every 300 m over the old city and its neighbours (112.36–112.50 E, 34.60–34.72 N).
    func importStreetGrid() throws {
        var features: [String] = []
        func line(_ points: [(Double, Double)]) {
            let coordinates = points.map { "[\($0.0),\($0.1)]" }.joined(separator: ",")
            features.append(#"{"type":"Feature","properties":{"highway":"residential"},"geometry":{"type":"LineString","coordinates":[\#(coordinates)]}}"#)
        }
        let lons = stride(from: 112.36, through: 112.50, by: 0.0033).map { $0 }, lats = stride(from: 34.60, through: 34.72, by: 0.0027).map { $0 }
        for lat in lats { line(lons.map { ($0, lat) }) }
        for lon in lons { line(lats.map { (lon, $0) }) }
        let file = folder.appendingPathComponent("streets.geojson")
        try (#"{"type":"FeatureCollection","features":["# + features.joined(separator: ",") + "]}").write(to: file, atomically: true, encoding: .utf8)
        _ = try withStore { store in try RoadImporter().run(path: file.path, into: store) }
    }

    func testAWalkingTargetIsServedAndSurvivesAnUpload() async throws {
        try importStreetGrid()
        let token = try addToken(name: "民政局")
        try await startServer(plan: Self.plan)
        let query = CoverageQuery(year: 2025, by: .district)
        func fresh() throws -> String {
            try withStore { store in CoverageFormatter.json(try CoverageEngine(store: store, for: Self.plan).report(plan: Self.plan, query: query)) }
        }
        let before = try await request("/api/coverage?year=2025&by=district")
        XCTAssertEqual(before.status, 200, before.text)
        XCTAssertEqual(before.text, try fresh())
        XCTAssertFalse(before.text.contains("no roads stored"), before.text)
        let covered = { (answer: Answer) -> Double? in
            ((answer.object["targets"] as? [[String: Any]])?.first?["total"] as? [String: Any])?["numerator"] as? Double
        }
        let coveredBefore = try XCTUnwrap(covered(before))
        XCTAssertGreaterThan(coveredBefore, 0)

        // A new centre in an uncovered community of the grid: the inputs are updated in memory, the roads kept.
        let uncovered = try withStore { store in
            try CoverageEngine(store: store, for: Self.plan).unitCoverage(of: Self.plan.targets[0], plan: Self.plan, query: query)
                .first { !$0.covered && $0.network?.offNetwork == false }
        }
        let community = try XCTUnwrap(uncovered?.unit)
        let point = try XCTUnwrap(community.location ?? community.boundary?.representativePoint())
        let csv = "id,name,kind,lon,lat,unit\nWALK-NEW-1,新建社区养老服务中心,community_elderly_center,\(point.lon),\(point.lat),\(community.code)\n"
        let upload = try await upload(csv, name: "新建.csv", token: token)
        XCTAssertEqual(upload.status, 200, upload.text)
        let after = try await request("/api/coverage?year=2025&by=district")
        XCTAssertEqual(after.text, try fresh(), "the updated inputs answer as a full read does")
        XCTAssertFalse(after.text.contains("no roads stored"), after.text)
        XCTAssertGreaterThan(try XCTUnwrap(covered(after)), coveredBefore)
    }
}
