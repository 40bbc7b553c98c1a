import FacilityMapKit
import Foundation
import XCTest

extension CLITests {
    /// Headless Chromium (Debian's `chromium`, installed by Scripts/setup) loads the page and runs its script.
    func chromium(_ arguments: [String]) throws -> String { try Self.chromium(arguments, in: folder) }

    /// Headless Chromium with its profile in `folder`.
    static func chromium(_ arguments: [String], in folder: URL) throws -> String {
        try tool(["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"],
                 ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                  "--user-data-dir=\(folder.appendingPathComponent("chromium-profile").path)"] + arguments,
                 missing: "no Chromium: run Scripts/setup (it installs Debian's chromium)")
    }

    func testMapRendersEveryDistrictAndFacilityInARealBrowser() throws {
        try importLuoyang()
        let made = try run(["map", "--out", "coverage.html", "--year", "2025"])
        XCTAssertEqual(made.status, 0, made.stderr)
        let page = folder.appendingPathComponent("coverage.html")
        let dom = try chromium(["--virtual-time-budget=5000", "--dump-dom", page.absoluteString])
        XCTAssertEqual(dom.components(separatedBy: "class=\"district\"").count - 1, 14, "one drawn path per district")
        XCTAssertTrue(dom.contains("data-districts=\"14\""), "the script ran")
        // Nine of the ten fixture facilities are open at the end of 2025 (one kindergarten closed in 2024).
        XCTAssertTrue(dom.contains("data-facilities=\"9\""))
        let start = try XCTUnwrap(dom.range(of: "<select id=\"target\">"), "the target picker")
        let picker = dom[start.upperBound...].components(separatedBy: "</select>")[0]
        XCTAssertEqual(picker.components(separatedBy: "<option").count - 1, TargetPlan.luoyang2022.targets.count,
                       "the selector lists every target")
        XCTAssertTrue(dom.contains("洛阳市"))
        let screenshot = folder.appendingPathComponent("map.png")
        _ = try chromium(["--window-size=1200,800", "--virtual-time-budget=5000", "--screenshot=\(screenshot.path)", page.absoluteString])
        let png = try Data(contentsOf: screenshot)
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        XCTAssertGreaterThan(png.count, 20_000, "a drawn map, not a blank page")
    }

    func testExportGeoJSONCommandWritesAFileOrStandardOutput() throws {
        try importLuoyang()
        let toFile = try run(["export", "geojson", "--layer", "units", "--out", "units.geojson"])
        XCTAssertEqual(toFile.status, 0, toFile.stderr)
        XCTAssertEqual(toFile.stderr, "wrote 15 features to units.geojson\n")
        let stdout = try run(["export", "geojson", "--layer", "facilities", "--kind", "hospital"])
        XCTAssertEqual(stdout.status, 0, stdout.stderr)
        let collection = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(stdout.stdout.utf8)) as? [String: Any])
        XCTAssertEqual((collection["features"] as? [Any])?.count, 1)
        XCTAssertEqual(try run(["export", "geojson", "--layer", "roads"]).status, 2)
        XCTAssertEqual(try run(["export", "geojson", "--layer", "units", "--crs", "cgcs2000"]).status, 2)
        let missingFolder = try run(["export", "geojson", "--layer", "units", "--out", "no/such/dir/u.geojson"])
        XCTAssertEqual(missingFolder.status, 1)
        XCTAssertTrue(missingFolder.stderr.contains("no/such/dir/u.geojson"), missingFolder.stderr)
    }
}

extension CLITests {
    func testDemoRunsFromAnyFolderAndWritesTheReportGeoJSONAndMap() throws {
        let demo = try run(["demo", "--out", "city"])
        XCTAssertEqual(demo.status, 0, demo.stderr)
        for target in TargetPlan.luoyang2022.targets {
            XCTAssertTrue(demo.stdout.contains("\(target.id)  \(target.title)"), target.id)
        }
        XCTAssertTrue(demo.stdout.contains("goals of 2023, facilities counted on 2023-12-31"))
        XCTAssertTrue(demo.stdout.contains("goals of 2025, facilities counted on 2025-12-31"))
        XCTAssertTrue(demo.stdout.contains("facilities-health.csv: imported 3084 rows"), demo.stdout)
        let city = folder.appendingPathComponent("city")
        XCTAssertTrue(FileManager.default.fileExists(atPath: city.appendingPathComponent("facilitymap.sqlite").path))
        let geojson = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: city.appendingPathComponent("coverage.geojson"))) as? [String: Any])
        XCTAssertEqual(geojson["target"] as? String, "community-elderly-care")
        XCTAssertEqual((geojson["features"] as? [Any])?.count, 380)
        let html = try String(contentsOf: city.appendingPathComponent("coverage.html"), encoding: .utf8)
        XCTAssertTrue(html.contains("洛阳市"))
        // A second run refreshes the same store: nothing new.
        let again = try run(["demo", "--out", "city", "--year", "2025"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("units.csv: imported 3156 rows: 0 new, 0 updated, 3156 unchanged"), again.stdout)
        XCTAssertFalse(again.stdout.contains("goals of 2023"))
    }
}
