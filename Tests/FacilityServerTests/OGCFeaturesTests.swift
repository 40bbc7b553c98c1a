import FacilityMapKit
@testable import FacilityServer
import Foundation
import XCTest

/// OGC API – Features under /ogc: what Part 1: Core asks of a server, on the Luoyang demo.
final class OGCFeaturesTests: ServerTestCase {
    func links(_ object: [String: Any]) -> [String: [String: Any]] {
        Dictionary((object["links"] as? [[String: Any]] ?? []).map { ($0["rel"] as? String ?? "", $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Follows an address's path and query from a link (the server's own host).
    func follow(_ href: String) async throws -> Answer {
        let path = try XCTUnwrap(URL(string: href)).path
        let query = try XCTUnwrap(URL(string: href)).query.map { "?" + $0 } ?? ""
        return try await request(path + query)
    }

    func testTheLandingPageConformanceAndCollectionsSayWhatIsServed() async throws {
        try await startServer()
        let landing = try await request("/ogc")
        XCTAssertEqual(landing.status, 200)
        let rels = links(landing.object)
        XCTAssertEqual(rels["service-desc"]?["type"] as? String, "application/vnd.oai.openapi+json;version=3.0")
        for rel in ["self", "service-doc", "conformance", "data"] { XCTAssertNotNil(rels[rel], rel) }
        let definition = try await follow(rels["service-desc"]?["href"] as? String ?? "")
        XCTAssertEqual(definition.headers["content-type"], "application/vnd.oai.openapi+json;version=3.0")
        let limit = ((definition.object["components"] as? [String: Any])?["parameters"] as? [String: Any])?["limit"] as? [String: Any]
        XCTAssertEqual((limit?["schema"] as? [String: Any])?["maximum"] as? Int, 10_000)
        XCTAssertEqual((limit?["schema"] as? [String: Any])?["default"] as? Int, 100)
        let conformance = try await request("/ogc/conformance")
        XCTAssertEqual(conformance.object["conformsTo"] as? [String], OGCFeatures.conformance)
        let collections = try await request("/ogc/collections")
        let ids = (collections.object["collections"] as? [[String: Any]] ?? []).map { $0["id"] as? String ?? "" }
        XCTAssertEqual(ids, ["facilities", "cities", "districts", "townships", "communities", "villages"]
                       + TargetPlan.luoyang2022.targets.map { "coverage-" + $0.id })
        let facilities = try await request("/ogc/collections/facilities")
        let extent = facilities.object["extent"] as? [String: Any]
        let box = ((extent?["spatial"] as? [String: Any])?["bbox"] as? [[Double]])?.first ?? []
        XCTAssertEqual(box.count, 4)
        XCTAssertTrue(box[0] > 111 && box[2] < 113 && box[1] > 33 && box[3] < 35.2, "\(box)")
        XCTAssertEqual(links(facilities.object)["items"]?["type"] as? String, "application/geo+json")
        let status1 = try await status("/ogc/collections/castles")
        XCTAssertEqual(status1, 404)
        let status2 = try await status("/ogc?color=red")
        XCTAssertEqual(status2, 400, "a parameter the operation does not define")
    }

    func status(_ path: String) async throws -> Int { try await request(path).status }

    func testItemsPageThroughEveryFacilityOnceEitherWayWithTheirCount() async throws {
        try await startServer()
        var forward: [String] = []
        var answer = try await request("/ogc/collections/facilities/items?limit=1000")
        XCTAssertEqual(answer.headers["content-type"], "application/geo+json")
        let matched = answer.object["numberMatched"] as? Int ?? -1
        var pages = 0
        var last = answer
        while true {
            pages += 1
            let features = answer.object["features"] as? [[String: Any]] ?? []
            XCTAssertEqual(answer.object["numberReturned"] as? Int, features.count)
            XCTAssertNotNil(answer.object["timeStamp"] as? String)
            forward += features.map { $0["id"] as? String ?? "" }
            last = answer
            guard let next = links(answer.object)["next"]?["href"] as? String else { break }
            answer = try await follow(next)
        }
        XCTAssertEqual(forward.count, matched)
        XCTAssertEqual(Set(forward).count, forward.count, "each once")
        XCTAssertEqual(forward, forward.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        XCTAssertEqual(pages, (matched + 999) / 1000)
        // Back from the last page by prev links: the same ids.
        var backward = (last.object["features"] as? [[String: Any]] ?? []).map { $0["id"] as? String ?? "" }
        answer = last
        while let previous = links(answer.object)["prev"]?["href"] as? String {
            answer = try await follow(previous)
            backward = (answer.object["features"] as? [[String: Any]] ?? []).map { $0["id"] as? String ?? "" } + backward
        }
        XCTAssertEqual(backward, forward)
        // One feature, and the filters.
        let one = try await request("/ogc/collections/facilities/items/\(forward[10])")
        XCTAssertEqual(one.object["type"] as? String, "Feature")
        XCTAssertEqual(one.object["id"] as? String, forward[10])
        XCTAssertNotNil(links(one.object)["collection"])
        let status3 = try await status("/ogc/collections/facilities/items/NO-SUCH")
        XCTAssertEqual(status3, 404)
        let hospitals = try await request("/ogc/collections/facilities/items?kind=医院&limit=10000")
        let hospitalFeatures = hospitals.object["features"] as? [[String: Any]] ?? []
        XCTAssertTrue(hospitalFeatures.allSatisfy { ($0["properties"] as? [String: Any])?["kind"] as? String == "hospital" })
        XCTAssertEqual(hospitals.object["numberMatched"] as? Int, hospitalFeatures.count)
        let graded = try await request("/ogc/collections/facilities/items?level=%E4%BA%8C%E7%BA%A7%E7%94%B2%E7%AD%89&limit=10000")
        let gradedFeatures = graded.object["features"] as? [[String: Any]] ?? []
        XCTAssertGreaterThan(gradedFeatures.count, 0)
        XCTAssertTrue(gradedFeatures.allSatisfy { ($0["properties"] as? [String: Any])?["level"] as? String == "二级甲等" })
        let unitsByKind = try await request("/ogc/collections/districts/items?kind=hospital")
        XCTAssertEqual(unitsByKind.status, 400, "a facilities' filter on units is refused, not ignored")
        let open2000 = try await request("/ogc/collections/facilities/items?datetime=2000-01-01&limit=10000")
        for feature in open2000.object["features"] as? [[String: Any]] ?? [] {
            let opened = (feature["properties"] as? [String: Any])?["opened"] as? String
            XCTAssertTrue(opened == nil || opened! <= "2000-01-01", "\(opened ?? "")")
        }
        XCTAssertLessThan(open2000.object["numberMatched"] as? Int ?? .max, matched)
        let status4 = try await status("/ogc/collections/facilities/items?limit=0")
        XCTAssertEqual(status4, 400)
        let status5 = try await status("/ogc/collections/facilities/items?bbox=1,2,3")
        XCTAssertEqual(status5, 400)
        let status6 = try await status("/ogc/collections/facilities/items?datetime=yesterday")
        XCTAssertEqual(status6, 400)
        let status7 = try await status("/ogc/collections/facilities/items?colour=red")
        XCTAssertEqual(status7, 400)
        let big = try await request("/ogc/collections/facilities/items?limit=50000")
        XCTAssertEqual(big.object["numberReturned"] as? Int, min(10_000, matched), "a larger ask is cut to the maximum")
    }

    func testUnitsAndCoverageCollectionsAreTheExportsLayers() async throws {
        try await startServer()
        let districts = try await request("/ogc/collections/districts/items?bbox=112.3,34.6,112.5,34.8")
        let codes = (districts.object["features"] as? [[String: Any]] ?? []).map { $0["id"] as? String ?? "" }
        XCTAssertTrue(codes.contains("410302") && codes.contains("410303"), "\(codes)")
        XCTAssertFalse(codes.contains("410329"), "伊川县 lies south of the box")
        let villages = try await request("/ogc/collections/villages/items?in=410302&limit=10000")
        for feature in villages.object["features"] as? [[String: Any]] ?? [] {
            XCTAssertTrue((feature["id"] as? String ?? "").hasPrefix("410302"))
        }
        XCTAssertGreaterThan(villages.object["numberMatched"] as? Int ?? 0, 0)
        let coverage = try await request("/ogc/collections/coverage-beds-per-1000/items?limit=100")
        XCTAssertEqual(coverage.object["target"] as? String, "beds-per-1000")
        let rows = coverage.object["features"] as? [[String: Any]] ?? []
        XCTAssertEqual(rows.count, 15, "one per county-level area")
        XCTAssertNotNil((rows.first?["properties"] as? [String: Any])?["actual"])
        let year2023 = try await request("/ogc/collections/coverage-beds-per-1000/items?year=2023")
        XCTAssertEqual(year2023.object["year"] as? Int, 2023)
        let schema = try await request("/ogc/collections/facilities/schema")
        XCTAssertEqual(schema.headers["content-type"], "application/schema+json")
        let fields = (((schema.object["properties"] as? [String: Any])?["properties"] as? [String: Any])?["properties"] as? [String: Any]) ?? [:]
        XCTAssertEqual((fields["beds"] as? [String: Any])?["type"] as? [String], ["integer", "null"])
    }
}
