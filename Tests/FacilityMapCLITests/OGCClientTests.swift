import FacilityMapKit
import Foundation
import XCTest

/// OGC API – Features as clients no one here wrote read it: GDAL's OAPIF driver (Debian's gdal-bin) and OWSLib (PyPI),
/// against `facilitymap serve` over the Luoyang demo, compared with what `export geojson` gives.
extension ServeCLITests {
    /// Runs a program (`ogrinfo`, `ogr2ogr`, `python3`) and returns its standard output; fails the test on a bad exit.
    func program(_ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.currentDirectoryURL = folder
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile(), stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(arguments.joined(separator: " ")): \(String(decoding: stderr, as: UTF8.self))")
        return String(decoding: stdout, as: UTF8.self)
    }

    /// The features of a GeoJSON file by id.
    func features(_ path: String) throws -> [String: [String: Any]] {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
        var byID: [String: [String: Any]] = [:]
        for feature in object?["features"] as? [[String: Any]] ?? [] {
            let id = (feature["properties"] as? [String: Any])?["id"] as? String ?? (feature["id"] as? String ?? "")
            byID[id] = feature
        }
        return byID
    }

    func testGDALsOAPIFDriverListsEveryCollectionAndCopiesTheFacilitiesAsExportGivesThem() throws {
        let (_, base) = try serve()
        let listing = try program(["ogrinfo", "-ro", "-so", "OAPIF:\(base)/ogc"])
        let plan = TargetPlan.luoyang2022
        let layers = listing.split(separator: "\n").filter { $0.first?.isNumber == true }.map { String($0.split(separator: " ")[1]) }
        XCTAssertEqual(layers, ["facilities", "cities", "districts", "townships", "communities", "villages"] + plan.targets.map { "coverage-" + $0.id }, listing)

        // The same facilities as `export geojson`, field by field, through GDAL's paging.
        XCTAssertEqual(try run(["export", "geojson", "--layer", "facilities", "--out", "export.geojson"]).status, 0)
        let exported = try features(folder.appendingPathComponent("export.geojson").path)
        let summary = try program(["ogrinfo", "-ro", "-so", "OAPIF:\(base)/ogc", "facilities"])
        XCTAssertTrue(summary.contains("Feature Count: \(exported.count)"), summary)
        // Into a GeoPackage, as a planner would keep it; read back through GDAL's GeoJSON.
        _ = try program(["ogr2ogr", "-f", "GPKG", "copied.gpkg", "OAPIF:\(base)/ogc", "facilities"])
        _ = try program(["ogr2ogr", "-f", "GeoJSON", "copied.geojson", "copied.gpkg"])
        let copied = try features(folder.appendingPathComponent("copied.geojson").path)
        XCTAssertEqual(Set(copied.keys), Set(exported.keys), "every facility, once")
        var compared = 0
        for id in exported.keys.sorted().enumerated().filter({ $0.offset % 97 == 0 }).map(\.element) {
            let a = try XCTUnwrap(exported[id]), b = try XCTUnwrap(copied[id])
            let pa = a["properties"] as? [String: Any] ?? [:], pb = b["properties"] as? [String: Any] ?? [:]
            for key in ["id", "name", "kind", "kind_zh", "unit", "level", "opened", "closed", "address"] {
                XCTAssertEqual(pa[key] as? String, pb[key] as? String, "\(id) \(key)")
            }
            // GDAL 3.6 types a field from the first page it reads (a count null there becomes text): the same value
            // either way.
            func number(_ value: Any?) -> Double? { (value as? Double) ?? (value as? String).flatMap(Double.init) }
            for key in ["beds", "doctors", "gps", "places"] { XCTAssertEqual(number(pa[key]), number(pb[key]), "\(id) \(key)") }
            let ca = (a["geometry"] as? [String: Any])?["coordinates"] as? [Double] ?? []
            let cb = (b["geometry"] as? [String: Any])?["coordinates"] as? [Double] ?? []
            XCTAssertEqual(ca.count, 2)
            for (x, y) in zip(ca, cb) { XCTAssertEqual(x, y, accuracy: 1e-9, "\(id)") }
            compared += 1
        }
        XCTAssertGreaterThan(compared, 50)

        // -spat: what the same box selects from the export.
        let box = (w: 112.40, s: 34.60, e: 112.50, n: 34.70)
        _ = try program(["ogr2ogr", "-f", "GeoJSON", "-spat", "\(box.w)", "\(box.s)", "\(box.e)", "\(box.n)", "boxed.geojson", "OAPIF:\(base)/ogc", "facilities"])
        let inBox = exported.filter { _, f in
            let c = (f["geometry"] as? [String: Any])?["coordinates"] as? [Double] ?? []
            return c.count == 2 && c[0] >= box.w && c[0] <= box.e && c[1] >= box.s && c[1] <= box.n
        }
        let boxed = try features(folder.appendingPathComponent("boxed.geojson").path)
        XCTAssertGreaterThan(inBox.count, 100)
        XCTAssertEqual(Set(boxed.keys), Set(inBox.keys))

        // Every collection with its count, and a unit level and a coverage layer as export gives them.
        for (layer, count) in [("districts", 15), ("coverage-beds-per-1000", 15), ("coverage-community-elderly-care", 380)] {
            let info = try program(["ogrinfo", "-ro", "-so", "OAPIF:\(base)/ogc", layer])
            XCTAssertTrue(info.contains("Feature Count: \(count)"), "\(layer): \(info)")
        }
        XCTAssertEqual(try run(["export", "geojson", "--layer", "coverage", "--target", "beds-per-1000", "--out", "beds.geojson"]).status, 0)
        _ = try program(["ogr2ogr", "-f", "GPKG", "beds.gpkg", "OAPIF:\(base)/ogc", "coverage-beds-per-1000"])
        _ = try program(["ogr2ogr", "-f", "GeoJSON", "beds-copied.geojson", "beds.gpkg"])
        func byCode(_ path: String) throws -> [String: [String: Any]] {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any]
            return Dictionary(((object?["features"] as? [[String: Any]]) ?? []).map {
                let properties = $0["properties"] as? [String: Any] ?? [:]
                return (properties["code"] as? String ?? "", properties)
            }, uniquingKeysWith: { a, _ in a })
        }
        let exportedBeds = try byCode(folder.appendingPathComponent("beds.geojson").path)
        let copiedBeds = try byCode(folder.appendingPathComponent("beds-copied.geojson").path)
        XCTAssertEqual(Set(copiedBeds.keys), Set(exportedBeds.keys))
        for (code, row) in exportedBeds {
            for key in ["actual", "goal", "numerator", "denominator"] {
                XCTAssertEqual((row[key] as? Double) ?? -1, (copiedBeds[code]?[key] as? Double) ?? -2, accuracy: 1e-9, "\(code) \(key)")
            }
            XCTAssertEqual(row["name"] as? String, copiedBeds[code]?["name"] as? String)
        }
    }

    func testOWSLibReadsTheCollectionsAndPagesThroughEveryFacility() throws {
        let (_, base) = try serve()
        XCTAssertEqual(try run(["export", "geojson", "--layer", "facilities", "--out", "export.geojson"]).status, 0)
        let exported = try features(folder.appendingPathComponent("export.geojson").path)
        let output = try program(["python3", CLITests.repository.appendingPathComponent("Tests/clients/owslib_features.py").path, base + "/ogc"])
        let seen = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], output)
        XCTAssertEqual(seen["title"] as? String, "幸福洛阳建设行动计划 — FacilityMap")
        XCTAssertEqual((seen["conformance"] as? [String])?.count, 3)
        let ids = seen["ids"] as? [String] ?? []
        XCTAssertEqual(ids, exported.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }, "every facility once, in id order")
        XCTAssertEqual(seen["matched"] as? Int, exported.count)
        XCTAssertEqual(seen["pages"] as? Int, (exported.count + 499) / 500)
        XCTAssertEqual((seen["one"] as? [String])?.last, "Point")
        let inBox = exported.filter { _, f in
            let c = (f["geometry"] as? [String: Any])?["coordinates"] as? [Double] ?? []
            return c.count == 2 && c[0] >= 112.40 && c[0] <= 112.50 && c[1] >= 34.60 && c[1] <= 34.70
        }
        XCTAssertEqual(seen["box"] as? [String], inBox.keys.sorted())
        XCTAssertEqual(seen["box_matched"] as? Int, inBox.count)
    }

    func testAPrivateRegistrysFeaturesNeedTheTokenGDALSendsInItsHeaders() throws {
        let secret = try token(["--name", "规划局"])
        let (_, base) = try serve(["--private"])
        XCTAssertEqual(request(base + "/ogc/collections")?.status, 401)
        let listing = try program(["ogrinfo", "-ro", "-so", "OAPIF:\(base)/ogc", "districts"],
                                  environment: ["GDAL_HTTP_HEADERS": "Authorization: Bearer \(secret)"])
        XCTAssertTrue(listing.contains("Feature Count: 15"), listing)
    }
}
