import FacilityMapKit
@testable import FacilityServer
import Foundation
import PostgresSupport
import XCTest

/// `serve` on PostgreSQL 15 + PostGIS 3: the demo registry migrated into a fresh database, the server on it.
final class PostGISServerTests: ServerTestCase {
    var database: TestDatabase?
    override var storeLocation: String { database?.url ?? storePath }

    override func setUpWithError() throws {
        try super.setUpWithError()
        let database = try TestDatabase()
        self.database = database
        _ = try RegistryMigration.run(from: storePath, to: database.url)
    }

    override func tearDown() async throws {
        try await super.tearDown()
        database?.drop()
    }

    /// `count` new hospitals registered to townships of `district`, as an upload's CSV.
    func hospitals(in district: String, townships: [AdministrativeUnit], count: Int) -> String {
        var lines = ["id,name,kind,lon,lat,unit,beds,closed"]
        for i in 0..<count {
            let township = townships[i % townships.count]
            let point = township.location ?? LonLat(112.45, 34.62)
            lines.append("PG-\(district)-\(i),\(township.name)第\(i + 1)医院,hospital,\(point.lon),\(point.lat),\(township.code),\(10 + i),")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Eight bureaus upload into their own districts at once: every upload lands, each as its own import with its
    /// author, and readers asking meanwhile are answered.
    func testEightConcurrentUploadsIntoDifferentDistrictsAllLand() async throws {
        let districts = try withStore { try $0.units(level: .district).filter { $0.code != "410371" }.prefix(8).map(\.code) }
        XCTAssertEqual(districts.count, 8)
        var uploads: [(district: String, token: String, csv: String)] = []
        for district in districts {
            let townships = try withStore { try $0.units(level: .township, within: district) }
            XCTAssertFalse(townships.isEmpty, district)
            uploads.append((district, try addToken(name: "\(district)卫健委", kinds: [.hospital], in: district),
                            hospitals(in: district, townships: townships, count: 250)))
        }
        try await startServer()
        let before = try withStore { (facilities: try $0.facilityCount(), imports: try $0.lastImportNumber()) }
        let statuses = try await withThrowingTaskGroup(of: (String, Int, String).self) { group in
            for upload in uploads {
                group.addTask {
                    let answer = try await self.upload(upload.csv, name: "\(upload.district).csv", token: upload.token)
                    return (upload.district, answer.status, answer.text)
                }
            }
            // Readers meanwhile: the facility list and the coverage report answer while uploads are written.
            group.addTask {
                for _ in 0..<5 {
                    let page = try await self.request("/api/facilities?kind=hospital&limit=5")
                    XCTAssertEqual(page.status, 200, page.text)
                    let coverage = try await self.request("/api/coverage?year=2025&target=beds-per-1000")
                    XCTAssertEqual(coverage.status, 200, String(coverage.text.prefix(200)))
                }
                return ("readers", 200, "")
            }
            var out: [String: Int] = [:]
            for try await (district, status, text) in group {
                XCTAssertEqual(status, 200, "\(district): \(text.prefix(300))")
                out[district] = status
            }
            return out
        }
        XCTAssertEqual(statuses.count, 9)
        let after = try withStore { store in
            (facilities: try store.facilityCount(), log: try store.importLog().filter { $0.number! > before.imports })
        }
        XCTAssertEqual(after.facilities, before.facilities + 8 * 250)
        XCTAssertEqual(after.log.count, 8)
        XCTAssertEqual(Set(after.log.compactMap(\.author)), Set(districts.map { "\($0)卫健委" }))
        XCTAssertTrue(after.log.allSatisfy { $0.new == 250 && $0.rejected == 0 })
        for district in districts {
            var ids: [String] = []
            try withStore { try $0.forEachFacility(kind: .hospital, within: district) { if $0.id.hasPrefix("PG-\(district)-") { ids.append($0.id) } } }
            XCTAssertEqual(ids.count, 250, district)
        }
        // A report asked for after the writes sees them.
        let coverage = try await request("/api/coverage?year=2025&target=beds-per-1000&format=json")
        XCTAssertEqual(coverage.status, 200)
    }

    /// The database ends the server's connections (a restart of PostgreSQL): the requests meanwhile get 503 with the
    /// reason, and the next ones are answered on new connections — reads and uploads alike.
    func testConnectionsTheDatabaseEndedAreReplaced() async throws {
        let token = try addToken(name: "全市")
        try await startServer()
        let before = try await request("/api/stats")
        XCTAssertEqual(before.status, 200)
        let first = try await upload("id,name,kind,lon,lat\nPG-R-1,医院,hospital,112.45,34.62\n", name: "a.csv", token: token)
        XCTAssertEqual(first.status, 200, first.text)
        try XCTUnwrap(database).endConnections()
        var statuses: [Int] = []
        for _ in 0..<6 {
            let answer = try await request("/api/stats")
            statuses.append(answer.status)
            if answer.status == 503 { XCTAssertTrue(answer.error.contains("PostgreSQL") || answer.error.contains("server"), answer.error) }
        }
        XCTAssertTrue(statuses.allSatisfy { $0 == 200 || $0 == 503 }, "\(statuses)")
        XCTAssertEqual(statuses.last, 200, "\(statuses)")
        var upload = try await upload("id,name,kind,lon,lat\nPG-R-2,医院二,hospital,112.45,34.62\n", name: "b.csv", token: token)
        if upload.status == 503 {
            upload = try await self.upload("id,name,kind,lon,lat\nPG-R-2,医院二,hospital,112.45,34.62\n", name: "b.csv", token: token)
        }
        XCTAssertEqual(upload.status, 200, upload.text)
        XCTAssertNotNil(try withStore { try $0.facility(id: "PG-R-2") })
    }
}
