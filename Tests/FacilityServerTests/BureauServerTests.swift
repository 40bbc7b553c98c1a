import FacilityMapKit
@testable import FacilityServer
import Foundation
import XCTest

/// The server's part of the bureau's daily loop (#28): an access log, a JSON 400 for a raw Chinese query, and the
/// rejected rows of an upload as the page offers them for download.
final class BureauServerTests: ServerTestCase {
    func testTheAccessLogHasALineARequestWithTheTokensNameAndNoSecret() async throws {
        let log = folder.appendingPathComponent("access.log").path
        try await startServer { $0.accessLog = try! AccessLog(path: log) }
        let secret = try addToken(name: "市卫健委")
        let answer1 = try await request("/api/facilities?kind=%E5%B9%BC%E5%84%BF%E5%9B%AD&limit=1")
        XCTAssertEqual(answer1.status, 200)
        let answer2 = try await request("/api/token", token: secret)
        XCTAssertEqual(answer2.status, 200)
        let answer3 = try await request("/api/token?token=\(secret)", token: "fm_wrong")
        XCTAssertEqual(answer3.status, 401)
        let answer4 = try await request("/api/facilities/NO-SUCH-ID")
        XCTAssertEqual(answer4.status, 404)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, "\(lines)")
        let pattern = #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ 127\.0\.0\.1 GET \S+ \d{3} \d+\.\dms token=\S+$"#
        for line in lines { XCTAssertNotNil(line.range(of: pattern, options: .regularExpression), line) }
        XCTAssertTrue(lines[0].contains(" GET /api/facilities?kind=幼儿园&limit=1 200 ") && lines[0].hasSuffix("token=-"), lines[0])
        XCTAssertTrue(lines[1].contains(" GET /api/token 200 ") && lines[1].hasSuffix("token=市卫健委"), lines[1])
        XCTAssertTrue(lines[2].contains(" GET /api/token?token=… 401 "), lines[2])
        XCTAssertTrue(lines[3].contains(" GET /api/facilities/NO-SUCH-ID 404 "), lines[3])
        XCTAssertFalse(lines.joined().contains(secret), "no secret in the log")
    }

    func testARawChineseQueryGetsAJSON400ThatSaysWhatToEncode() async throws {
        try await startServer()
        let answer = try raw("GET /api/facilities?kind=幼儿园 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", waitingUpTo: 10).answer
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 400"), answer)
        XCTAssertTrue(answer.lowercased().contains("content-type: application/json"), answer)
        XCTAssertTrue(answer.contains("percent-encode"), answer)
        // Encoded, the same query is answered.
        let answer5 = try await request("/api/facilities?kind=%E5%B9%BC%E5%84%BF%E5%9B%AD&limit=1")
        XCTAssertEqual(answer5.status, 200)
    }
}

extension BureauServerTests {
    func testAnUploadsRejectedRowsComeWithTheirFieldsAndTheHeaderForTheDownload() async throws {
        try await startServer()
        let secret = try addToken(name: "市卫健委")
        let csv = "编号,名称,类型,经度,纬度,电话\nX1,洛阳市中医医院,中医医院,112.45,34.62,\"0379, 1\"\nX2,洛阳市第二医院,医院,112.46,34.63,0379-2\n"
        let answer = try await upload(csv, name: "卫健委.csv", token: secret)
        XCTAssertEqual(answer.status, 422, "some rows rejected: \(answer.text)")
        XCTAssertEqual(answer.object["header"] as? [String], ["编号", "名称", "类型", "经度", "纬度", "电话"])
        let rejection = try XCTUnwrap((answer.object["rejections"] as? [[String: Any]])?.first)
        XCTAssertEqual(rejection["fields"] as? [String], ["X1", "洛阳市中医医院", "中医医院", "112.45", "34.62", "0379, 1"])
        XCTAssertTrue((rejection["message"] as? String ?? "").contains("did you mean 中医院 (tcm_hospital)?"), "\(rejection)")
    }
}

/// One table of what an error means (#23): the command line's exit status and the server's HTTP status come from it.
final class ErrorMeaningTests: XCTestCase {
    func testTheServerAndTheCommandLineReadOneTable() {
        let cases: [(Error, exit: Int32, http: Int)] = [
            (CSVError.unreadable(path: "a.csv", reason: "no such file"), 2, 400),
            (ImportError.outsideScope(file: "a.csv", line: 2, id: "X", token: "t", reason: "elsewhere"), 1, 403),
            (ImportError.noDataRows(file: "a.csv", line: 1), 1, 422),
            (SitingError(message: "the goal cannot be reached"), 1, 422),
            (StoreError.busy(path: "s.sqlite", seconds: 5), 1, 503),
            (PostgresError("the server does not answer"), 1, 503),
            (GeoJSONWriteError(path: "out.geojson", reason: "disk full"), 1, 500),
        ]
        for (error, exit, http) in cases {
            let meaning = ErrorMeaning.of(error)
            XCTAssertEqual(meaning, ErrorMeaning(exitStatus: exit, httpStatus: http), "\(error)")
            XCTAssertEqual(Int(APIError.from(error).status.code), http, "\(error)")
            XCTAssertEqual(APIError.from(error).message, "\(error)")
        }
        struct Foreign: Error {}
        XCTAssertNil(ErrorMeaning.of(Foreign()))
        XCTAssertEqual(APIError.from(Foreign()).status, .internalServerError)
    }
}

extension BureauServerTests {
    /// The API reads yes and no as the files do (`YesNo`): `strict=是` is strict.
    func testTheAPIReadsYesAndNoAsTheFilesDo() async throws {
        try await startServer()
        let secret = try addToken(name: "市卫健委")
        let csv = "id,name,kind,lon,lat,beds\nYN-1,甲医院,医院,112.45,34.62,10\nYN-2,乙医院,医院,112.46,34.63,many\n"
        let strict = try await upload(csv, name: "a.csv", token: secret, query: "&strict=%E6%98%AF")
        XCTAssertEqual(strict.object["committed"] as? Bool, false, strict.text)
        let bad = try await upload(csv, name: "a.csv", token: secret, query: "&strict=maybe")
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.error.contains("use true/false, 1/0, yes/no or 是/否"), bad.error)
    }
}

extension BureauServerTests {
    /// The report says which targets judge each area (`per_area`), so the page shows their totals as shares and their
    /// areas as counts, as the terminal does.
    func testTheCoverageReportNamesThePerAreaLevel() async throws {
        try await startServer()
        let answer = try await request("/api/coverage?year=2025")
        let targets = try XCTUnwrap(answer.object["targets"] as? [[String: Any]])
        let vocational = try XCTUnwrap(targets.first { $0["id"] as? String == "vocational-school-per-county" })
        XCTAssertEqual(vocational["per_area"] as? String, "district")
        let beds = try XCTUnwrap(targets.first { $0["id"] as? String == "beds-per-1000" })
        XCTAssertTrue(beds["per_area"] is NSNull)
        // The page's data says which targets show shares, by the terminal's rule: a per-area count's total is a share.
        let map = try await request("/api/map?year=2025&facilities=tiles&target=vocational-school-per-county")
        let drawn = try XCTUnwrap((map.object["targets"] as? [[String: Any]])?.first { $0["id"] as? String == "vocational-school-per-county" })
        XCTAssertEqual(drawn["share"] as? Bool, true)
        XCTAssertEqual(drawn["perArea"] as? String, "district")
        let page = try await request("/")
        XCTAssertTrue(page.text.contains("!!t.share && !(areaRow && t.perArea === report.by)"), "the page's share rule reads perArea")
    }
}
