import Foundation
import XCTest
import FacilityGeometry
@testable import FacilityFormats

final class GeoJSONReaderTests: XCTestCase {
    var tempDirectory: URL!

    override func setUpWithError() throws {
        tempDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("facility-geojson-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tempDirectory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: tempDirectory)
    }

    /// Writes `text` to a new file in the temp directory and returns its path.
    func write(_ name: String, _ text: String) throws -> String {
        let url = tempDirectory.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    /// A FeatureCollection with one feature per geometry JSON text, one feature per line from line 2.
    func collection(_ geometries: [String], crs: String? = nil) -> String {
        var lines = ["{\"type\": \"FeatureCollection\",\(crs.map { " \"crs\": \($0)," } ?? "") \"features\": ["]
        for (i, g) in geometries.enumerated() {
            lines.append("{\"type\": \"Feature\", \"id\": \(i), \"properties\": {\"name\": \"f\(i)\"}, \"geometry\": \(g)}"
                         + (i < geometries.count - 1 ? "," : ""))
        }
        lines.append("]}")
        return lines.joined(separator: "\n")
    }

    let square = "{\"type\": \"Polygon\", \"coordinates\": [[[112.1, 34.5], [112.2, 34.5], [112.2, 34.6], [112.1, 34.6], [112.1, 34.5]]]}"

    func readError(_ path: String, file: StaticString = #filePath, line: UInt = #line) -> GeoJSONError? {
        do {
            _ = try GeoJSONDocument.read(path: path)
            XCTFail("expected GeoJSONError", file: file, line: line)
        } catch let error as GeoJSONError {
            return error
        } catch {
            XCTFail("unexpected error \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: Good input

    func testFeatureCollectionIsReadWithLinesIdsAndProperties() throws {
        let path = try write("good.geojson", collection([square, "{\"type\": \"Point\", \"coordinates\": [112.45, 34.62]}"]))
        let document = try GeoJSONDocument.read(path: path)
        XCTAssertEqual(document.path, path)
        XCTAssertNil(document.crsName)
        XCTAssertEqual(document.features.count, 2)
        let features = document.validFeatures
        XCTAssertEqual(features.map(\.index), [0, 1])
        XCTAssertEqual(features.map(\.line), [2, 3])
        XCTAssertEqual(features[1].id, .number(1))
        XCTAssertEqual(features[1].properties["name"], .string("f1"))
        XCTAssertEqual(features[1].geometry, .point(LonLat(112.45, 34.62)))
        XCTAssertEqual(features[0].geometry.typeName, "Polygon")
    }

    func testSingleFeatureDocumentIsOneFeature() throws {
        let path = try write("one.geojson", "\n\n{\"type\": \"Feature\", \"properties\": null, \"geometry\": \(square)}")
        let document = try GeoJSONDocument.read(path: path)
        XCTAssertEqual(document.validFeatures.count, 1)
        XCTAssertEqual(document.validFeatures[0].line, 3)
        XCTAssertEqual(document.validFeatures[0].properties, [:])
        XCTAssertNil(document.validFeatures[0].id)
    }

    func testAltitudeIsDroppedAndOnePointMultiPointIsAPoint() throws {
        let path = try write("z.geojson", collection([
            "{\"type\": \"Point\", \"coordinates\": [112.45, 34.62, 150.5]}",
            "{\"type\": \"MultiPoint\", \"coordinates\": [[112.46, 34.63]]}",
        ]))
        let geometries = try GeoJSONDocument.read(path: path).validFeatures.map(\.geometry)
        XCTAssertEqual(geometries, [.point(LonLat(112.45, 34.62)), .point(LonLat(112.46, 34.63))])
    }

    func testUTF8ByteOrderMarkIsAccepted() throws {
        let url = tempDirectory.appendingPathComponent("bom.geojson")
        try Data([0xEF, 0xBB, 0xBF] + Array(collection([square]).utf8)).write(to: url)
        XCTAssertEqual(try GeoJSONDocument.read(path: url.path).validFeatures.count, 1)
    }

    func testInvalidJSONDescriptionSaysWhereAndWhatToDo() throws {
        let path = try write("comma.geojson", "{\"type\": \"FeatureCollection\",\n \"features\": [] \"x\"}")
        XCTAssertEqual(readError(path)?.description,
                       "\(path):2:17: invalid JSON: expected ',' or '}' after an object member — fix the file at that position")
    }

    func testAcceptedCRSNamesAreRecorded() throws {
        for name in ["urn:ogc:def:crs:EPSG::4490", "EPSG:4326", "urn:ogc:def:crs:OGC:1.3:CRS84",
                     "http://www.opengis.net/def/crs/EPSG/0/4326"] {
            let crs = "{\"type\": \"name\", \"properties\": {\"name\": \"\(name)\"}}"
            let path = try write("crs.geojson", collection([square], crs: crs))
            XCTAssertEqual(try GeoJSONDocument.read(path: path).crsName, name)
        }
    }

    // MARK: Whole-file errors

    func testMissingFileIsUnreadable() {
        let path = tempDirectory.appendingPathComponent("missing.geojson").path
        XCTAssertEqual(readError(path), .unreadable(path: path, reason: "No such file or directory"))
        XCTAssertTrue(readError(tempDirectory.path)!.description.contains("Is a directory"))
    }

    func testTruncatedFileIsInvalidJSONAtTheEnd() throws {
        let full = collection([square, square])
        let path = try write("truncated.geojson", String(full.prefix(full.count - 30)))
        guard case .invalidJSON(_, let line, _, let message)? = readError(path) else { return XCTFail() }
        XCTAssertEqual(line, 3)
        XCTAssertTrue(message.hasPrefix("unexpected end of file"), message)
        XCTAssertTrue(readError(path)!.description.hasPrefix("\(path):3:"))
    }

    func testTenThousandDeepNestingIsADepthError() throws {
        let path = try write("deep.geojson", "{\"type\": \"FeatureCollection\", \"features\": "
                             + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "}")
        guard case .invalidJSON(_, 1, _, let message)? = readError(path) else { return XCTFail() }
        XCTAssertTrue(message.hasPrefix("nesting deeper than 256 levels"), message)
    }

    func testNaNCoordinateIsInvalidJSON() throws {
        let path = try write("nan.geojson", collection(["{\"type\": \"Point\", \"coordinates\": [NaN, 34.6]}"]))
        XCTAssertEqual(readError(path), .invalidJSON(path: path, line: 2, column: 106,
                                                     message: "NaN is not valid JSON — write null (or a number)"))
    }

    func testUnsupportedCRSIsRejectedWithAReprojectionHint() throws {
        let crs = "{\"type\": \"name\", \"properties\": {\"name\": \"urn:ogc:def:crs:EPSG::3857\"}}"
        let path = try write("mercator.geojson", collection([square], crs: crs))
        let error = readError(path)
        XCTAssertEqual(error, .unsupportedCRS(path: path, name: "urn:ogc:def:crs:EPSG::3857"))
        XCTAssertTrue(error!.description.contains("reproject to WGS-84 (EPSG:4326) first, e.g. with ogr2ogr -t_srs EPSG:4326"))
        let lookalike = try write("lookalike.geojson", collection([square], crs: "{\"type\": \"name\", \"properties\": {\"name\": \"EPSG:43260\"}}"))
        XCTAssertEqual(readError(lookalike), .unsupportedCRS(path: lookalike, name: "EPSG:43260"))
    }

    func testTopLevelGeometryIsNotAFeatureCollection() throws {
        let path = try write("geometry.geojson", square)
        XCTAssertEqual(readError(path), .notAFeatureCollection(path: path, found: "a Polygon geometry"))
        let array = try write("array.geojson", "[]")
        XCTAssertEqual(readError(array), .notAFeatureCollection(path: array, found: "an array"))
        let noFeatures = try write("nofeatures.geojson", "{\"type\": \"FeatureCollection\"}")
        XCTAssertTrue(readError(noFeatures)!.description.contains("without a \"features\" array"))
    }

    // MARK: Per-feature errors

    func testUnclosedRingIsAFeatureErrorAndOtherFeaturesStillRead() throws {
        let closedRing = "[[112.1, 34.5], [112.2, 34.5], [112.2, 34.6], [112.1, 34.6], [112.1, 34.5]]"
        let openRing = "[[112.1, 34.5], [112.2, 34.5], [112.2, 34.6], [112.1, 34.6]]"
        let open = "{\"type\": \"MultiPolygon\", \"coordinates\": [[\(closedRing)], [\(openRing)]]}"
        let path = try write("open.geojson", collection([square, square, square, open]))
        let document = try GeoJSONDocument.read(path: path)
        XCTAssertEqual(document.validFeatures.count, 3)
        XCTAssertEqual(document.featureErrors, [FeatureError(index: 3, line: 5, message:
            "polygon 1, ring 0 is not closed (first [112.1, 34.5], last [112.1, 34.6]) — close the ring in the source (repeat the first position at the end)")])
        XCTAssertTrue(document.featureErrors[0].description.hasPrefix("feature 3 (line 5): polygon 1, ring 0 is not closed"))
    }

    func testRingOfThreePositionsIsAFeatureError() throws {
        let path = try write("short.geojson", collection(["{\"type\": \"Polygon\", \"coordinates\": [[[112.1, 34.5], [112.2, 34.5], [112.1, 34.5]]]}"]))
        XCTAssertEqual(try GeoJSONDocument.read(path: path).featureErrors.map(\.message),
                       [GeometryProblem.ringTooShort(path: "ring 0", count: 3).description])
    }

    func testOutOfRangeCoordinatesAreAFeatureError() throws {
        let path = try write("range.geojson", collection([
            "{\"type\": \"Point\", \"coordinates\": [34.62, 112.45]}",
            "{\"type\": \"Point\", \"coordinates\": [12518000.5, 4112000.25]}",
        ]))
        let errors = try GeoJSONDocument.read(path: path).featureErrors
        XCTAssertEqual(errors.count, 2)
        XCTAssertTrue(errors[0].message.hasPrefix("point: coordinate [34.62, 112.45] is outside"), errors[0].message)
        XCTAssertTrue(errors[1].message.contains("not projected metres"))
    }

    func testUnsupportedAndNullGeometriesAreFeatureErrorsNamingTheType() throws {
        let path = try write("types.geojson", collection([
            "{\"type\": \"GeometryCollection\", \"geometries\": []}",
            "{\"type\": \"LineString\", \"coordinates\": [[112.1, 34.5], [112.2, 34.5]]}",
            "null",
            "{\"type\": \"Circle\", \"coordinates\": [112.1, 34.5]}",
            "{\"type\": \"MultiPoint\", \"coordinates\": [[112.1, 34.5], [112.2, 34.5]]}",
            square,
        ]))
        let document = try GeoJSONDocument.read(path: path)
        XCTAssertEqual(document.validFeatures.map(\.index), [5])
        let messages = document.featureErrors.map(\.message)
        XCTAssertEqual(messages.count, 5)
        XCTAssertTrue(messages[0].hasPrefix("geometry type GeometryCollection is not supported"), messages[0])
        XCTAssertTrue(messages[1].hasPrefix("geometry type LineString is not supported"), messages[1])
        XCTAssertTrue(messages[2].hasPrefix("geometry is null"), messages[2])
        XCTAssertTrue(messages[3].hasPrefix("unknown geometry type \"Circle\""), messages[3])
        XCTAssertTrue(messages[4].hasPrefix("MultiPoint with 2 points"), messages[4])
    }

    func testMalformedPositionsAreFeatureErrors() throws {
        let path = try write("positions.geojson", collection([
            "{\"type\": \"Point\", \"coordinates\": [112.45]}",
            "{\"type\": \"Point\", \"coordinates\": [\"112.45\", 34.62]}",
            "{\"type\": \"Polygon\", \"coordinates\": [[[112.1, 34.5], [112.2], [112.2, 34.6], [112.1, 34.5]]]}",
            "{\"type\": \"Point\"}",
        ]))
        let messages = try GeoJSONDocument.read(path: path).featureErrors.map(\.message)
        XCTAssertEqual(messages, [
            "point has 1 number(s), a position needs at least 2 [lon, lat]",
            "point: element 0 is a string, expected a number",
            "ring 0, position 1 has 1 number(s), a position needs at least 2 [lon, lat]",
            "Point geometry has no \"coordinates\" member",
        ])
    }

    func testFeatureThatIsNotAFeatureObjectIsAFeatureError() throws {
        let path = try write("notfeature.geojson", "{\"type\": \"FeatureCollection\", \"features\": [\n42,\n\(square)\n]}")
        let errors = try GeoJSONDocument.read(path: path).featureErrors
        XCTAssertEqual(errors.map(\.line), [2, 3])
        XCTAssertTrue(errors[0].message.hasPrefix("is a number, not a Feature object"))
        XCTAssertTrue(errors[1].message.hasPrefix("has \"type\": \"Polygon\", expected \"Feature\""))
    }
}
