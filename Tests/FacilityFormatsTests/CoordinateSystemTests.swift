import XCTest
import FacilityGeometry
@testable import FacilityFormats

/// Reference values: the README of wandergis/coordTransform_py (test point 128.543, 37.065),
/// re-derived with scripts/reference_values.py, which implements the same published formulas
/// plus the iterative inverse.
final class CoordinateSystemTests: XCTestCase {
    let input = LonLat(128.543, 37.065)

    func assertClose(_ p: LonLat, _ lon: Double, _ lat: Double, _ tolerance: Double, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(p.lon, lon, accuracy: tolerance, "lon", file: file, line: line)
        XCTAssertEqual(p.lat, lat, accuracy: tolerance, "lat", file: file, line: line)
    }

    func testArgumentsAcceptNamesCodesAndAliasesInAnyCase() {
        XCTAssertEqual(CoordinateSystem(argument: "WGS84"), .wgs84)
        XCTAssertEqual(CoordinateSystem(argument: "epsg:4326"), .wgs84)
        XCTAssertEqual(CoordinateSystem(argument: "4326"), .wgs84)
        XCTAssertEqual(CoordinateSystem(argument: "wgs-84"), .wgs84)
        XCTAssertEqual(CoordinateSystem(argument: "EPSG:4490"), .cgcs2000)
        XCTAssertEqual(CoordinateSystem(argument: "4490"), .cgcs2000)
        XCTAssertEqual(CoordinateSystem(argument: "CGCS2000"), .cgcs2000)
        XCTAssertEqual(CoordinateSystem(argument: "GCJ-02"), .gcj02)
        XCTAssertEqual(CoordinateSystem(argument: "Mars"), .gcj02)
        XCTAssertEqual(CoordinateSystem(argument: "bd-09"), .bd09)
        XCTAssertEqual(CoordinateSystem(argument: "Baidu"), .bd09)
        XCTAssertEqual(CoordinateSystem(argument: " gcj02 "), .gcj02)
        XCTAssertNil(CoordinateSystem(argument: "epsg:3857"))
        XCTAssertNil(CoordinateSystem(argument: ""))
    }

    func testWGS84ToGCJ02MatchesThePublishedReference() {
        assertClose(CoordinateSystem.gcj02.fromWGS84(input), 128.54820547949757, 37.065651049489816, 1e-9)
    }

    func testGCJ02ToWGS84IsTheIterativeInverse() {
        let wgs = CoordinateSystem.gcj02.toWGS84(input)
        assertClose(wgs, 128.5377818479712, 37.064337153813256, 1e-9)
        assertClose(CoordinateSystem.gcj02.fromWGS84(wgs), input.lon, input.lat, 1e-7)
        // The published one-step inverse is up to ~1 m off; ours stays close to it.
        assertClose(wgs, 128.53779452050244, 37.06434895051018, 2e-5)
    }

    func testGCJ02ToBD09MatchesThePublishedReference() {
        assertClose(CoordinateSystem.gcj02.converted(input, to: .bd09), 128.54944656269413, 37.07113427883019, 1e-9)
    }

    func testBD09ToGCJ02MatchesThePublishedReference() {
        assertClose(CoordinateSystem.bd09.converted(input, to: .gcj02), 128.5365893261212, 37.058754503281534, 1e-9)
    }

    func testWGS84ToBD09MatchesThePublishedReference() {
        assertClose(CoordinateSystem.bd09.fromWGS84(input), 128.55468192918485, 37.07168344938498, 1e-9)
    }

    func testBD09ToWGS84GoesThroughTheIterativeGCJ02Inverse() {
        let wgs = CoordinateSystem.bd09.toWGS84(input)
        assertClose(wgs, 128.5313548042178, 37.05807985708925, 1e-9)
        assertClose(wgs, 128.53136876750008, 37.0580926428705, 2e-5)   // published one-step value
    }

    func testCGCS2000IsTreatedAsWGS84() {
        XCTAssertEqual(CoordinateSystem.cgcs2000.toWGS84(input), input)
        XCTAssertEqual(CoordinateSystem.cgcs2000.fromWGS84(input), input)
        XCTAssertEqual(CoordinateSystem.wgs84.converted(input, to: .cgcs2000), input)
    }

    func testPointsOutsideChinaAreUnchangedByGCJ02() {
        let london = LonLat(-0.1276, 51.5072)
        XCTAssertEqual(CoordinateSystem.gcj02.toWGS84(london), london)
        XCTAssertEqual(CoordinateSystem.gcj02.fromWGS84(london), london)
        XCTAssertEqual(CoordinateSystem.gcj02.fromWGS84(LonLat(112.45, 56)), LonLat(112.45, 56), "north of the box")
    }

    func testGCJ02OffsetInLuoyangIsAboutSixHundredMetres() {
        let centre = LonLat(112.45, 34.62)
        let offset = haversineMetres(centre, CoordinateSystem.gcj02.fromWGS84(centre))
        XCTAssertEqual(offset, 584, accuracy: 5)
    }

    func testGCJ02RoundTripsInsideChinaStayWithin1e7Degrees() {
        var rng = SeededGenerator(seed: 2000)
        for _ in 0..<5000 {
            let p = LonLat(Double.random(in: 73...135, using: &rng), Double.random(in: 18...53, using: &rng))
            let there = CoordinateSystem.gcj02.fromWGS84(p)
            assertClose(CoordinateSystem.gcj02.toWGS84(there), p.lon, p.lat, 1e-7)
            assertClose(CoordinateSystem.gcj02.fromWGS84(CoordinateSystem.gcj02.toWGS84(p)), p.lon, p.lat, 1e-7)
        }
    }

    func testBD09RoundTripsAreWithinTheOneStepFormulasError() {
        // The published BD-09 → GCJ-02 step is itself approximate (~1e-6°, ~10 cm).
        var rng = SeededGenerator(seed: 9)
        for _ in 0..<2000 {
            let p = LonLat(Double.random(in: 73...135, using: &rng), Double.random(in: 18...53, using: &rng))
            assertClose(CoordinateSystem.bd09.toWGS84(CoordinateSystem.bd09.fromWGS84(p)), p.lon, p.lat, 3e-6)
        }
    }

    func testNonFiniteInputStaysNonFinite() {
        XCTAssertFalse(CoordinateSystem.gcj02.toWGS84(LonLat(.nan, 34)).isFinite)
        XCTAssertFalse(CoordinateSystem.gcj02.fromWGS84(LonLat(112, .infinity)).isFinite)
    }
}

struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
