import FacilityMapKit
import Foundation
import XCTest

/// The embedded Luoyang sample, imported as `facilitymap demo` imports it.
final class EmbeddedDataTests: ImportTestCase {
    func demoStore() throws -> SQLiteStore {
        let store = try SQLiteStore(path: path("demo.sqlite"))
        let files = Demo.files(in: EmbeddedData.luoyang)
        for file in files.units {
            let summary = try UnitImporter().run(path: file.path, into: store)
            XCTAssertEqual(summary.rejected, 0, summary.rejections.prefix(3).map(\.description).joined(separator: "\n"))
            XCTAssertEqual(summary.warnings, [])
        }
        for (file, importer) in files.facilities {
            let summary = try importer.run(path: file.path, into: store)
            XCTAssertEqual(summary.rejected, 0, summary.rejections.prefix(3).map(\.description).joined(separator: "\n"))
            XCTAssertEqual(summary.warnings, [])
        }
        return store
    }

    func testEmbeddedDataIsTheRepositorysGeoData() throws {
        for name in ["districts.geojson", "units.csv", "facilities-education.csv", "facilities-health.csv", "facilities-elderly-care.csv"] {
            XCTAssertEqual(try Data(contentsOf: EmbeddedData.luoyang.appendingPathComponent(name)),
                           try Data(contentsOf: URL(fileURLWithPath: geoData("luoyang/\(name)"))), name)
        }
    }

    func testSampleImportsWholeWithRealNamesAndCensusPopulation() throws {
        let store = try demoStore()
        XCTAssertEqual(try store.unitCount(level: .district), 15, "14 with polygons and 高新区 without")
        XCTAssertEqual(try store.unitCount(level: .township), 194)
        XCTAssertGreaterThan(try store.unitCount(level: .village), 2_000)
        XCTAssertGreaterThan(try store.facilityCount(kind: .villageClinic), 2_000)
        XCTAssertGreaterThan(try store.facilityCount(kind: .kindergarten), 900)
        let engine = try CoverageEngine(store: store)
        let beds = try XCTUnwrap(TargetPlan.luoyang2022.targets.first { $0.id == "beds-per-1000" })
        let report = engine.report(plan: TargetPlan(plan: "p", area: "410300", targets: [beds]), query: CoverageQuery(year: 2025))
        XCTAssertEqual(report.targets[0].total.denominator, 7_056_699, "populations sum to the 2020 census total")
        XCTAssertEqual(report.targets[0].areas.first { $0.area.code == "410305" }?.result.denominator, 699_300,
                       "a district's published figure where population.csv has one")
        // The health bureau's GCJ-02 points land inside their districts after conversion.
        let clinic = try XCTUnwrap(try store.units(level: .district).first { $0.code == "410325" })
        var inside = 0, total = 0
        try store.forEachFacility(kind: .townshipHealthCenter, within: "410325") { f in
            total += 1
            if clinic.boundary!.contains(f.location) { inside += 1 }
        }
        XCTAssertGreaterThan(total, 5)
        XCTAssertEqual(inside, total)
    }

    func testEveryJudgedTargetIsMetBySomeDistrictsAndMissedByOthersIn2023And2025() throws {
        let engine = try CoverageEngine(store: try demoStore())
        let plan = TargetPlan.luoyang2022
        for year in [2023, 2025] {
            for target in engine.report(plan: plan, query: CoverageQuery(year: year)).targets where target.goal != nil {
                let judged = target.areas.compactMap(\.result.met)
                guard !judged.isEmpty else { continue }  // city-wide counts are judged on the total only
                XCTAssertTrue(judged.contains(true), "\(target.target.id) \(year): some district meets it")
                XCTAssertTrue(judged.contains(false), "\(target.target.id) \(year): some district misses it")
            }
        }
        let report = engine.report(plan: plan, query: CoverageQuery(year: 2023))
        let streets = try XCTUnwrap(report.targets.first { $0.target.id == "street-elderly-centers" })
        XCTAssertEqual(streets.total.numerator, 57)
        XCTAssertEqual(streets.total.met, false)
        let community = try XCTUnwrap(report.targets.first { $0.target.id == "community-elderly-care" })
        XCTAssertEqual(community.total.numerator, 366)
        XCTAssertEqual(community.total.denominator, 380)
    }

    func testEngineOverTheStoresColumnsReportsAsAnEngineOverFacilityValues() throws {
        let store = try demoStore()
        let columnar = try CoverageEngine(store: store)
        var facilities: [Facility] = []
        try store.forEachFacility { facilities.append($0) }
        let plain = CoverageEngine(units: try store.units(), facilities: facilities)
        XCTAssertEqual(columnar.facilities.count, facilities.count)
        let plan = TargetPlan.luoyang2022
        for query in [CoverageQuery(year: 2023), CoverageQuery(year: 2025), CoverageQuery(year: 2025, by: .township),
                      CoverageQuery(asOf: Day(parsing: "2010-06-30"), by: .city)] {
            XCTAssertEqual(columnar.report(plan: plan, query: query), plain.report(plan: plan, query: query))
        }
        for target in plan.targets where target.metric == .unitCoverage {
            let details = columnar.unitCoverage(of: target, plan: plan, query: CoverageQuery(year: 2025))
            XCTAssertFalse(details.isEmpty)
            XCTAssertEqual(details, plain.unitCoverage(of: target, plan: plan, query: CoverageQuery(year: 2025)))
        }
    }
}
