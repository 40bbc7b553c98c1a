import FacilityMapKit
import Foundation
import XCTest

/// `facilitymap suggest` on the Luoyang demo: the proposals, imported as facilities, meet every target of the plan.
final class SuggestCLITests: DemoStoreTestCase {
    /// The targets with a goal in `year`, and whether each is met in total and in every area.
    func attainment(year: Int) throws -> [String: (total: Bool?, areas: [Bool?])] {
        let report = try run(["coverage", "--year", String(year), "--format", "json"])
        XCTAssertEqual(report.status, 0, report.stderr)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        var result: [String: (Bool?, [Bool?])] = [:]
        for target in json["targets"] as? [[String: Any]] ?? [] where !(target["goal"] is NSNull) {
            let total = (target["total"] as? [String: Any])?["met"] as? Bool
            let areas = (target["areas"] as? [[String: Any]] ?? []).map { $0["met"] as? Bool }
            result[target["id"] as! String] = (total, areas)
        }
        return result
    }

    func testProposalsImportedAsFacilitiesMeetEveryTargetOfThePlan() throws {
        for year in [2023, 2025] {
            let before = try attainment(year: year)
            XCTAssertFalse(before.isEmpty)
            XCTAssertTrue(before.values.contains { $0.total == false || $0.areas.contains(false) }, "the sample misses some goal in \(year)")
            let made = try run(["suggest", "--year", String(year), "--format", "csv", "--out", "proposals-\(year).csv"])
            XCTAssertEqual(made.status, 0, made.stderr)
            func findings() throws -> [String] {
                let json = try JSONSerialization.jsonObject(with: Data(try run(["check", "--format", "json", "--fail-on", "error"]).stdout.utf8))
                return ((json as? [String: Any])?["findings"] as? [[String: Any]] ?? []).map { "\($0["rule"] ?? "") \($0["id"] ?? "")" }
            }
            let findingsBefore = try findings()
            let imported = try run(["import", "facilities", "proposals-\(year).csv"])
            XCTAssertEqual(imported.status, 0, imported.stderr)
            // The tool's own proposals raise none of its warnings: capacity at one site is one facility, and a
            // proposal is not asked for the capacity it does not add.
            XCTAssertEqual(Set(try findings()).subtracting(findingsBefore), [], "in \(year)")
            let after = try attainment(year: year)
            XCTAssertEqual(Set(after.keys), Set(before.keys))
            XCTAssertEqual(Set(after.keys), Set(TargetPlan.luoyang2022.targets.filter { $0.goals[year] != nil }.map(\.id)))
            for (id, after) in after {
                XCTAssertEqual(after.total, true, "\(id) in \(year) is met once the proposals are built")
                XCTAssertFalse(after.areas.contains(false), "\(id) in \(year): every area meets the goal")
            }
            let again = try run(["suggest", "--year", String(year)])
            XCTAssertEqual(again.stdout, "every target is met: nothing to propose\n")
        }
        // The proposals are facilities of the target's first kind, registered to the unit they cover; capacity
        // proposals hold their beds; a conversion is the stored kindergarten, made inclusive, its attributes kept.
        let csv = try String(contentsOf: folder.appendingPathComponent("proposals-2025.csv"), encoding: .utf8)
        XCTAssertTrue(csv.hasPrefix("id,name,kind,lon,lat,unit,beds,doctors,gps,places,inclusive,level,opened,closed,"), csv)
        XCTAssertTrue(csv.hasSuffix("target,area,pick,covers\n") || csv.contains(",target,area,pick,covers\n"), csv)
        XCTAssertTrue(csv.contains(",拟建农村互助幸福院（") && csv.contains(",rural_mutual_aid_home,"), csv)
        let lines = csv.split(separator: "\n").map(String.init)
        let bedsRow = try XCTUnwrap(lines.first { $0.hasPrefix("SUG-beds-per-1000-2025-") })
        XCTAssertNotNil(Int(bedsRow.split(separator: ",", omittingEmptySubsequences: false)[6]), bedsRow)
        let converted = try XCTUnwrap(lines.first { $0.hasPrefix("LY-EDU-") })
        XCTAssertTrue(converted.contains(",true,") && converted.contains(",inclusive-kindergarten-places,"), converted)
        let id = String(converted.prefix { $0 != "," })
        let history = try run(["history", id])
        XCTAssertTrue(history.stdout.contains("inclusive"), history.stdout)
    }

    func testOutputsAndBadInput() throws {
        let table = try run(["suggest", "--year", "2025", "--target", "community-elderly-care"])
        XCTAssertEqual(table.status, 0, table.stderr)
        XCTAssertTrue(table.stdout.contains("proposed sites, in pick order per area"), table.stdout)
        let json = try run(["suggest", "--year", "2025", "--format", "json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let suggestions = try XCTUnwrap(object["suggestions"] as? [[String: Any]])
        XCTAssertEqual(Set(suggestions.compactMap { $0["target"] as? String }),
                       ["community-elderly-care", "rural-elderly-care", "vocational-school-per-county", "community-college-per-county",
                        "senior-education-per-county", "beds-per-1000", "gps-per-10000", "inclusive-kindergarten-places"])
        let geojson = try run(["suggest", "--year", "2025", "--format", "geojson", "--out", "p.geojson"])
        XCTAssertEqual(geojson.status, 0, geojson.stderr)
        let features = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("p.geojson"))) as? [String: Any])?["features"] as? [[String: Any]])
        let proposals = suggestions.flatMap { ($0["areas"] as? [[String: Any]] ?? []).flatMap { $0["proposals"] as? [Any] ?? [] } }
        XCTAssertEqual(features.count, proposals.count)
        XCTAssertEqual((features.first?["properties"] as? [String: Any])?["proposed"] as? Bool, true)

        let exact = try run(["suggest", "--year", "2025", "--target", "rural-elderly-care", "--exact", "--format", "json"])
        XCTAssertEqual(exact.status, 0, exact.stderr)
        let greedy = try run(["suggest", "--year", "2025", "--target", "rural-elderly-care", "--format", "json"])
        func counts(_ text: String) throws -> [Int] {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
            let areas = ((object["suggestions"] as? [[String: Any]])?.first?["areas"] as? [[String: Any]]) ?? []
            return areas.compactMap { $0["new"] as? Int }
        }
        // Within 0 m each site covers one village: the greedy is optimal, and GLPK agrees area by area.
        XCTAssertEqual(try counts(exact.stdout), try counts(greedy.stdout))
        XCTAssertTrue(exact.stdout.contains("\"greedy\": "), exact.stdout.prefix(400).description)

        let unknown = try run(["suggest", "--target", "nope"])
        XCTAssertEqual(unknown.status, 2)
        let beds = try run(["suggest", "--year", "2025", "--target", "beds-per-1000"])
        XCTAssertEqual(beds.status, 0, beds.stderr)
        XCTAssertTrue(beds.stdout.contains("code    area                    before  beds  sites  after"), beds.stdout)
        // The sample has 57 street-level centres of the 58.
        let total = try run(["suggest", "--year", "2023", "--target", "street-elderly-centers", "--format", "json"])
        XCTAssertEqual(total.status, 0, total.stderr)
        XCTAssertTrue(total.stdout.contains("\"total_before\": 57") && total.stdout.contains("\"total_after\": 58"), total.stdout)
        let grid = try run(["suggest", "--year", "2025", "--target", "community-elderly-care", "--candidates", "grid:500m"])
        XCTAssertEqual(grid.status, 1)
        XCTAssertTrue(grid.stderr.contains("but the candidates can cover only 0"), grid.stderr)
        // No candidates: a plots file with a header only, or plots outside every area short of the goal.
        try "id,name,lon,lat\n".write(to: folder.appendingPathComponent("none.csv"), atomically: true, encoding: .utf8)
        let none = try run(["suggest", "--year", "2025", "--target", "rural-elderly-care", "--candidates", "none.csv"])
        XCTAssertEqual(none.status, 1)
        XCTAssertTrue(none.stderr.contains("none.csv:1: the file has a header but no data rows"), none.stderr)
        try "id,name,lon,lat\np1,远处地块,100.0,20.0\n".write(to: folder.appendingPathComponent("far.csv"), atomically: true, encoding: .utf8)
        let far = try run(["suggest", "--year", "2025", "--target", "beds-per-1000", "--candidates", "far.csv"])
        XCTAssertEqual(far.status, 1)
        XCTAssertTrue(far.stderr.contains("beds but none of the candidate plots lies in it"), far.stderr)
        let badGrid = try run(["suggest", "--candidates", "grid:0m"])
        XCTAssertEqual(badGrid.status, 2)
        XCTAssertTrue(badGrid.stderr.contains("give the grid's spacing in metres"), badGrid.stderr)
    }

    func testTheMapDrawsTheProposedSitesApartInARealBrowser() throws {
        let made = try run(["map", "--year", "2025", "--suggest", "--out", "proposed.html"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let json = try run(["suggest", "--year", "2025", "--target", "community-elderly-care", "--format", "json"])
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let proposals = ((object["suggestions"] as? [[String: Any]])?.first?["areas"] as? [[String: Any]] ?? [])
            .flatMap { $0["proposals"] as? [[String: Any]] ?? [] }
        XCTAssertFalse(proposals.isEmpty)
        XCTAssertTrue(made.stdout.hasPrefix("wrote proposed.html with "), made.stdout)
        // The page opens on the first target (community elderly care): its proposals, drawn as diamonds.
        let page = folder.appendingPathComponent("proposed.html")
        let dom = try CLITests.chromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString], in: folder)
        XCTAssertTrue(dom.contains("data-proposed=\"\(proposals.count)\""), "one mark per proposal")
        XCTAssertEqual(dom.components(separatedBy: "class=\"proposed\"").count - 1, proposals.count + 1, "the marks and the legend's")
        let html = try String(contentsOf: page, encoding: .utf8)
        XCTAssertTrue(html.contains(try XCTUnwrap(proposals[0]["id"] as? String)), "the proposal's id for its tooltip")
        // The conversions of the kindergarten target are rings, shown when it is chosen.
        let kindergartens = try CLITests.chromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString + "#inclusive-kindergarten-places"], in: folder)
        XCTAssertTrue(kindergartens.contains("class=\"proposed converts\" cx="), "conversions ringed")
        // Without --suggest, no proposals.
        XCTAssertEqual(try run(["map", "--year", "2025", "--out", "plain.html"]).status, 0)
        let plain = try CLITests.chromium(["--virtual-time-budget=5000", "--dump-dom", folder.appendingPathComponent("plain.html").absoluteString], in: folder)
        XCTAssertTrue(plain.contains("data-proposed=\"0\""))
    }
}
