import FacilityFormats
import XCTest

final class PNGImageTests: XCTestCase {
    /// The file's chunks (type, data), each CRC checked.
    func chunks(_ png: [UInt8]) throws -> [(String, [UInt8])] {
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        var found: [(String, [UInt8])] = []
        var at = 8
        func word(_ i: Int) -> Int {
            let high: Int = Int(png[i]) << 24 | Int(png[i + 1]) << 16
            return high | Int(png[i + 2]) << 8 | Int(png[i + 3])
        }
        while at < png.count {
            let length = word(at)
            let body = Array(png[(at + 4)..<(at + 8 + length)])
            XCTAssertEqual(UInt32(word(at + 8 + length)), Zlib.crc32(body), "CRC of \(String(decoding: body.prefix(4), as: UTF8.self))")
            found.append((String(decoding: body.prefix(4), as: UTF8.self), Array(body.dropFirst(4))))
            at += 12 + length
        }
        return found
    }

    /// The image's RGBA rows decoded back: the zlib stream's raw deflate inflated, each row's filter byte 0.
    func pixels(_ png: [UInt8]) throws -> (width: Int, height: Int, rgba: [UInt8]) {
        let parts = try chunks(png)
        XCTAssertEqual(parts.map(\.0), ["IHDR", "IDAT", "IEND"])
        let header = parts[0].1
        func word(_ i: Int) -> Int {
            let high: Int = Int(header[i]) << 24 | Int(header[i + 1]) << 16
            return high | Int(header[i + 2]) << 8 | Int(header[i + 3])
        }
        let width = word(0), height = word(4)
        XCTAssertEqual(Array(header[8...]), [8, 6, 0, 0, 0], "8 bits, RGBA, deflate, no filter method, no interlace")
        let stream = parts[1].1
        XCTAssertEqual((Int(stream[0]) << 8 | Int(stream[1])) % 31, 0, "a zlib header")
        var raw: [UInt8] = []
        let inflater = try Zlib.RawInflater()
        let status = try Array(stream.dropFirst(2)).withUnsafeBufferPointer { try inflater.inflate($0) { raw += $0 } }
        XCTAssertEqual(status, .ended)
        XCTAssertEqual(raw.count, (width * 4 + 1) * height)
        var rgba: [UInt8] = []
        let stride = width * 4 + 1
        for row in 0..<height {
            let start = row * stride
            XCTAssertEqual(raw[start], 0)
            rgba += raw[(start + 1)..<(start + stride)]
        }
        return (width, height, rgba)
    }

    func testADotIsPaintedWhereItIsAndNowhereElse() throws {
        var image = PNGImage(width: 32, height: 16)
        XCTAssertTrue(image.isEmpty)
        let red = try XCTUnwrap(PNGImage.Color(hex: "#e31a1c"))
        image.dot(10.5, 8.5, radius: 2, red, opacity: 1)
        XCTAssertFalse(image.isEmpty)
        let decoded = try pixels(image.png())
        XCTAssertEqual(decoded.width, 32)
        XCTAssertEqual(decoded.height, 16)
        let at = { (x: Int, y: Int) in Array(decoded.rgba[((y * 32 + x) * 4)..<((y * 32 + x) * 4 + 4)]) }
        XCTAssertEqual(at(10, 8), [0xe3, 0x1a, 0x1c, 255], "the centre, opaque")
        XCTAssertEqual(at(20, 8)[3], 0, "away from the dot: transparent")
        XCTAssertEqual(at(0, 0)[3], 0)
        let edge = at(12, 8)[3]
        XCTAssertTrue(edge > 0 && edge < 255, "the edge antialiased: \(edge)")
        XCTAssertEqual(decoded.rgba, image.rgba)
    }

    func testSourceOverBlending() {
        var image = PNGImage(width: 1, height: 1)
        let blue = PNGImage.Color(red: 0, green: 0, blue: 255), red = PNGImage.Color(red: 255, green: 0, blue: 0)
        image.blend(0, 0, blue, 0.5)
        XCTAssertEqual(image.rgba, [0, 0, 255, 128])
        image.blend(0, 0, red, 0.5)
        // 0.5 red over 128/255 blue: alpha 0.751, colour two parts red to one part blue.
        XCTAssertEqual(image.rgba, [170, 0, 85, 192])
        image.blend(5, 5, red, 1)  // outside: nothing
        XCTAssertEqual(image.rgba.count, 4)
        XCTAssertNil(PNGImage.Color(hex: "red"))
    }

    func testACrossCrossesItsCentreAndLeavesTheMiddleOfItsSidesEmpty() throws {
        var image = PNGImage(width: 16, height: 16)
        image.cross(8, 8, size: 4, PNGImage.Color(red: 0, green: 0, blue: 0))
        let alpha = { (x: Int, y: Int) in image.rgba[(y * 16 + x) * 4 + 3] }
        XCTAssertGreaterThan(alpha(7, 7), 200)
        XCTAssertGreaterThan(alpha(5, 5), 200, "on the diagonal")
        XCTAssertEqual(alpha(8, 4), 0, "above the centre, between the arms")
        XCTAssertEqual(alpha(15, 15), 0)
    }
}
