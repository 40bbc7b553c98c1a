import XCTest
@testable import FacilityGeometry

final class WKBTests: XCTestCase {
    func bytes(_ hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var chars = Array(hex.filter { !$0.isWhitespace })
        while chars.count >= 2 {
            out.append(UInt8(String(chars[0..<2]), radix: 16)!)
            chars.removeFirst(2)
        }
        return out
    }

    let districtWithHole = Polygon(exterior: rectangle(112.1, 34.5, 112.2, 34.6), holes: [rectangle(112.14, 34.54, 112.16, 34.56)])

    func testPointIsWrittenAsLittleEndianISOWKB() {
        XCTAssertEqual(Geometry.point(LonLat(1, 2)).wkb, bytes("01 01000000 000000000000F03F 0000000000000040"))
    }

    func testBigEndianPointIsRead() throws {
        let g = try Geometry(wkb: bytes("00 00000001 4000000000000000 4010000000000000"))
        XCTAssertEqual(g, .point(LonLat(2, 4)))
    }

    func testPointPolygonAndMultiPolygonRoundTrip() throws {
        let samples: [Geometry] = [
            .point(LonLat(112.45, 34.62)),
            .polygon(districtWithHole),
            .multiPolygon(MultiPolygon([districtWithHole, Polygon(exterior: rectangle(113, 35, 113.5, 35.5))])),
            .multiPolygon(MultiPolygon([])),
        ]
        for g in samples {
            XCTAssertEqual(try Geometry(wkb: g.wkb), g)
        }
    }

    func testPolygonLayoutMatchesTheOGCSpecification() {
        let wkb = Geometry.polygon(Polygon(exterior: rectangle(0, 0, 1, 1))).wkb
        XCTAssertEqual(wkb.count, 1 + 4 + 4 + 4 + 5 * 16)
        XCTAssertEqual(Array(wkb[0..<13]), bytes("01 03000000 01000000 05000000"))
    }

    func testMultiPolygonMembersCarryTheirOwnHeaders() {
        let wkb = Geometry.multiPolygon(MultiPolygon([Polygon(exterior: rectangle(0, 0, 1, 1))])).wkb
        XCTAssertEqual(Array(wkb[0..<14]), bytes("01 06000000 01000000 01 03000000"))
    }

    func testMultiPointWithOnePointReadsAsAPoint() throws {
        let wkb = bytes("01 04000000 01000000 01 01000000 000000000000F03F 0000000000000040")
        XCTAssertEqual(try Geometry(wkb: wkb), .point(LonLat(1, 2)))
    }

    func testMultiPointWithTwoPointsIsRejected() {
        let wkb = bytes("01 04000000 02000000 01 01000000 000000000000F03F 0000000000000040 01 01000000 000000000000F03F 0000000000000040")
        XCTAssertThrowsError(try Geometry(wkb: wkb)) { error in
            XCTAssertTrue("\(error)".contains("MultiPoint with 2 points"), "\(error)")
        }
    }

    func testUnsupportedTypesAreRejectedByName() {
        let collection = bytes("01 07000000 00000000")
        XCTAssertThrowsError(try Geometry(wkb: collection)) { error in
            XCTAssertEqual(error as? WKBError,
                           WKBError(offset: 0, message: "GeometryCollection (type 7) is not supported — only Point, Polygon and MultiPolygon (and a one-point MultiPoint) can be read"))
        }
        XCTAssertThrowsError(try Geometry(wkb: bytes("01 02000000 00000000"))) { XCTAssertTrue("\($0)".contains("LineString"), "\($0)") }
        XCTAssertThrowsError(try Geometry(wkb: bytes("01 63000000 00000000"))) { XCTAssertTrue("\($0)".contains("unknown geometry type code 99"), "\($0)") }
    }

    func testZAndEWKBVariantsAreRejected() {
        let pointZ = bytes("01 E9030000 000000000000F03F 0000000000000040 0000000000000040")
        XCTAssertThrowsError(try Geometry(wkb: pointZ)) { XCTAssertTrue("\($0)".contains("PointZ (type 1001)"), "\($0)") }
        let ewkb = bytes("01 01000020 E6100000 000000000000F03F 0000000000000040")
        XCTAssertThrowsError(try Geometry(wkb: ewkb)) { XCTAssertTrue("\($0)".contains("EWKB"), "\($0)") }
    }

    func testTrailingBytesAreRejected() {
        XCTAssertThrowsError(try Geometry(wkb: Geometry.point(LonLat(1, 2)).wkb + [0])) { error in
            XCTAssertEqual((error as? WKBError)?.offset, 21)
            XCTAssertTrue("\(error)".contains("1 trailing byte(s) after the Point"), "\(error)")
        }
    }

    func testBadByteOrderMarkerIsRejected() {
        XCTAssertThrowsError(try Geometry(wkb: bytes("02 01000000"))) { XCTAssertTrue("\($0)".contains("byte-order marker is 0x2"), "\($0)") }
        XCTAssertThrowsError(try Geometry(wkb: [UInt8]())) { XCTAssertTrue("\($0)".contains("unexpected end of data"), "\($0)") }
    }

    func testHugeCountsAreRejectedWithoutAllocating() {
        XCTAssertThrowsError(try Geometry(wkb: bytes("01 03000000 FFFFFFFF"))) { error in
            XCTAssertTrue("\(error)".contains("claims 4294967295 rings"), "\(error)")
        }
        XCTAssertThrowsError(try Geometry(wkb: bytes("01 06000000 FFFFFF7F 00")))
    }

    func testEveryTruncationThrowsInsteadOfCrashing() {
        let full = Geometry.multiPolygon(MultiPolygon([districtWithHole, districtWithHole])).wkb
        for length in 0..<full.count {
            XCTAssertThrowsError(try Geometry(wkb: full[0..<length]), "prefix of \(length) bytes")
        }
    }

    func testRandomGarbageAndMutationsNeverCrash() {
        var rng = SeededGenerator(seed: 99)
        let valid = Geometry.multiPolygon(MultiPolygon([districtWithHole])).wkb
        var accepted = 0
        for _ in 0..<20_000 {
            var sample: [UInt8]
            if Bool.random(using: &rng) {
                sample = (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                if sample.count > 5 && Bool.random(using: &rng) { sample[0] = 1; sample[1] = UInt8.random(in: 0...8, using: &rng); sample[2...4] = [0, 0, 0] }
            } else {
                sample = valid
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    sample[Int.random(in: 0..<sample.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
                }
            }
            if (try? Geometry(wkb: sample)) != nil { accepted += 1 }
        }
        XCTAssertGreaterThan(accepted, 0, "coordinate-only mutations should still parse")
    }
}
