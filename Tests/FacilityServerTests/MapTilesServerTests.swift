import FacilityFormats
import FacilityMapKit
@testable import FacilityServer
import Foundation
import XCTest

/// The page's data at any size: one target's areas, no facility points, and the facilities as PNG tiles.
final class MapTilesServerTests: ServerTestCase {
    /// Pixels with any opacity in a tile this server drew (one IDAT, rows unfiltered), inflated by zlib.
    func painted(_ png: Data) throws -> Int {
        let bytes = [UInt8](png)
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a PNG")
        var at = 8, stream: [UInt8] = []
        func word(_ i: Int) -> Int { Int(bytes[i]) << 24 | Int(bytes[i + 1]) << 16 | Int(bytes[i + 2]) << 8 | Int(bytes[i + 3]) }
        while at < bytes.count {
            let length = word(at)
            if String(decoding: bytes[(at + 4)..<(at + 8)], as: UTF8.self) == "IDAT" { stream += bytes[(at + 8)..<(at + 8 + length)] }
            at += 12 + length
        }
        var raw: [UInt8] = []
        _ = try Array(stream.dropFirst(2)).withUnsafeBufferPointer { try Zlib.RawInflater().inflate($0) { raw += $0 } }
        XCTAssertEqual(raw.count, (256 * 4 + 1) * 256)
        return raw.enumerated().filter { i, byte in i % (256 * 4 + 1) % 4 == 0 && i % (256 * 4 + 1) != 0 && byte > 0 }.count
    }

    func painted(at path: String) async throws -> Int {
        let answer = try await request(path)
        XCTAssertEqual(answer.status, 200, "\(path): \(answer.text)")
        return try painted(answer.body)
    }

    func status(_ path: String) async throws -> Int { try await request(path).status }

    func testTilesDrawTheFacilitiesOfTheDayTheKindsShownAndATargetsUncoveredUnits() async throws {
        try await startServer()
        // Zoom 9 around Luoyang's centre (112.45°E, 34.62°N), and a tile of the sea far off.
        let city = try await request("/api/tiles/9/415/203.png")
        XCTAssertEqual(city.status, 200, city.text)
        XCTAssertEqual(city.headers["content-type"], "image/png")
        XCTAssertEqual(city.headers["cache-control"], "no-store", "no version given: not kept")
        let all = try painted(city.body)
        XCTAssertGreaterThan(all, 1_000)
        let sea = try await painted(at: "/api/tiles/9/450/230.png")
        XCTAssertEqual(sea, 0, "no facility there")
        let others = FacilityKind.allCases.filter { $0 != .hospital }.map(\.rawValue).joined(separator: ",")
        let fewer = try await painted(at: "/api/tiles/9/415/203.png?hide=" + others)
        XCTAssertTrue(fewer > 0 && fewer < all, "\(fewer) of \(all)")
        let badDay = try await request("/api/tiles/9/415/203.png?as_of=2025-13-01")
        XCTAssertEqual(badDay.status, 400)
        XCTAssertTrue(badDay.error.contains("as_of=2025-13-01"), badDay.error)
        let plain = try await painted(at: "/api/tiles/9/415/203.png?target=rural-elderly-care")
        let crossed = try await painted(at: "/api/tiles/9/415/203.png?target=rural-elderly-care&uncovered=true")
        XCTAssertGreaterThan(crossed, plain, "the villages with no elderly care crossed")
        // Every facility at every zoom: the whole world in one tile.
        let world = try await painted(at: "/api/tiles/0/0/0.png")
        XCTAssertGreaterThan(world, 0)
        // The registry's version in the address: the browser may keep the tile.
        let version = try await ServedRegistry(storePath: storePath, plan: .luoyang2022).read { try $0.lastImportNumber() }
        let kept = try await request("/api/tiles/9/415/203.png?v=\(version)")
        XCTAssertEqual(kept.headers["cache-control"], "private, max-age=3600")
        // Wrong addresses and values.
        let refused1 = try await status("/api/tiles/9/512/0.png"); XCTAssertEqual(refused1, 404)
        let refused2 = try await status("/api/tiles/23/0/0.png"); XCTAssertEqual(refused2, 404)
        let refused3 = try await status("/api/tiles/a/0/0.png"); XCTAssertEqual(refused3, 404)
        let badKind = try await request("/api/tiles/9/415/203.png?hide=castle")
        XCTAssertEqual(badKind.status, 400)
        XCTAssertTrue(badKind.error.contains("hide=castle"), badKind.error)
        let refused4 = try await status("/api/tiles/9/415/203.png?target=nonsense"); XCTAssertEqual(refused4, 400)
    }

    func testThePagesMapDataCarriesOneTargetsAreasAndNoPoints() async throws {
        try await startServer()
        let full = try await request("/api/map")
        let slim = try await request("/api/map?facilities=tiles&target=beds-per-1000")
        XCTAssertEqual(slim.status, 200, slim.text)
        XCTAssertLessThan(slim.body.count * 3, full.body.count, "\(slim.body.count) against \(full.body.count) bytes")
        let data = slim.object
        XCTAssertEqual((data["facilities"] as? [Any])?.count, 0)
        XCTAssertEqual(data["facilityCount"] as? Int, full.object["facilityCount"] as? Int)
        XCTAssertEqual((full.object["facilities"] as? [Any])?.count, 3 * (full.object["facilityCount"] as? Int ?? -1))
        let version = try await ServedRegistry(storePath: storePath, plan: .luoyang2022).read { try $0.lastImportNumber() }
        XCTAssertEqual(data["version"] as? Int, version)
        let targets = try XCTUnwrap(data["targets"] as? [[String: Any]])
        let fullTargets = try XCTUnwrap(full.object["targets"] as? [[String: Any]])
        for (t, f) in zip(targets, fullTargets) {
            let id = t["id"] as? String ?? ""
            let areas = t["areas"] as? [String: Any] ?? [:]
            XCTAssertEqual(areas.isEmpty, id != "beds-per-1000", id)
            XCTAssertEqual(t["notMet"] as? Int, f["notMet"] as? Int, id)
            let fullAreas = f["areas"] as? [String: [String: Any]] ?? [:]
            XCTAssertEqual(t["notMet"] as? Int, fullAreas.values.filter { $0["met"] as? Bool == false }.count, id)
            XCTAssertEqual(t["uncoveredCount"] as? Int, (f["uncovered"] as? [Any])?.count, id)
            XCTAssertEqual((t["total"] as? [String: Any])?["actual"] as? Double, (f["total"] as? [String: Any])?["actual"] as? Double, id)
        }
        let names = try XCTUnwrap(data["areaNames"] as? [[String]])
        XCTAssertEqual(names.count, (targets.first { $0["id"] as? String == "beds-per-1000" }?["areas"] as? [String: Any])?.count)
        XCTAssertTrue(names.contains(["410302", "老城区"]), "\(names)")
        let refused5 = try await status("/api/map?facilities=some"); XCTAssertEqual(refused5, 400)
    }

    func testABaseMapsHostIsLetThroughThePagesImagePolicy() async throws {
        try await startServer { $0.basemap = try? Basemap(template: "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY",
                                                          subdomains: "01234567", attribution: "© 天地图") }
        let page = try await request("/")
        let policy = page.headers["content-security-policy"] ?? ""
        XCTAssertTrue(policy.contains("img-src 'self' data: blob: https://*.tianditu.gov.cn;"), policy)
        XCTAssertTrue(page.text.contains("\"attribution\": \"© 天地图\""), "the page carries the base map")
        XCTAssertTrue(page.text.contains("tianditu.gov.cn/vec_w/wmts"))
    }
}
