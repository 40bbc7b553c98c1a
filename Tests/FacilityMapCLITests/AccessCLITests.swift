import FacilityMapKit
import Foundation
import XCTest

/// `coverage --targets` with the shipped life circles file and an access (2SFCA) target, on the Luoyang demo; the
/// coverage layer of an access target.
final class AccessCLITests: DemoStoreTestCase {
    func testLifeCirclesReportPeopleCoveredWithTheUnitShareBeside() throws {
        let file = CLITests.repository.appendingPathComponent("GeoData/targets/gb50180-life-circles.yaml").path
        let json = try run(["coverage", "--targets", file, "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let targets = try XCTUnwrap(object["targets"] as? [[String: Any]])
        XCTAssertEqual(targets.count, 12)
        // The walking versions need roads; the demo store holds none: said, and not met.
        for walk in targets where (walk["id"] as? String)?.hasPrefix("walk") == true {
            let total = try XCTUnwrap(walk["total"] as? [String: Any])
            XCTAssertEqual(total["note"] as? String, "no roads stored", "\(walk["id"]!)")
            XCTAssertTrue(total["met"] is NSNull, "\(walk["id"]!)")
        }
        let kindergarten = try XCTUnwrap(targets.first { $0["id"] as? String == "circle5-kindergarten" })
        let total = try XCTUnwrap(kindergarten["total"] as? [String: Any])
        let people = try XCTUnwrap(total["actual"] as? Double), units = try XCTUnwrap(total["unit_share"] as? Double)
        XCTAssertEqual(people, (total["numerator"] as! Double) / (total["denominator"] as! Double), accuracy: 1e-12)
        XCTAssertGreaterThan(total["denominator"] as! Double, 1_000_000, "people, not communities")
        XCTAssertNotEqual(people, units, "the two shares differ on the sample")
        let table = try run(["coverage", "--targets", file, "--target", "circle5-kindergarten"])
        XCTAssertTrue(table.stdout.contains("people covered") && table.stdout.contains("units covered"), table.stdout)
    }

    func testAnAccessTargetInTheReportAndTheCoverageLayer() throws {
        try """
            plan: 可达性
            area: "410300"
            targets:
              - id: beds-within-5km
                title: 5公里内每千人床位 (2SFCA)
                metric: access
                kinds: [hospital, tcm_hospital, mch_hospital, township_health_center, community_health_center]
                field: beds
                per: 1000
                within_m: 5000
                goals: {2025: 6}
              - id: beds-within-5km-gaussian
                metric: access
                kinds: [hospital, tcm_hospital, mch_hospital, township_health_center, community_health_center]
                field: beds
                per: 1000
                within_m: 5000
                decay: gaussian
                sigma_m: 2500
                goals: {2025: 6}

            """.write(to: folder.appendingPathComponent("access.yaml"), atomically: true, encoding: .utf8)
        let json = try run(["coverage", "--targets", "access.yaml", "--format", "json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let targets = try XCTUnwrap(object["targets"] as? [[String: Any]])
        let plain = try XCTUnwrap((targets[0]["total"] as? [String: Any])?["actual"] as? Double)
        let decayed = try XCTUnwrap((targets[1]["total"] as? [String: Any])?["actual"] as? Double)
        XCTAssertGreaterThan(plain, 0)
        XCTAssertNotEqual(plain, decayed)
        XCTAssertEqual((targets[0]["areas"] as? [Any])?.count, 15)
        let table = try run(["coverage", "--targets", "access.yaml", "--target", "beds-within-5km"])
        XCTAssertTrue(table.stdout.contains("beds reached") && table.stdout.contains("(access, goal 6)"), table.stdout)

        let layer = try run(["export", "geojson", "--layer", "coverage", "--targets", "access.yaml", "--target", "beds-within-5km", "--out", "access.geojson"])
        XCTAssertEqual(layer.status, 0, layer.stderr)
        let collection = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("access.geojson"))) as? [String: Any])
        XCTAssertEqual(collection["metric"] as? String, "access")
        XCTAssertEqual(collection["within_m"] as? Double, 5000)
        let features = try XCTUnwrap(collection["features"] as? [[String: Any]])
        XCTAssertEqual(features.count, 380 + 2581, "every community and village with people")
        // The people-weighted mean of the units' access is the report's total.
        var reached = 0.0, people = 0.0
        for feature in features {
            let p = try XCTUnwrap(feature["properties"] as? [String: Any])
            reached += (p["access"] as! Double) * (p["people"] as! Double)
            people += p["people"] as! Double
        }
        XCTAssertEqual(reached / people, plain, accuracy: 1e-9 * plain)
    }
}
