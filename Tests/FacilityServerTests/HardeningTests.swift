import FacilityMapKit
@testable import FacilityServer
import Foundation
import XCTest

/// Issue #22's probes of the shared registry that did not hold, each reproduced first.
final class HardeningTests: ServerTestCase {
    func testPercentEncodedIdsAreDecodedChineseSpacesAndSlashesIncluded() async throws {
        let secret = try addToken(name: "市卫健委")
        try await startServer()
        let csv = "id,name,kind,lon,lat,unit,beds\n测试 1,测试医院,hospital,112.43,34.67,410303001,10\nA/B,斜杠医院,hospital,112.43,34.67,410303001,20\n"
        let stored = try await upload(csv, name: "ids.csv", token: secret)
        XCTAssertEqual(stored.status, 200, stored.text)
        let chinese = try await request("/api/facilities/%E6%B5%8B%E8%AF%95%201")
        XCTAssertEqual(chinese.status, 200, chinese.text)
        XCTAssertEqual(chinese.object["id"] as? String, "测试 1")
        let slash = try await request("/api/facilities/A%2FB")
        XCTAssertEqual(slash.status, 200, slash.text)
        XCTAssertEqual(slash.object["name"] as? String, "斜杠医院")
        for path in ["/api/facilities/%E6%B5%8B%E8%AF%95%201/history", "/api/facilities/A%2FB/history"] {
            let history = try await request(path)
            XCTAssertEqual(history.status, 200, "\(path): \(history.text)")
            XCTAssertTrue(history.text.contains("created"), history.text)
        }
        let unit = try await request("/api/units/410303")
        XCTAssertEqual(unit.status, 200)
        let undecodable = try await request("/api/facilities/%FF%FE")
        XCTAssertEqual(undecodable.status, 400, undecodable.text)
    }

    func testHeadIsAnsweredAsGetWithoutTheBodyAndEveryAnswerCarriesSecurityHeaders() async throws {
        try await startServer()
        for path in ["/", "/api/stats", "/api/plan", "/api/facilities?limit=2"] {
            let get = try await request(path)
            let head = try await request(path, method: "HEAD")
            XCTAssertEqual(head.status, 200, path)
            XCTAssertTrue(head.body.isEmpty, path)
            XCTAssertEqual(head.headers["content-type"], get.headers["content-type"], path)
            XCTAssertEqual(head.headers["content-length"], String(get.body.count), path)
        }
        let page = try await request("/")
        let api = try await request("/api/stats")
        let missing = try await request("/api/nothing")
        for answer in [page, api, missing] {
            XCTAssertEqual(answer.headers["x-content-type-options"], "nosniff")
            XCTAssertEqual(answer.headers["referrer-policy"], "no-referrer")
            XCTAssertEqual(answer.headers["x-frame-options"], "DENY")
        }
        let policy = try XCTUnwrap(page.headers["content-security-policy"])
        XCTAssertTrue(policy.contains("frame-ancestors 'none'") && policy.contains("default-src 'none'")
                      && policy.contains("script-src 'sha256-") && !policy.contains("unsafe-eval"), policy)
        XCTAssertFalse(policy.contains("script-src 'unsafe-inline'"), policy)
        // The policy names the hash of the page's own script.
        let script = try XCTUnwrap(page.text.range(of: "<script>").flatMap { open in
            page.text.range(of: "</script>", range: open.upperBound..<page.text.endIndex).map { String(page.text[open.upperBound..<$0.lowerBound]) }
        })
        XCTAssertTrue(policy.contains(pageScriptHashes(of: "<script>\(script)</script>")[0]), policy)
    }

    func testPublicReadsShowFileNamesAndNoAccountWhileTokenHoldersSeeTheRecord() async throws {
        let secret = try addToken(name: "市卫健委")
        try await startServer()
        let imports = try await request("/api/imports")
        let records = try XCTUnwrap(imports.object["imports"] as? [[String: Any]])
        XCTAssertFalse(records.isEmpty)
        for record in records {
            XCTAssertFalse((record["file"] as? String ?? "/").contains("/"), "\(record)")
            XCTAssertEqual(record["author"] as? String, "local user", "\(record)")
        }
        let stats = try await request("/api/stats")
        XCTAssertFalse(stats.text.contains("local user \(ProcessInfo.processInfo.environment["USER"] ?? "root")"), stats.text)
        XCTAssertFalse(stats.text.contains(".resources/"), stats.text)
        let id = try withStore { try $0.facilities(kind: .hospital, within: "410303", limit: 1)[0].id }
        let history = try await request("/api/facilities/\(id)/history")
        XCTAssertFalse(history.text.contains(".resources/") || history.text.contains("local user r"), history.text)
        // A token holder sees the paths the records keep.
        let held = try await request("/api/imports", token: secret)
        let full = try XCTUnwrap(held.object["imports"] as? [[String: Any]])
        XCTAssertTrue(full.contains { ($0["file"] as? String ?? "").contains("/") }, held.text)
    }

    func testALongChineseFileNameAndBrokenChunkedFramingAre400sNot500s() async throws {
        let secret = try addToken(name: "市卫健委")
        try await startServer()
        let long = String(repeating: "卫", count: 200) + ".csv"
        let csv = "id,name,kind,lon,lat,unit,beds\nLONG-1,医院,hospital,112.43,34.67,410303001,10\n"
        let answer = try await upload(csv, name: long, token: secret)
        XCTAssertEqual(answer.status, 200, answer.text)
        let file = try XCTUnwrap(answer.object["file"] as? String)
        XCTAssertLessThanOrEqual(file.utf8.count, 200)
        XCTAssertTrue(file.hasPrefix("卫卫卫"), file)
        // A chunk size that is not hexadecimal.
        let (broken, _) = try raw("POST /api/facilities?file=x.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(secret)\r\n"
                                  + "Transfer-Encoding: chunked\r\n\r\n5\r\nid,na\r\nZZ\r\nme\r\n0\r\n\r\n", waitingUpTo: 10)
        XCTAssertFalse(broken.hasPrefix("HTTP/1.1 5"), broken)
        XCTAssertTrue(broken.isEmpty || broken.hasPrefix("HTTP/1.1 400"), broken)
    }
}

final class RefusedBodyTests: ServerTestCase {
    /// Sends a chunked upload's headers and a chunk a second; returns the answer and how long the server kept the
    /// connection after it (nil: still open after `seconds`).
    func trickle(_ headers: String, seconds: Double) throws -> (answer: String, closedAfter: Double?) {
        let fd = try connectRaw()
        defer { close(fd) }
        sendRaw(fd, headers + "\r\n4\r\nid,n\r\n")
        var answer = Data()
        var answeredAt: Date?
        let start = Date()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while Date().timeIntervalSince(start) < seconds {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { answer += buffer[..<n]; if answeredAt == nil { answeredAt = Date() }; continue }
            if n == 0 { return (String(decoding: answer, as: UTF8.self), answeredAt.map { Date().timeIntervalSince($0) } ?? 0) }
            if answeredAt != nil { sendRaw(fd, "4\r\nabcd\r\n") }  // keeps trickling after the answer
            Thread.sleep(forTimeInterval: 0.2)
        }
        return (String(decoding: answer, as: UTF8.self), nil)
    }

    func testAnUploadWithoutATokenIsAnswered401FromItsHeadersAndTheConnectionClosed() async throws {
        try await startServer()
        let (answer, closedAfter) = try trickle("POST /api/facilities?file=x.csv HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n", seconds: 8)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 401"), answer)
        XCTAssertTrue(answer.lowercased().contains("connection: close"), answer)
        let closed = try XCTUnwrap(closedAfter, "the server kept reading the refused body")
        XCTAssertLessThan(closed, 2)
    }

    func testAUnitsUploadByAScopedTokenIs403FromItsHeadersAndTheConnectionClosed() async throws {
        let scoped = try addToken(name: "西工区卫健委", kinds: [.hospital], in: "410303")
        try await startServer()
        let (answer, closedAfter) = try trickle("POST /api/units?file=x.geojson HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(scoped)\r\nTransfer-Encoding: chunked\r\n", seconds: 8)
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 403"), answer)
        XCTAssertLessThan(try XCTUnwrap(closedAfter, "the server kept reading the refused body"), 2)
    }
}

final class TokenCheckTests: ServerTestCase {
    func testRepeatedRefusedTokensFromOneAddressGet429WithRetryAfterAndAnonymousReadsGoOn() async throws {
        let secret = try addToken(name: "市卫健委")
        try await startServer()
        for i in 0..<10 {
            let refused = try await request("/api/token", token: "fm_guess\(i)")
            XCTAssertEqual(refused.status, 401, "attempt \(i)")
        }
        let throttled = try await request("/api/token", token: "fm_guess10")
        XCTAssertEqual(throttled.status, 429, throttled.text)
        let wait = try XCTUnwrap(throttled.headers["retry-after"].flatMap(Int.init))
        XCTAssertTrue((1...60).contains(wait), "\(wait)")
        XCTAssertTrue(throttled.error.contains("wait \(wait) s"), throttled.error)
        // Even the right token waits (a guesser that finds it learns nothing sooner); reads without one go on.
        let right = try await request("/api/token", token: secret)
        XCTAssertEqual(right.status, 429)
        let anonymous = try await request("/api/stats")
        XCTAssertEqual(anonymous.status, 200)
    }

    func testAnExpiredTokenGets401SayingItExpiredAndAUsedTokenRecordsItsLastUse() async throws {
        let expired = TokenSecret.generate(), current = TokenSecret.generate()
        try withStore { store in
            try store.update {
                try $0.addToken(WriteToken(name: "去年的令牌", kinds: [], unit: nil, createdAt: "2025-01-01T00:00:00Z", expiresOn: "2025-12-31"),
                                sha256: TokenSecret.hash(expired))
                try $0.addToken(WriteToken(name: "今年的令牌", kinds: [], unit: nil, createdAt: "2026-01-01T00:00:00Z", expiresOn: "2099-12-31"),
                                sha256: TokenSecret.hash(current))
            }
        }
        try await startServer()
        let refused = try await request("/api/token", token: expired)
        XCTAssertEqual(refused.status, 401)
        XCTAssertEqual(refused.error, "the token 去年的令牌 expired on 2025-12-31 — ask for a new one")
        let upload = try await upload("id,name,kind,lon,lat,unit,beds\nEXP-1,医院,hospital,112.43,34.67,410303001,1\n", name: "e.csv", token: expired)
        XCTAssertEqual(upload.status, 401)
        XCTAssertNil(try withStore { try $0.facility(id: "EXP-1") })
        let accepted = try await request("/api/token", token: current)
        XCTAssertEqual(accepted.status, 200, accepted.text)
        var lastUsed: String?
        for _ in 0..<50 where lastUsed == nil {
            lastUsed = try withStore { try $0.tokens().first { $0.name == "今年的令牌" }?.lastUsedAt }
            if lastUsed == nil { try await Task.sleep(nanoseconds: 100_000_000) }
        }
        XCTAssertEqual(lastUsed?.count, 17, lastUsed ?? "never recorded")  // 2026-12-05T02:50Z
        XCTAssertNil(try withStore { try $0.tokens().first { $0.name == "去年的令牌" }?.lastUsedAt })
    }
}

final class ScopePointTests: ServerTestCase {
    func testAScopedTokensRowMustLieInsideItsRegisteredUnitNotOnlyNameIt() async throws {
        let scoped = try addToken(name: "西工区卫健委", kinds: [.hospital], in: "410303")
        try await startServer()
        let (jianxi, xigong) = try withStore { store in
            (try XCTUnwrap(store.unit(code: "410305")?.location), try XCTUnwrap(store.unit(code: "410303")?.location))
        }
        // Registered to 西工区, its point in 涧西区: the map would draw it there.
        let header = "id,name,kind,lon,lat,unit,beds\n"
        let astray = try await upload(header + "XG-ASTRAY,西工区医院,hospital,\(jianxi.lon),\(jianxi.lat),410303,100\n", name: "a.csv", token: scoped)
        XCTAssertEqual(astray.status, 403, astray.text)
        XCTAssertTrue(astray.error.hasPrefix("a.csv:2: XG-ASTRAY is outside what the token 西工区卫健委 may write: its point (\(jianxi.lon), \(jianxi.lat)) lies "), astray.error)
        XCTAssertTrue(astray.error.contains("m outside 410303 西工区, where it is registered"), astray.error)
        XCTAssertNil(try withStore { try $0.facility(id: "XG-ASTRAY") })
        // Registered to one of its townships (a point unit): inside the district's polygon, it goes in.
        let township = try withStore { try XCTUnwrap($0.units(level: .township, within: "410303").first?.code) }
        let inside = try await upload(header + "XG-OK,西工区医院,hospital,\(xigong.lon),\(xigong.lat),\(township),100\n", name: "b.csv", token: scoped)
        XCTAssertEqual(inside.status, 200, inside.text)
        let outsideTownship = try await upload(header + "XG-OUT,西工区医院,hospital,\(jianxi.lon),\(jianxi.lat),\(township),100\n", name: "c.csv", token: scoped)
        XCTAssertEqual(outsideTownship.status, 403, outsideTownship.text)
    }
}

/// What held when the shared registry was probed (issue #22), kept tested.
final class HeldProbeTests: ServerTestCase {
    func testUploadNamesWithFoldersNULAndLineBreaksBecomePlainNames() async throws {
        let secret = try addToken(name: "市卫健委")
        try await startServer()
        let csv = "id,name,kind,lon,lat,unit,beds\nNAME-1,医院,hospital,112.43,34.67,410303001,1\n"
        for (i, name) in ["../../etc/passwd.csv", "/tmp/absolute.csv", "a\u{0}b.csv", "a\r\nX-Injected: 1\r\nb.csv", "..", "."].enumerated() {
            let body = csv.replacingOccurrences(of: "NAME-1", with: "NAME-\(i)")
            let answer = try await upload(body, name: name, token: secret)
            XCTAssertEqual(answer.status, 200, "\(name.debugDescription): \(answer.text)")
            let file = try XCTUnwrap(answer.object["file"] as? String)
            XCTAssertFalse(file.contains("/") || file.unicodeScalars.contains { $0.value < 0x20 } || file == ".." || file == ".", file.debugDescription)
            XCTAssertNil(answer.headers["x-injected"])
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/passwd.csv"))
        let logged = try withStore { try $0.importLog().suffix(6).map(\.file) }
        XCTAssertTrue(logged.allSatisfy { !$0.contains("/") && !$0.unicodeScalars.contains { $0.value < 0x20 } }, "\(logged)")
        XCTAssertEqual(try withStore { try ($0 as? SQLiteStore)?.integrityCheck() }, "ok")
    }

    func testHugeOrManyHeadersAndConflictingLengthsAre400() async throws {
        try await startServer()
        let huge = try raw("GET /api/plan HTTP/1.1\r\nHost: x\r\nX-Big: \(String(repeating: "a", count: 100_000))\r\n\r\n", waitingUpTo: 10)
        XCTAssertTrue(huge.answer.isEmpty || huge.answer.hasPrefix("HTTP/1.1 4"), String(huge.answer.prefix(200)))
        XCTAssertFalse(huge.answer.hasPrefix("HTTP/1.1 200"))
        let many = (0..<20_000).map { "X-H\($0): v\r\n" }.joined()
        let manyAnswer = try raw("GET /api/plan HTTP/1.1\r\nHost: x\r\n\(many)\r\n", waitingUpTo: 10)
        XCTAssertTrue(manyAnswer.answer.isEmpty || manyAnswer.answer.hasPrefix("HTTP/1.1 4"), String(manyAnswer.answer.prefix(200)))
        let conflicting = try raw("POST /api/facilities HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 9\r\n\r\nabcde", waitingUpTo: 10)
        XCTAssertTrue(conflicting.answer.hasPrefix("HTTP/1.1 400"), String(conflicting.answer.prefix(200)))
        // The server answers on.
        let plan = try await request("/api/plan")
        XCTAssertEqual(plan.status, 200)
    }

    func testThreeHundredHalfOpenConnectionsSlowNothing() async throws {
        try await startServer()
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        for _ in 0..<300 {
            let fd = try connectRaw()
            sendRaw(fd, "GET /api/plan HTTP/1.1\r\nHost: x\r\n")  // never finished
            sockets.append(fd)
        }
        let started = Date()
        let stats = try await request("/api/stats")
        XCTAssertEqual(stats.status, 200)
        XCTAssertLessThan(Date().timeIntervalSince(started), 2)
    }
}
