import FacilityMapKit
@testable import FacilityServer
import Foundation
import XCTest

final class ServerReadTests: ServerTestCase {
    func testCoverageIsTheCommandLinesJSONAndWarmRequestsComeFromMemory() async throws {
        try await startServer()
        let answer = try await request("/api/coverage?year=2025&by=district")
        XCTAssertEqual(answer.status, 200)
        XCTAssertEqual(answer.headers["content-type"], "application/json; charset=utf-8")
        let expected = try withStore { store in
            CoverageFormatter.json(try CoverageEngine(store: store).report(plan: .luoyang2022, query: CoverageQuery(year: 2025, by: .district)))
        }
        XCTAssertEqual(answer.text, expected)
        XCTAssertTrue(answer.text.contains("\"name\": \"西工区\""))
        let one = try await request("/api/coverage?year=2023&as_of=2023-06-30&by=township&target=beds-per-1000")
        let expectedOne = try withStore { store in
            CoverageFormatter.json(try CoverageEngine(store: store).report(
                plan: .luoyang2022, query: CoverageQuery(year: 2023, asOf: Day(parsing: "2023-06-30"), by: .township, targetID: "beds-per-1000")))
        }
        XCTAssertEqual(one.text, expectedOne)
    }

    func testLargeAnswersAreGzippedForClientsThatAcceptIt() async throws {
        try await startServer()
        let plain = try raw("GET /api/coverage?year=2025 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", waitingUpTo: 20)
        XCTAssertFalse(plain.answer.lowercased().contains("content-encoding"), plain.answer.prefix(300).description)
        let expected = try XCTUnwrap(plain.answer.components(separatedBy: "\r\n\r\n").dropFirst().first)
        let zipped = try rawBytes("GET /api/coverage?year=2025 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip, br\r\nConnection: close\r\n\r\n")
        let split = try XCTUnwrap(zipped.firstRange(of: Data("\r\n\r\n".utf8)))
        let head = String(decoding: zipped[..<split.lowerBound], as: UTF8.self).lowercased()
        XCTAssertTrue(head.contains("content-encoding: gzip"), head)
        XCTAssertTrue(head.contains("vary: accept-encoding"), head)
        let body = zipped[split.upperBound...]
        XCTAssertLessThan(body.count, expected.utf8.count / 3)
        let file = folder.appendingPathComponent("coverage.json.gz")
        try Data(body).write(to: file)
        let gunzip = Process()
        gunzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
        gunzip.arguments = ["-dc", file.path]
        let out = Pipe()
        gunzip.standardOutput = out
        try gunzip.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        gunzip.waitUntilExit()
        XCTAssertEqual(text, expected)
        let refused = try raw("GET /api/coverage?year=2025 HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip;q=0\r\nConnection: close\r\n\r\n", waitingUpTo: 20)
        XCTAssertFalse(refused.answer.lowercased().contains("content-encoding"))
    }

    func testBadParametersGetTheCommandLinesWordingAs400() async throws {
        try await startServer()
        let kind = try await request("/api/facilities?kind=hospitals")
        XCTAssertEqual(kind.status, 400)
        XCTAssertTrue(kind.error.hasPrefix("kind=hospitals is not a known kind — did you mean hospital (医院)?"), kind.error)
        XCTAssertEqual(kind.object["status"] as? Int, 400)
        let asOf = try await request("/api/coverage?as_of=2025-13-01")
        XCTAssertEqual(asOf.status, 400)
        XCTAssertEqual(asOf.error, "as_of=2025-13-01 is not a date: write YYYY-MM-DD")
        let target = try await request("/api/coverage?target=nope")
        XCTAssertEqual(target.status, 400)
        XCTAssertTrue(target.error.hasPrefix("target=nope is not a target of the plan: use an id or a title of "), target.error)
        let by = try await request("/api/coverage?by=village")
        XCTAssertEqual(by.error, "by=village is not an area level: use city, district or township")
        let twice = try await request("/api/facilities?limit=1&limit=2")
        XCTAssertEqual(twice.status, 400)
        let unit = try await request("/api/facilities?in=999999")
        XCTAssertEqual(unit.status, 404)
        XCTAssertEqual(unit.error, "no unit with code 999999 in the registry — see /api/units")
        let nowhere = try await request("/api/nothing")
        XCTAssertEqual(nowhere.status, 404)
        XCTAssertTrue(nowhere.error.contains("no such address: GET /api/nothing"), nowhere.error)
        let facility = try await request("/api/facilities/NOPE")
        XCTAssertEqual(facility.status, 404)
    }

    func testFacilitiesArePagedInIdOrderWithFiltersAsListHasThem() async throws {
        try await startServer()
        let all = try withStore { store in try store.facilities(kind: .hospital, within: "410303", limit: 10_000).map(\.id) }
        XCTAssertGreaterThan(all.count, 3)
        var seen: [String] = []
        var after = ""
        // 医院 as a Chinese kind name, percent-encoded as a browser sends it.
        while true {
            let answer = try await request("/api/facilities?kind=%E5%8C%BB%E9%99%A2&in=410303&limit=3" + (after.isEmpty ? "" : "&after=\(after)"))
            XCTAssertEqual(answer.status, 200, answer.text)
            let page = try XCTUnwrap(answer.object["facilities"] as? [[String: Any]])
            XCTAssertLessThanOrEqual(page.count, 3)
            seen += page.compactMap { $0["id"] as? String }
            guard let next = answer.object["next"] as? String else { break }
            after = next
        }
        XCTAssertEqual(seen, all)
        let one = try await request("/api/facilities/\(all[0])")
        XCTAssertEqual(one.object["kind"] as? String, "hospital")
        XCTAssertEqual(one.object["id"] as? String, all[0])

        let units = try await request("/api/units?level=district&limit=5")
        let codes = try XCTUnwrap(units.object["units"] as? [[String: Any]]).compactMap { $0["code"] as? String }
        XCTAssertEqual(codes, ["410302", "410303", "410304", "410305", "410307"])
        let rest = try await request("/api/units?level=district&limit=100&after=410307")
        let restCodes = try XCTUnwrap(rest.object["units"] as? [[String: Any]]).compactMap { $0["code"] as? String }
        XCTAssertEqual(restCodes.first, "410308")
        XCTAssertEqual(codes.count + restCodes.count, 15)
        XCTAssertTrue(rest.object["next"] is NSNull)
        let unit = try await request("/api/units/410303")
        XCTAssertEqual(unit.object["name"] as? String, "西工区")
    }

    func testLayersStreamEveryFeatureAndStatsAndImportsAnswer() async throws {
        try await startServer()
        let count = try withStore { try $0.facilityCount() }
        let layer = try await request("/api/layers/facilities.geojson")
        XCTAssertEqual(layer.status, 200)
        XCTAssertEqual(layer.headers["content-type"], "application/geo+json; charset=utf-8")
        let features = try XCTUnwrap(layer.object["features"] as? [[String: Any]])
        XCTAssertEqual(features.count, count)
        let coverage = try await request("/api/layers/coverage.geojson?target=beds-per-1000&year=2025")
        // One feature per district (the 15 county-level units, 高新区 among them).
        XCTAssertEqual((coverage.object["features"] as? [Any])?.count, try withStore { try $0.units(level: .district).count })
        let bad = try await request("/api/layers/roads.geojson")
        XCTAssertEqual(bad.status, 404)
        let stats = try await request("/api/stats")
        XCTAssertEqual(stats.object["facilities"] as? Int, count)
        let imports = try await request("/api/imports")
        let log = try XCTUnwrap(imports.object["imports"] as? [[String: Any]])
        XCTAssertEqual(log.count, 5)
        XCTAssertEqual(log.last?["author"] as? String, "local user", "a public read names no account")
        let page = try await request("/")
        XCTAssertEqual(page.headers["content-type"], "text/html; charset=utf-8")
        XCTAssertTrue(page.text.contains("<title>幸福洛阳建设行动计划"))
    }

    func testPrivateReadsNeedAKnownToken() async throws {
        let secret = try addToken(name: "市卫健委")
        try await startServer { $0.privateReads = true }
        let anonymous = try await request("/api/stats")
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(anonymous.headers["www-authenticate"], "Bearer realm=\"FacilityMap\"")
        let wrong = try await request("/api/stats", token: "fm_wrong")
        XCTAssertEqual(wrong.status, 401)
        let known = try await request("/api/stats", token: secret)
        XCTAssertEqual(known.status, 200)
    }
}

final class ServerWriteTests: ServerTestCase {
    /// A hospital registered in 西工区 (410303), stored in the demo.
    var xigongHospital: Facility {
        get throws { try withStore { try $0.facilities(kind: .hospital, within: "410303", limit: 1)[0] } }
    }

    func csv(_ rows: [String]) -> String {
        (["id,name,kind,lon,lat,unit,beds,closed"] + rows).joined(separator: "\n") + "\n"
    }

    func testUploadsNeedATokenAndAWriteOutsideItsScopeIsRefusedWhole() async throws {
        let scoped = try addToken(name: "西工区卫健委", kinds: [.hospital, .villageClinic], in: "410303")
        try await startServer()
        let hospital = try xigongHospital
        let before = try withStore { (try $0.facilityCount(), try $0.importLog().count) }
        let file = csv([
            "\(hospital.id),\(hospital.name),hospital,\(hospital.location.lon),\(hospital.location.lat),\(hospital.unit ?? ""),999,",
            "XG-NEW-1,西工区新医院,医院,112.43,34.67,410303001,100,",
            "LC-NEW-1,老城区新医院,hospital,112.43,34.67,410302001,100,",
        ])
        let anonymous = try await upload(file, name: "卫健委.csv", token: nil)
        XCTAssertEqual(anonymous.status, 401)
        let outside = try await upload(file, name: "卫健委.csv", token: scoped)
        XCTAssertEqual(outside.status, 403)
        XCTAssertEqual(outside.error, "卫健委.csv:4: LC-NEW-1 is outside what the token 西工区卫健委 may write: its unit 410302001 is not in 410303 or below it — nothing was imported; remove the row or ask whoever holds that area")
        let kind = try await upload(csv(["XG-KG-1,幼儿园,kindergarten,112.43,34.67,410303001,,"]), name: "k.csv", token: scoped)
        XCTAssertEqual(kind.status, 403)
        XCTAssertTrue(kind.error.contains("its kind kindergarten is not one of hospital, village_clinic"), kind.error)
        XCTAssertEqual(try withStore { (try $0.facilityCount(), try $0.importLog().count) }.0, before.0)
        XCTAssertEqual(try withStore { try $0.importLog().count }, before.1)
        XCTAssertEqual(try withStore { try $0.facility(id: hospital.id)?.beds }, hospital.beds)
        let units = try await upload("code,name,level,parent,population,lon,lat\n410303999,新街道,township,410303,,112.4,34.6\n",
                                     to: "units", name: "u.csv", token: scoped)
        XCTAssertEqual(units.status, 403)
    }

    func testAnUploadIsTheImportWithItsRejectsAndTheHistorySaysWhoChangedWhat() async throws {
        let scoped = try addToken(name: "西工区卫健委", kinds: [.hospital, .villageClinic], in: "410303")
        try await startServer()
        let hospital = try xigongHospital
        let coverageBefore = try await request("/api/coverage?year=2025&target=beds-per-1000")
        let file = csv([
            "\(hospital.id),\(hospital.name),hospital,\(hospital.location.lon),\(hospital.location.lat),\(hospital.unit ?? ""),\((hospital.beds ?? 0) + 500),",
            "XG-NEW-1,西工区新医院,医院,112.43,34.67,410303001,many,",
        ])
        let answer = try await upload(file, name: "卫健委-上报.csv", token: scoped)
        XCTAssertEqual(answer.status, 422, answer.text)
        XCTAssertEqual(answer.object["line"] as? String, "imported 2 rows: 0 new, 1 updated, 0 unchanged, 1 rejected")
        let rejection = try XCTUnwrap((answer.object["rejections"] as? [[String: Any]])?.first)
        XCTAssertEqual(rejection["text"] as? String,
                       "卫健委-上报.csv:3: beds: many is not a whole number — write a count such as 120, or leave it empty")
        XCTAssertEqual(try withStore { try $0.facility(id: hospital.id)?.beds }, (hospital.beds ?? 0) + 500)

        // The coverage inputs were loaded again after the write.
        let coverageAfter = try await request("/api/coverage?year=2025&target=beds-per-1000")
        let beds = { (answer: Answer) -> Double? in
            ((answer.object["targets"] as? [[String: Any]])?.first?["total"] as? [String: Any])?["numerator"] as? Double
        }
        XCTAssertEqual(try XCTUnwrap(beds(coverageAfter)) - XCTUnwrap(beds(coverageBefore)), 500)

        let close = try await upload(csv(["\(hospital.id),\(hospital.name),hospital,\(hospital.location.lon),\(hospital.location.lat),\(hospital.unit ?? ""),\((hospital.beds ?? 0) + 500),2026-06-30"]),
                                     name: "关闭.csv", token: scoped)
        XCTAssertEqual(close.status, 200, close.text)
        // The inputs were updated with the uploads' rows (not read again): the report a full read gives, byte for byte.
        let served = try await request("/api/coverage?year=2025&by=township")
        let fresh = try withStore { store in
            CoverageFormatter.json(try CoverageEngine(store: store).report(plan: .luoyang2022, query: CoverageQuery(year: 2025, by: .township)))
        }
        XCTAssertEqual(served.text, fresh)

        let history = try await request("/api/facilities/\(hospital.id)/history")
        let changes = try XCTUnwrap(history.object["changes"] as? [[String: Any]])
        XCTAssertEqual(changes.map { $0["action"] as? String }, ["created", "updated", "closed"])
        let imports = changes.map { $0["import"] as? [String: Any] ?? [:] }
        XCTAssertEqual(imports.map { $0["author"] as? String }.dropFirst(), ["西工区卫健委", "西工区卫健委"])
        XCTAssertEqual(imports.map { $0["file"] as? String }.dropFirst(), ["卫健委-上报.csv", "关闭.csv"])
        XCTAssertEqual((imports[1]["sha256"] as? String), SHA256.hex(of: Array(file.utf8)))
        XCTAssertEqual((changes[1]["old"] as? [String: Any])?["beds"] as? Int, hospital.beds)
        XCTAssertEqual((changes[1]["new"] as? [String: Any])?["beds"] as? Int, (hospital.beds ?? 0) + 500)
        XCTAssertEqual((changes[2]["new"] as? [String: Any])?["closed"] as? String, "2026-06-30")
        // The command line shows the same history.
        let table = try withStore { RegistryText.historyTable(try $0.history(facilityID: hospital.id)!) }
        XCTAssertTrue(table.contains("西工区卫健委"), table)
        XCTAssertTrue(table.contains("beds: \(hospital.beds!) → \(hospital.beds! + 500)"), table)
    }

    func testBadUploadsGetAClear4xxAndChangeNothing() async throws {
        let everywhere = try addToken(name: "市民政局")
        try await startServer { $0.maxUploadBytes = 4096 }
        let before = try withStore { try $0.importLog().count }
        let big = try await upload(String(repeating: "x", count: 10_000), name: "big.csv", token: everywhere)
        XCTAssertEqual(big.status, 413)
        XCTAssertTrue(big.error.contains("at most 4096"), big.error)
        let multipart = try await request("/api/facilities?file=a.csv", method: "POST", body: Data("--b\r\n\r\n--b--".utf8), token: everywhere,
                                          headers: ["Content-Type": "multipart/form-data; boundary=b"])
        XCTAssertEqual(multipart.status, 400)
        XCTAssertTrue(multipart.error.hasPrefix("malformed multipart body: the headers of the part at byte 5 do not end"), multipart.error)
        let cut = try await request("/api/facilities", method: "POST",
                                    body: Data("--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\nid,name\n".utf8),
                                    token: everywhere, headers: ["Content-Type": "multipart/form-data; boundary=b"])
        XCTAssertEqual(cut.status, 400)
        XCTAssertTrue(cut.error.contains("has no closing boundary"), cut.error)
        let noBoundary = try await request("/api/facilities", method: "POST", body: Data("x".utf8), token: everywhere,
                                           headers: ["Content-Type": "multipart/form-data"])
        XCTAssertEqual(noBoundary.status, 400)
        let mixed = try await request("/api/facilities", method: "POST", body: Data("x".utf8), token: everywhere,
                                      headers: ["Content-Type": "multipart/mixed; boundary=b"])
        XCTAssertEqual(mixed.status, 415)
        let empty = try await request("/api/facilities?file=a.csv", method: "POST", body: Data(), token: everywhere)
        XCTAssertEqual(empty.status, 400)
        let badJSON = try await upload("{\"type\": \"FeatureCollection\", \"features\": [\n{]}", to: "units", name: "区划.geojson",
                                       token: everywhere)
        XCTAssertEqual(badJSON.status, 422)
        XCTAssertTrue(badJSON.error.hasPrefix("区划.geojson:"), badJSON.error)
        let noHeader = try await upload("just,some,words\n1,2,3\n", name: "x.csv", token: everywhere)
        XCTAssertEqual(noHeader.status, 422)
        XCTAssertTrue(noHeader.error.hasPrefix("x.csv:1: the header has no column for"), noHeader.error)
        let strict = try await upload(csv(["A,甲,hospital,112.43,34.67,,many,"]), name: "s.csv", token: everywhere, query: "&strict=true")
        XCTAssertEqual(strict.status, 422)
        XCTAssertEqual(strict.object["committed"] as? Bool, false)
        XCTAssertEqual(try withStore { try $0.importLog().count }, before)
        let ok = try await request("/api/stats")
        XCTAssertEqual(ok.status, 200)
    }

    func testATwoGigabyteUploadIsRefusedAtOnceAndASilentClientIsDisconnected() async throws {
        let everywhere = try addToken(name: "市民政局")
        try await startServer { $0.idleTimeoutSeconds = 1 }
        // Declared 2 GB: refused before a byte of the body is read.
        let big = try raw("POST /api/facilities?file=big.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(everywhere)\r\n"
                          + "Content-Type: text/csv\r\nContent-Length: 2147483648\r\n\r\nid,name", waitingUpTo: 10)
        XCTAssertTrue(big.answer.hasPrefix("HTTP/1.1 413"), big.answer)
        XCTAssertTrue(big.answer.contains("the upload is 2147483648 bytes; this server takes at most 536870912"), big.answer)
        // Half a request, then nothing: the server closes the connection after its idle timeout.
        let slow = try raw("GET /api/stats HTTP/1.1\r\nHost: x\r\n", waitingUpTo: 10)
        XCTAssertEqual(slow.answer, "")
        XCTAssertNotNil(slow.closedBy, "the server closed the stalled connection")
        // Not a request at all.
        let garbage = try raw("\u{01}\u{02}NOT HTTP\r\n\r\n", waitingUpTo: 10)
        XCTAssertTrue(garbage.answer.isEmpty || garbage.answer.hasPrefix("HTTP/1.1 400"), garbage.answer)
        let stats = try await request("/api/stats")
        XCTAssertEqual(stats.status, 200, "the server still answers")
        XCTAssertEqual(try withStore { try $0.importLog().count }, 5)
    }

    func testABrowsersFormUploadIsTakenWithItsFieldsAndFileName() async throws {
        let everywhere = try addToken(name: "市卫健委")
        try await startServer()
        let boundary = "----WebKitFormBoundary7MA4YWxkTrZu0gW"
        let csv = "编号,名称,类型,经度,纬度,床位数\nGCJ-1,高德坐标医院,医院,112.4354,34.6622,80\nGCJ-2,坏行,医院,112.43,34.66,many\n"
        var body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"crs\"\r\n\r\ngcj02\r\n"
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"卫健委-上报.csv\"\r\nContent-Type: text/csv\r\n\r\n"
        body += csv + "\r\n--\(boundary)--\r\n"
        let answer = try await request("/api/facilities", method: "POST", body: Data(body.utf8), token: everywhere,
                                       headers: ["Content-Type": "multipart/form-data; boundary=\(boundary)"])
        XCTAssertEqual(answer.status, 422, answer.text)
        XCTAssertEqual(answer.object["file"] as? String, "卫健委-上报.csv")
        let rejection = try XCTUnwrap((answer.object["rejections"] as? [[String: Any]])?.first?["text"] as? String)
        XCTAssertTrue(rejection.hasPrefix("卫健委-上报.csv:3: 床位数: many is not a whole number"), rejection)
        // The form's crs field applied: the point was converted from GCJ-02.
        let stored = try XCTUnwrap(try withStore { try $0.facility(id: "GCJ-1") })
        let expected = CoordinateSystem.gcj02.toWGS84(LonLat(112.4354, 34.6622))
        XCTAssertEqual(stored.location.lon, expected.lon, accuracy: 1e-9)
        XCTAssertEqual(stored.location.lat, expected.lat, accuracy: 1e-9)
        XCTAssertEqual(try withStore { try $0.importLog().last?.file }, "卫健委-上报.csv")
    }

    func testAnUploadThatTricklesInGets408AndChangesNothing() async throws {
        let everywhere = try addToken(name: "市民政局")
        try await startServer {
            $0.uploadGraceSeconds = 1
            $0.minimumUploadRate = 1000
        }
        let before = try withStore { try $0.importLog().count }
        let fd = try connectRaw()
        defer { close(fd) }
        sendRaw(fd, "POST /api/facilities?file=slow.csv HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(everywhere)\r\n"
                + "Content-Type: text/csv\r\nContent-Length: 100000\r\n\r\nid,name,kind,lon,lat\n")
        try await Task.sleep(nanoseconds: 1_300_000_000)
        sendRaw(fd, "A1,甲,hospital,112.4,34.6\n")
        let answer = String(decoding: receiveRaw(fd, seconds: 10), as: UTF8.self)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 408"), answer)
        XCTAssertTrue(answer.contains("slower than the 1000 this server waits for"), answer)
        XCTAssertEqual(try withStore { try $0.importLog().count }, before)
    }
}
