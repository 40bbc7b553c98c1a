import Foundation
import XCTest
import FacilityGeometry
@testable import FacilityFormats

final class GeoJSONWriterTests: XCTestCase {
    private var temporaryFolder: URL!

    override func setUpWithError() throws {
        temporaryFolder = FileManager.default.temporaryDirectory
            .appendingPathComponent("geojson-writer-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: temporaryFolder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: temporaryFolder)
    }

    // MARK: - Helpers

    private func temporaryPath(_ name: String = "out.geojson") -> String {
        temporaryFolder.appendingPathComponent(name).path
    }

    /// Writes the features with a new writer and returns the file's bytes.
    private func written(coordinateSystem: CoordinateSystem = .wgs84, decimals: Int = 6,
                         foreignMembers: [(String, GeoJSONProperty)] = [],
                         _ body: (GeoJSONWriter) throws -> Void) throws -> [UInt8] {
        let path = temporaryPath()
        let writer = try GeoJSONWriter(path: path, coordinateSystem: coordinateSystem, decimals: decimals,
                                       foreignMembers: foreignMembers)
        try body(writer)
        try writer.finish()
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    private func parse(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> JSONValue {
        do {
            return try JSONParser().parse(bytes)
        } catch {
            XCTFail("not valid JSON: \(error)\n\(String(decoding: bytes, as: UTF8.self))", file: file, line: line)
            throw error
        }
    }

    private func features(_ document: JSONValue) -> [JSONValue] { document["features"]?.arrayValue ?? [] }

    private func coordinates(_ feature: JSONValue) -> JSONValue? { feature["geometry"]?["coordinates"] }

    private func positions(_ ring: JSONValue?) -> [LonLat] {
        (ring?.arrayValue ?? []).map { LonLat($0.arrayValue![0].doubleValue!, $0.arrayValue![1].doubleValue!) }
    }

    private func point(_ lon: Double, _ lat: Double) -> Geometry { .point(LonLat(lon, lat)) }

    private func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private func contains(_ haystack: [UInt8], _ needle: [UInt8]) -> Bool {
        guard needle.count <= haystack.count else { return false }
        return (0...(haystack.count - needle.count)).contains { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }

    /// A closed square ring from (x0, y0) with side `size`, clockwise when `clockwise`.
    private func square(_ x0: Double, _ y0: Double, _ size: Double, clockwise: Bool) -> [LonLat] {
        let ccw = [LonLat(x0, y0), LonLat(x0 + size, y0), LonLat(x0 + size, y0 + size), LonLat(x0, y0 + size), LonLat(x0, y0)]
        return clockwise ? ccw.reversed() : ccw
    }

    // MARK: - Document structure

    func testOutputIsAValidFeatureCollectionWithOneFeaturePerLineAndAFinalNewline() throws {
        let bytes = try written { writer in
            try writer.write(id: .int(1), properties: [("name", .string("a"))], geometry: point(112.45, 34.62))
            try writer.write(id: .string("f-2"), properties: [], geometry: point(112.5, 34.7))
            try writer.write(id: .double(3.5), properties: [("n", .int(-7))], geometry: nil)
            XCTAssertEqual(writer.featureCount, 3)
        }
        let lines = text(bytes).split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines, [
            #"{"type": "FeatureCollection", "features": ["#,
            #"{"type": "Feature", "id": 1, "properties": {"name": "a"}, "geometry": {"type": "Point", "coordinates": [112.45, 34.62]}},"#,
            #"{"type": "Feature", "id": "f-2", "properties": {}, "geometry": {"type": "Point", "coordinates": [112.5, 34.7]}},"#,
            #"{"type": "Feature", "id": 3.5, "properties": {"n": -7}, "geometry": null}"#,
            "]}",
            "",
        ])
        let document = try parse(bytes)
        XCTAssertEqual(document["type"], .string("FeatureCollection"))
        XCTAssertNil(document["crs"])
        XCTAssertNil(document["coordinate_system"])
        XCTAssertEqual(features(document).map { $0["id"] }, [.number(1), .string("f-2"), .number(3.5)])
        XCTAssertEqual(features(document).map { $0["type"] }, Array(repeating: .string("Feature"), count: 3))
        XCTAssertEqual(features(document)[2]["geometry"], .null)
    }

    func testEmptyCollectionIsValidJSON() throws {
        let bytes = try written { XCTAssertEqual($0.featureCount, 0) }
        XCTAssertEqual(text(bytes), "{\"type\": \"FeatureCollection\", \"features\": [\n]}\n")
        XCTAssertEqual(try GeoJSONDocument.parse(bytes).features.count, 0)
    }

    func testEveryWrittenFeatureHasAnIdAndReadsBackThroughGeoJSONDocument() throws {
        let bytes = try written { writer in
            for i in 0..<50 {
                try writer.write(id: i.isMultiple(of: 2) ? .int(i) : .string("id-\(i)"),
                                 properties: [("i", .int(i))], geometry: point(112 + Double(i) / 100, 34.5))
            }
        }
        let document = try GeoJSONDocument.parse(bytes)
        XCTAssertEqual(document.featureErrors, [])
        XCTAssertEqual(document.validFeatures.count, 50)
        for feature in document.validFeatures {
            XCTAssertEqual(feature.id, feature.index.isMultiple(of: 2) ? .number(Double(feature.index)) : .string("id-\(feature.index)"))
        }
    }

    func testNullAndNonFiniteIdsOmitTheMemberAndBoolIdsBecomeStrings() throws {
        let document = try parse(try written { writer in
            try writer.write(id: .null, properties: [], geometry: point(1, 2))
            try writer.write(id: .double(.nan), properties: [], geometry: point(1, 2))
            try writer.write(id: .bool(true), properties: [], geometry: point(1, 2))
            try writer.write(id: .raw("\"r-1\""), properties: [], geometry: point(1, 2))
        })
        XCTAssertEqual(features(document).map { $0["id"] }, [nil, nil, .string("true"), .string("r-1")])
    }

    func testForeignMembersAreWrittenInOrderBeforeFeatures() throws {
        let bytes = try written(foreignMembers: [("name", .string("洛阳 \"export\"")), ("bbox", .raw("[111, 33, 113, 35]")),
                                                 ("generated", .int(2024))]) { _ in }
        XCTAssertTrue(text(bytes).hasPrefix(
            #"{"type": "FeatureCollection", "name": "洛阳 \"export\"", "bbox": [111, 33, 113, 35], "generated": 2024, "features": ["#))
        let document = try parse(bytes)
        XCTAssertEqual(document["bbox"], .array([.number(111), .number(33), .number(113), .number(35)]))
    }

    // MARK: - Strings and numbers

    func testChineseNamesAreWrittenAsRawUTF8BytesWithoutUnicodeEscapes() throws {
        let bytes = try written { writer in
            try writer.write(id: .string("洛阳-1"), properties: [("name", .string("洛阳市第一人民医院")), ("区", .string("洛龙区"))],
                             geometry: point(112.45, 34.62))
        }
        XCTAssertTrue(contains(bytes, Array("洛阳".utf8)))
        XCTAssertTrue(contains(bytes, Array("\"区\": \"洛龙区\"".utf8)))
        XCTAssertFalse(contains(bytes, Array("\\u".utf8)))
        let feature = features(try parse(bytes))[0]
        XCTAssertEqual(feature["properties"]?["name"], .string("洛阳市第一人民医院"))
        XCTAssertEqual(feature["id"], .string("洛阳-1"))
    }

    func testTrickyStringsRoundTripExactlyAsValuesAndKeys() throws {
        let tricky = [
            "'; DROP TABLE facilities; --", "\"quoted\"", #"back\slash \\ \"#, "line\nbreak\r\n", "tab\there",
            "\u{01}control\u{1F}\u{08}\u{0C}", "emoji 🏥👩‍⚕️", "js\u{2028}line\u{2029}sep", "", "\u{7F} del, é, 洛",
            "e2 bytes: \u{2026}\u{2030}\u{20AC}",
        ]
        let bytes = try written { writer in
            for (i, s) in tricky.enumerated() {
                try writer.write(id: .string(s), properties: [(s, .string(s)), ("i", .int(i))], geometry: point(1, 2))
            }
        }
        for (i, feature) in features(try parse(bytes)).enumerated() {
            XCTAssertEqual(feature["id"], .string(tricky[i]))
            XCTAssertEqual(feature["properties"]?[tricky[i]], .string(tricky[i]))
        }
        let output = text(bytes)
        XCTAssertTrue(output.contains(#""js\u2028line\u2029sep""#))
        XCTAssertTrue(output.contains(#""\u0001control\u001f\b\f""#))
        XCTAssertTrue(output.contains(#""line\nbreak\r\n""#))
        XCTAssertFalse(contains(bytes, Array("\u{2028}".utf8)))
        XCTAssertFalse(contains(bytes, Array("\u{2029}".utf8)))
        XCTAssertTrue(contains(bytes, Array("🏥".utf8)))
        XCTAssertTrue(contains(bytes, Array("\u{2026}\u{2030}\u{20AC}".utf8)))   // other E2 sequences stay raw
        XCTAssertEqual(bytes.filter { $0 < 0x20 && $0 != 0x0A }, [], "no raw control bytes")
    }

    func testPropertyValuesOfEveryKindAreWrittenAndNonFiniteDoublesBecomeNull() throws {
        let bytes = try written { writer in
            try writer.write(id: .int(1), properties: [
                ("nan", .double(.nan)), ("inf", .double(.infinity)), ("minusInf", .double(-.infinity)),
                ("three", .double(3.0)), ("tenth", .double(0.1)), ("tiny", .double(1e-7)), ("big", .double(1e20)),
                ("pi", .double(Double.pi)), ("minInt", .int(Int.min)), ("maxInt", .int(Int.max)),
                ("yes", .bool(true)), ("no", .bool(false)), ("nothing", .null), ("list", .raw("[1, \"两\"]")),
            ], geometry: point(1, 2))
        }
        let output = text(bytes)
        XCTAssertTrue(output.contains(#""nan": null, "inf": null, "minusInf": null, "three": 3, "tenth": 0.1"#), output)
        let properties = features(try parse(bytes))[0]["properties"]!
        XCTAssertEqual(properties["nan"], .null)
        XCTAssertEqual(properties["three"], .number(3))
        XCTAssertEqual(properties["tiny"], .number(1e-7))
        XCTAssertEqual(properties["big"], .number(1e20))
        XCTAssertEqual(properties["pi"], .number(Double.pi))
        XCTAssertEqual(properties["minInt"], .number(Double(Int.min)))
        XCTAssertEqual(properties["maxInt"], .number(Double(Int.max)))
        XCTAssertEqual(properties["yes"], .bool(true))
        XCTAssertEqual(properties["no"], .bool(false))
        XCTAssertEqual(properties["nothing"], .null)
        XCTAssertEqual(properties["list"], .array([.number(1), .string("两")]))
    }

    // MARK: - Coordinates

    func testCoordinatesAreRoundedToSixDecimalsWithoutTrailingZerosExponentOrMinusZero() throws {
        let cases: [(Double, String)] = [
            (112.1234567, "112.123457"), (112.5, "112.5"), (1e-7, "0"), (-0.0000001, "0"), (179.9999999, "180"),
            (-33.000000, "-33"), (0.000001, "0.000001"), (-0.000001, "-0.000001"), (-0.0, "0"), (34.62, "34.62"),
            (-112.1234565001, "-112.123457"), (0.1, "0.1"), (-180, "-180"), (90.0000004, "90"), (12.000010, "12.00001"),
        ]
        let bytes = try written { writer in
            for (value, _) in cases {
                try writer.write(id: .int(0), properties: [], geometry: point(value, 1))    // as longitude
                try writer.write(id: .int(1), properties: [], geometry: point(2, value / 2)) // latitude keeps range
            }
        }
        let lines = Array(text(bytes).split(separator: "\n").dropFirst().prefix(2 * cases.count))
        XCTAssertEqual(lines.count, 2 * cases.count)
        for (i, (value, expected)) in cases.enumerated() {
            XCTAssertTrue(lines[2 * i].contains("\"coordinates\": [\(expected), 1]}"), "\(value) → \(lines[2 * i])")
            let half = (value / 2 * 1e6).rounded(.toNearestOrAwayFromZero) / 1e6
            XCTAssertEqual(Double(lines[2 * i + 1].split(separator: "[").last!.split(separator: ",")[1]
                .trimmingCharacters(in: CharacterSet(charactersIn: " ]}"))), half + 0.0, "\(value / 2)")
        }
        XCTAssertFalse(text(bytes).contains("e-"))
        XCTAssertFalse(text(bytes).contains("-0,"))
        XCTAssertFalse(text(bytes).contains("-0]"))
        let document = try GeoJSONDocument.parse(bytes)
        XCTAssertEqual(document.featureErrors, [])
        XCTAssertEqual(document.validFeatures.count, 2 * cases.count)
    }

    func testDecimalsParameterControlsRounding() throws {
        let bytes = try written(decimals: 2) { writer in
            try writer.write(id: .int(1), properties: [], geometry: point(112.456, -34.001))
        }
        XCTAssertTrue(text(bytes).contains("[112.46, -34]"))
        let zero = try written(decimals: 0) { writer in
            try writer.write(id: .int(1), properties: [], geometry: point(112.5, -34.4))
        }
        XCTAssertTrue(text(zero).contains("[113, -34]"))
    }

    func testPlainDecimalNeverUsesExponentNotation() {
        XCTAssertEqual(plainDecimal(1e-8), "0.00000001")
        XCTAssertEqual(plainDecimal(-1.25e-7), "-0.000000125")
        XCTAssertEqual(plainDecimal(1.5e16), "15000000000000000")
        XCTAssertEqual(plainDecimal(112.12345678901234), "112.12345678901234")
        XCTAssertEqual(plainDecimal(3), "3")
        XCTAssertEqual(plainDecimal(-0.0), "0")
        for x in [1e-8, -1.25e-7, 1.5e16, 112.12345678901234, 0.000123456789] {
            XCTAssertEqual(Double(plainDecimal(x)), x)
        }
    }

    // MARK: - Polygons

    func testExteriorRingsAreCounterClockwiseAndHolesClockwiseEvenWhenInputIsWoundTheOtherWay() throws {
        let polygon = Polygon(exterior: square(112, 34, 1, clockwise: true),
                              holes: [square(112.2, 34.2, 0.2, clockwise: false), square(112.6, 34.6, 0.1, clockwise: true)])
        let alreadyRight = Polygon(exterior: square(113, 34, 1, clockwise: false), holes: [square(113.2, 34.2, 0.2, clockwise: true)])
        let bytes = try written { writer in
            try writer.write(id: .int(1), properties: [], geometry: .polygon(polygon))
            try writer.write(id: .int(2), properties: [], geometry: .multiPolygon(MultiPolygon([polygon, alreadyRight])))
            try writer.write(id: .int(3), properties: [], geometry: .multiPolygon(MultiPolygon([alreadyRight])))
        }
        let written = features(try parse(bytes))
        XCTAssertEqual(written.map { $0["geometry"]?["type"] }, [.string("Polygon"), .string("MultiPolygon"), .string("MultiPolygon")])
        var polygons = [coordinates(written[0])!]
        polygons += coordinates(written[1])!.arrayValue! + coordinates(written[2])!.arrayValue!
        XCTAssertEqual(polygons.count, 4)
        for polygon in polygons {
            let rings = polygon.arrayValue!.map { positions($0) }
            XCTAssertTrue(isCounterClockwise(rings[0]), "exterior \(rings[0])")
            for hole in rings.dropFirst() {
                XCTAssertTrue(signedAreaSquareDegrees(hole) < 0, "hole \(hole)")
            }
            for ring in rings {
                XCTAssertEqual(ring.first, ring.last, "closed")
                XCTAssertGreaterThanOrEqual(ring.count, 4)
            }
        }
        XCTAssertEqual(try GeoJSONDocument.parse(bytes).featureErrors, [])
    }

    func testUnclosedInputRingIsWrittenClosed() throws {
        let open = [LonLat(112, 34), LonLat(113, 34), LonLat(113, 35), LonLat(112, 35)]
        let bytes = try written { writer in
            try writer.write(id: .int(1), properties: [], geometry: .polygon(Polygon(exterior: open)))
        }
        let ring = positions(coordinates(features(try parse(bytes))[0])?.arrayValue?[0])
        XCTAssertEqual(ring, open + [open[0]])
    }

    func testPositionsThatRoundToTheSameValueAreDroppedButTheRingStaysClosed() throws {
        let ring = [LonLat(112, 34), LonLat(112.00000001, 34.00000001), LonLat(113, 34), LonLat(113, 35),
                    LonLat(113.00000002, 35), LonLat(112, 35), LonLat(112.00000004, 34.00000001)]
        let bytes = try written { writer in
            try writer.write(id: .int(1), properties: [], geometry: .polygon(Polygon(exterior: ring)))
        }
        let output = positions(coordinates(features(try parse(bytes))[0])?.arrayValue?[0])
        XCTAssertEqual(output, [LonLat(112, 34), LonLat(113, 34), LonLat(113, 35), LonLat(112, 35), LonLat(112, 34)])
    }

    func testRingThatRoundingWouldCollapseIsWrittenUnroundedAndStaysValid() throws {
        // A triangle 3e-8° across: all corners round to the same 6-decimal position.
        let tiny = [LonLat(112.1, 34.1), LonLat(112.10000003, 34.1), LonLat(112.1, 34.10000003), LonLat(112.1, 34.1)]
        // A sliver that rounding would make collinear (zero area).
        let sliver = [LonLat(112, 34), LonLat(112.5, 34), LonLat(113, 34.0000001), LonLat(112, 34)]
        let bytes = try written { writer in
            try writer.write(id: .int(1), properties: [], geometry: .polygon(Polygon(exterior: tiny)))
            try writer.write(id: .int(2), properties: [], geometry: .polygon(Polygon(exterior: sliver)))
        }
        XCTAssertFalse(text(bytes).contains("e-"))
        let document = try GeoJSONDocument.parse(bytes)
        XCTAssertEqual(document.featureErrors, [])
        guard case .polygon(let first)? = document.validFeatures.first?.geometry,
              case .polygon(let second)? = document.validFeatures.last?.geometry else { return XCTFail("polygons expected") }
        XCTAssertEqual(first.exterior, tiny)        // already counter-clockwise
        XCTAssertEqual(second.exterior, sliver)
        XCTAssertTrue(isCounterClockwise(first.exterior))
    }

    func testUnwritableGeometryThrowsWithoutCorruptingTheFile() throws {
        let path = temporaryPath()
        let writer = try GeoJSONWriter(path: path)
        try writer.write(id: .int(1), properties: [("ok", .bool(true))], geometry: point(112, 34))
        XCTAssertThrowsError(try writer.write(id: .int(2), properties: [("name", .string("bad"))], geometry: point(.nan, 34))) { error in
            let message = "\(error)"
            XCTAssertTrue(message.hasPrefix("\(path): cannot write: feature 1 (0-based): point coordinate"), message)
        }
        let twoPoints = Polygon(exterior: [LonLat(112, 34), LonLat(113, 34), LonLat(112, 34)])
        XCTAssertThrowsError(try writer.write(id: .int(3), properties: [], geometry: .polygon(twoPoints)))
        try writer.write(id: .int(4), properties: [], geometry: point(113, 35))
        try writer.finish()
        XCTAssertEqual(writer.featureCount, 2)
        let document = try GeoJSONDocument.read(path: path)
        XCTAssertEqual(document.validFeatures.map(\.id), [.number(1), .number(4)])
        XCTAssertThrowsError(try writer.write(id: .int(5), properties: [], geometry: nil))   // after finish
        XCTAssertNoThrow(try writer.finish())
    }

    // MARK: - Coordinate systems

    func testGCJ02OutputIsOffsetFromWGS84AndDeclaresItsCoordinateSystemWithoutCRS() throws {
        let wgs = LonLat(112.4540, 34.6197)   // Luoyang
        let expected = CoordinateSystem.gcj02.fromWGS84(wgs)
        let bytes = try written(coordinateSystem: .gcj02, foreignMembers: [("name", .string("x"))]) { writer in
            try writer.write(id: .int(1), properties: [], geometry: .point(wgs))
            try writer.write(id: .int(2), properties: [], geometry: .polygon(Polygon(exterior: square(112.4, 34.6, 0.1, clockwise: false))))
        }
        XCTAssertTrue(text(bytes).hasPrefix(#"{"type": "FeatureCollection", "coordinate_system": "gcj02", "name": "x", "features": ["#))
        let document = try parse(bytes)
        XCTAssertEqual(document["coordinate_system"], .string("gcj02"))
        XCTAssertNil(document["crs"])
        let written = positions(.array([coordinates(features(document)[0])!]))[0]
        XCTAssertEqual(written.lon, expected.lon, accuracy: 5e-7)
        XCTAssertEqual(written.lat, expected.lat, accuracy: 5e-7)
        // The published GCJ-02 offset at Luoyang: about +0.0063° lon (~570 m east), -0.0010° lat (~115 m south).
        XCTAssertEqual(written.lon - wgs.lon, 0.00625, accuracy: 0.0005)
        XCTAssertEqual(written.lat - wgs.lat, -0.00103, accuracy: 0.0003)
        let ring = positions(coordinates(features(document)[1])?.arrayValue?[0])
        for (out, input) in zip(ring, square(112.4, 34.6, 0.1, clockwise: false)) {
            let converted = CoordinateSystem.gcj02.fromWGS84(input)
            XCTAssertEqual(out.lon, converted.lon, accuracy: 5e-7)
            XCTAssertEqual(out.lat, converted.lat, accuracy: 5e-7)
        }
    }

    func testWGS84OutputHasNoCoordinateSystemMember() throws {
        let document = try parse(try written { try $0.write(id: .int(1), properties: [], geometry: point(112.454, 34.6197)) })
        XCTAssertNil(document["coordinate_system"])
        XCTAssertEqual(positions(.array([coordinates(features(document)[0])!])), [LonLat(112.454, 34.6197)])
    }

    // MARK: - Errors

    func testMissingFolderThrowsAnErrorNamingThePath() {
        let path = temporaryFolder.appendingPathComponent("no-such-folder/out.geojson").path
        XCTAssertThrowsError(try GeoJSONWriter(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path): cannot write: No such file or directory — check the folder exists and the disk has room")
        }
    }

    func testFullDiskThrowsAndEveryLaterCallThrowsAgain() throws {
        try XCTSkipUnless(FileManager.default.fileExists(atPath: "/dev/full"))
        let writer = try GeoJSONWriter(path: "/dev/full")
        var thrown: GeoJSONWriteError?
        do {
            for i in 0..<20_000 {
                try writer.write(id: .int(i), properties: [("name", .string("facility \(i)"))], geometry: point(112, 34))
            }
            try writer.finish()
        } catch let error as GeoJSONWriteError {
            thrown = error
        }
        XCTAssertEqual(thrown?.path, "/dev/full")
        XCTAssertEqual(thrown?.reason, "No space left on device")
        XCTAssertThrowsError(try writer.write(id: .int(0), properties: [], geometry: nil))
        XCTAssertThrowsError(try writer.finish())
    }

    func testClosedPipeThrowsInsteadOfKillingTheProcess() throws {
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        defer { close(ends[1]) }
        let writer = try GeoJSONWriter(path: "/proc/self/fd/\(ends[1])")   // opens the pipe while a reader exists
        close(ends[0])
        XCTAssertThrowsError(try {
            for i in 0..<20_000 { try writer.write(id: .int(i), properties: [], geometry: point(112, 34)) }
            try writer.finish()
        }()) { error in
            XCTAssertEqual((error as? GeoJSONWriteError)?.reason, "Broken pipe")
        }
    }

    func testNilPathWritesToStandardOutput() throws {
        let path = temporaryPath("stdout.geojson")
        fflush(stdout)
        let saved = dup(STDOUT_FILENO)
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        dup2(fd, STDOUT_FILENO)
        close(fd)
        let writer = try GeoJSONWriter(path: nil)
        try writer.write(id: .int(7), properties: [("name", .string("标准输出"))], geometry: point(112, 34))
        try writer.finish()
        dup2(saved, STDOUT_FILENO)
        close(saved)
        let document = try GeoJSONDocument.read(path: path)
        XCTAssertEqual(document.validFeatures.map(\.id), [.number(7)])
    }

    // MARK: - Volume and real data

    func testTwoHundredThousandPointsWriteAndReadBack() throws {
        let path = temporaryPath()
        let writer = try GeoJSONWriter(path: path)
        let count = 200_000
        for i in 0..<count {
            try writer.write(id: .int(i), properties: [("name", .string("设施 \(i)")), ("kind", .string("clinic")),
                                                       ("beds", .int(i % 50)), ("score", .double(Double(i) / 7))],
                             geometry: point(111 + Double(i % 1000) * 0.002, 33.5 + Double(i / 1000) * 0.007))
        }
        try writer.finish()
        XCTAssertEqual(writer.featureCount, count)
        let document = try GeoJSONDocument.read(path: path)
        XCTAssertEqual(document.features.count, count)
        XCTAssertEqual(document.featureErrors.count, 0)
        let last = document.validFeatures[count - 1]
        XCTAssertEqual(last.id, .number(Double(count - 1)))
        XCTAssertEqual(last.properties["name"], .string("设施 \(count - 1)"))
        XCTAssertEqual(last.properties["score"], .number(Double(count - 1) / 7))
    }

    func testLuoyangDistrictsSurviveARoundTripThroughTheWriter() throws {
        let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let source = packageRoot.appendingPathComponent("GeoData/luoyang/districts.geojson").path
        let original = try GeoJSONDocument.read(path: source)
        XCTAssertEqual(original.featureErrors, [])
        let path = temporaryPath()
        let writer = try GeoJSONWriter(path: path)
        for feature in original.validFeatures {
            let properties = feature.properties.keys.sorted().map { key -> (String, GeoJSONProperty) in
                switch feature.properties[key]! {
                case .string(let s): return (key, .string(s))
                case .number(let x): return (key, .double(x))
                default: return (key, .null)
                }
            }
            try writer.write(id: .string(feature.properties["adcode"]?.stringValue ?? "\(feature.index)"),
                             properties: properties, geometry: feature.geometry)
        }
        try writer.finish()
        let copy = try GeoJSONDocument.read(path: path)
        XCTAssertEqual(copy.featureErrors, [])
        XCTAssertNil(copy.crsName)
        XCTAssertEqual(copy.features.count, original.features.count)
        XCTAssertEqual(copy.validFeatures.map { $0.properties["name"] }, original.validFeatures.map { $0.properties["name"] })
        XCTAssertTrue(contains(Array(try Data(contentsOf: URL(fileURLWithPath: path))), Array("洛阳市".utf8)))
        for (before, after) in zip(original.validFeatures, copy.validFeatures) {
            XCTAssertEqual(after.geometry.typeName, before.geometry.typeName)
            let expected = before.geometry.rfc7946Oriented().asMultiPolygon!.polygons
            let actual = after.geometry.asMultiPolygon!.polygons
            XCTAssertEqual(actual.count, expected.count)
            for (p, q) in zip(expected, actual) {
                XCTAssertEqual(p.rings.count, q.rings.count)
                for (r, s) in zip(p.rings, q.rings) {
                    XCTAssertEqual(r.count, s.count)
                    for (a, b) in zip(r, s) {
                        XCTAssertEqual(a.lon, b.lon, accuracy: 5e-7)
                        XCTAssertEqual(a.lat, b.lat, accuracy: 5e-7)
                    }
                }
                XCTAssertTrue(isCounterClockwise(q.exterior))
                for hole in q.holes { XCTAssertLessThan(signedAreaSquareDegrees(hole), 0) }
            }
        }
    }
}
