import FacilityFormats
import FacilityMapKit
import FacilityModel
import XCTest

final class MapTilesTests: XCTestCase {
    /// Slippy-map tile numbers as OpenStreetMap's wiki computes them.
    func tile(_ p: LonLat, z: Int) -> (Int, Int) {
        let n = Double(1 << z), lat = p.lat * .pi / 180
        return (Int(((p.lon + 180) / 360 * n).rounded(.down)), Int(((1 - asinh(tan(lat)) / .pi) / 2 * n).rounded(.down)))
    }

    /// The alpha bytes of a PNG this tool wrote (one IDAT, unfiltered rows), inflated by zlib.
    func pixels(_ png: [UInt8]) throws -> (rgba: [UInt8], Void) {
        var at = 8, stream: [UInt8] = []
        func word(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
        while at < png.count {
            let length = word(at)
            if String(decoding: png[(at + 4)..<(at + 8)], as: UTF8.self) == "IDAT" { stream += png[(at + 8)..<(at + 8 + length)] }
            at += 12 + length
        }
        var raw: [UInt8] = []
        _ = try Array(stream.dropFirst(2)).withUnsafeBufferPointer { try Zlib.RawInflater().inflate($0) { raw += $0 } }
        XCTAssertEqual(raw.count, (256 * 4 + 1) * 256)
        return (stride(from: 0, to: raw.count, by: 256 * 4 + 1).flatMap { raw[($0 + 1)..<($0 + 1 + 256 * 4)] }, ())
    }

    func testWebMercatorAgreesWithTheSlippyMapFormula() {
        for p in [LonLat(112.45, 34.62), LonLat(-0.1276, 51.5072), LonLat(151.2, -33.87), LonLat(0, 0)] {
            let (x, y) = WebMercator.world(p)
            for z in [0, 5, 12, 18] {
                let (tx, ty) = tile(p, z: z)
                XCTAssertEqual(Int((x * Double(1 << z)).rounded(.down)), tx, "\(p) z\(z)")
                XCTAssertEqual(Int((y * Double(1 << z)).rounded(.down)), ty, "\(p) z\(z)")
            }
        }
        XCTAssertEqual(WebMercator.world(LonLat(0, 89.9)).y, 0, accuracy: 1e-12, "clamped at 85.05°")
    }

    func testEveryTilesRangeHoldsExactlyItsPoints() {
        var generator = SystemRandomNumberGenerator()
        var points: [LonLat] = []
        for i in 0..<2_000 {
            if i % 5 == 0 {   // a dense town
                let lon = 112.4 + Double(i % 97) * 1e-4, lat = 34.6 + Double(i % 89) * 1e-4
                points.append(LonLat(lon, lat))
            } else {
                points.append(LonLat(Double.random(in: 73...135, using: &generator), Double.random(in: 18...53, using: &generator)))
            }
        }
        let index = TiledPoints(points)
        XCTAssertEqual(index.count, points.count)
        XCTAssertEqual(Set(index.positions.map(Int.init)), Set(points.indices))
        for z in [0, 3, 9, 20] {
            var seen = 0
            let tiles = Set(points.map { tile($0, z: z) }.map { "\($0.0)/\($0.1)" })
            for name in tiles {
                let parts = name.split(separator: "/").map { Int($0)! }
                let inside = Set(index.range(z: z, x: parts[0], y: parts[1]).map { Int(index.positions[$0]) })
                let expected = Set(points.indices.filter { let t = tile(points[$0], z: z); return t.0 == parts[0] && t.1 == parts[1] })
                XCTAssertEqual(inside, expected, "tile \(z)/\(name)")
                seen += inside.count
            }
            XCTAssertEqual(seen, points.count, "every point in one tile at zoom \(z)")
        }
        XCTAssertTrue(index.range(z: 3, x: 8, y: 0).isEmpty, "outside the world")
        XCTAssertTrue(index.range(z: -1, x: 0, y: 0).isEmpty)
    }

    func testATileShowsTheFacilitiesOpenOnTheDayAndOfTheKindsNotHidden() throws {
        var columns = FacilityColumns()
        let hospital = FacilityKind.hospital, school = FacilityKind.primarySchool
        func add(_ id: String, _ kind: FacilityKind, _ lon: Double, _ lat: Double, opened: Day? = nil) {
            let facility = Facility(id: id, name: id, kind: kind, location: LonLat(lon, lat), counts: FacilityCounts(), opened: opened)
            columns.append(facility, unit: -1, attributes: false)
        }
        add("h1", hospital, 112.45, 34.62)
        add("s1", school, 112.46, 34.63)
        add("h2", hospital, 112.47, 34.61, opened: Day(year: 2030, month: 1, day: 1)!)
        let tiles = FacilityTiles(facilities: columns)
        let (x, y) = tile(LonLat(112.46, 34.62), z: 10)
        let day = Day(year: 2025, month: 12, day: 31)!.ordinal
        func painted(_ style: FacilityTiles.Style, z: Int = 10, x: Int = x, y: Int = y) throws -> Int {
            let png = try XCTUnwrap(tiles.png(z: z, x: x, y: y, style: style))
            return try pixels(png).rgba.enumerated().filter { $0.offset % 4 == 3 && $0.element > 0 }.count
        }
        let both = try painted(.init(day: day))
        XCTAssertGreaterThan(both, 0)
        let later = try painted(.init(day: Day(year: 2031, month: 1, day: 1)!.ordinal))
        XCTAssertGreaterThan(later, both, "the hospital opened in 2030 shows in 2031")
        let schoolsOnly = try painted(.init(day: day, hidden: [UInt8(hospital.ordinal)]))
        XCTAssertGreaterThan(schoolsOnly, 0)
        XCTAssertLessThan(schoolsOnly, both)
        XCTAssertEqual(try painted(.init(day: day, hidden: [UInt8(hospital.ordinal), UInt8(school.ordinal)])), 0)
        XCTAssertEqual(try painted(.init(day: day), x: x + 3), 0, "a tile with no facility is empty")
        XCTAssertGreaterThan(try painted(.init(day: day, emphasized: [UInt8(hospital.ordinal)])), schoolsOnly, "a target's kinds drawn larger")
        XCTAssertGreaterThan(try painted(.init(day: day), z: 0, x: 0, y: 0), 0, "every facility at every zoom")
        XCTAssertNil(tiles.png(z: 2, x: 4, y: 0, style: .init(day: day)))
    }
}

final class BasemapTests: XCTestCase {
    func testATemplateNeedsAnHTTPAddressWithZXAndY() throws {
        let osm = try Basemap(template: "https://tile.openstreetmap.org/{z}/{x}/{y}.png", attribution: "© OpenStreetMap")
        XCTAssertEqual(try osm.cspSource(), "https://tile.openstreetmap.org")
        let tianditu = try Basemap(template: "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=KEY", subdomains: "01234567")
        XCTAssertEqual(try tianditu.cspSource(), "https://*.tianditu.gov.cn")
        XCTAssertEqual(try Basemap(template: "http://127.0.0.1:8088/tms/{z}/{x}/{-y}.png").cspSource(), "http://127.0.0.1:8088")
        for (bad, says) in [("ftp://tiles.example/{z}/{x}/{y}.png", "not an http(s) address"),
                            ("https://tile.openstreetmap.org/{z}/{x}.png", "lacks {z}, {x} or {y}"),
                            ("tiles/{z}/{x}/{y}.png", "not an http(s) address"),
                            ("https://tiles.{s}.example.org/{z}/{x}/{y}.png", "first label"),
                            ("https://{z}.example.org/{z}/{x}/{y}.png", "no placeholder")] {
            XCTAssertThrowsError(try Basemap(template: bad), bad) { error in
                XCTAssertTrue("\(error)".contains(says), "\(bad): \(error)")
            }
        }
        XCTAssertThrowsError(try Basemap(template: "https://t{s}.example.org/{z}/{x}/{y}.png", subdomains: ""))
        XCTAssertThrowsError(try Basemap(template: "https://a.example.org/{z}/{x}/{y}.png", maxZoom: 30))
    }
}
