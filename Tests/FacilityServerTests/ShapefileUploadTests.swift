import FacilityMapKit
import Foundation
import XCTest

/// A zipped Shapefile, as bureaus mail them, uploads as its `.shp` imports (#24): the upload keeps its name, and the
/// name says the format.
final class ShapefileUploadTests: ServerTestCase {
    /// Runs the first of `candidates` that exists; fails the test when none does.
    private func run(_ candidates: [String], _ arguments: [String]) throws {
        let path = try XCTUnwrap(candidates.first { FileManager.default.isExecutableFile(atPath: $0) },
                                 "\(candidates[0]) is missing: run Scripts/setup")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(path) \(arguments)")
    }

    func testAZippedShapefileOfPointsUploadsAsItsCSVWould() async throws {
        try await startServer()
        let token = try addToken(name: "自然资源局")
        let csv = folder.appendingPathComponent("new.csv")
        try "id,name,kind,lon,lat,beds\nSHP-1,新建医院,hospital,112.45,34.62,120\nSHP-2,新建卫生院,township_health_center,112.40,34.66,30\n"
            .write(to: csv, atomically: true, encoding: .utf8)
        // GDAL writes the points (GBK, no .cpg; no .prj: the CSV names no system, and the box is in degrees), Python's
        // zipfile packs them in a folder.
        let shp = folder.appendingPathComponent("points.shp").path
        try run(["/usr/bin/ogr2ogr", "/usr/local/bin/ogr2ogr"],
                ["-f", "ESRI Shapefile", shp, csv.path, "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
                 "-oo", "KEEP_GEOM_COLUMNS=NO", "-lco", "ENCODING=GBK"])
        try? FileManager.default.removeItem(atPath: folder.appendingPathComponent("points.cpg").path)
        let zip = folder.appendingPathComponent("new.zip").path
        try run(["/usr/bin/python3", "/usr/local/bin/python3"], ["-c", """
            import os, sys, zipfile
            with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:
                for ext in ['shp', 'shx', 'dbf', 'prj']:
                    if os.path.exists(sys.argv[1] + '/points.' + ext):
                        z.write(sys.argv[1] + '/points.' + ext, '新建机构/points.' + ext)
            """, folder.path, zip])

        let name = "新建机构.zip".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        let answer = try await request("/api/facilities?file=\(name)", method: "POST",
                                       body: try Data(contentsOf: URL(fileURLWithPath: zip)), token: token)
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.object["new"] as? Int, 2, answer.text)
        let hospital = try await request("/api/facilities/SHP-1")
        XCTAssertEqual(hospital.object["name"] as? String, "新建医院")
        XCTAssertEqual(hospital.object["beds"] as? Int, 120)
        let imports = try await request("/api/imports")
        XCTAssertTrue(imports.text.contains("新建机构.zip"), imports.text)
    }

    /// The districts as a zipped Shapefile of polygons (GBK, no `.cpg`), read and repaired before the write as a GeoJSON
    /// upload is: the demo store's districts, unchanged.
    func testAZippedShapefileOfUnitsUploads() async throws {
        try await startServer()
        let token = try addToken(name: "自然资源局")
        let districts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("GeoData/luoyang/districts.geojson").path
        let shp = folder.appendingPathComponent("districts.shp").path
        try run(["/usr/bin/ogr2ogr", "/usr/local/bin/ogr2ogr"], ["-f", "ESRI Shapefile", shp, districts, "-lco", "ENCODING=GBK"])
        let zip = folder.appendingPathComponent("districts.zip").path
        try run(["/usr/bin/python3", "/usr/local/bin/python3"], ["-c", """
            import sys, zipfile
            with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:
                for ext in ['shp', 'shx', 'dbf', 'prj']:
                    z.write(sys.argv[1] + '/districts.' + ext, '区县界.' + ext)
            """, folder.path, zip])
        let answer = try await request("/api/units?file=districts.zip", method: "POST",
                                       body: try Data(contentsOf: URL(fileURLWithPath: zip)), token: token)
        XCTAssertEqual(answer.status, 200, answer.text)
        XCTAssertEqual(answer.object["rows"] as? Int, 15, answer.text)
        XCTAssertEqual(answer.object["new"] as? Int, 0, answer.text)
        let unit = try await request("/api/units/410303")
        XCTAssertEqual(unit.object["name"] as? String, "西工区")
    }
}
