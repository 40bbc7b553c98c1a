import FacilityCoverage
import FacilityMapKit
import FacilityQuality
import Foundation
import XCTest

/// One rule for a unit's parent and its population (`UnitTree`), read alike by coverage, `check` and `stats`: a unit
/// whose file names no parent hangs from the finest coarser polygon holding its point, and its people count there.
final class UnitTreeRuleTests: ImportTestCase {
    func testAUnitWithoutAParentCodeHangsFromThePolygonHoldingItForCoverageCheckAndStats() throws {
        let store = try SQLiteStore(path: path("tree.sqlite"))
        defer { store.close() }
        try store.write { writer in
            try writer.upsert(AdministrativeUnit(code: "410302", name: "老城区", level: .district, population: 5_000,
                                                 boundary: StatsTests.square(112.0, 34.0)))
            // A township polygon without people of its own; its community names no parent (a common gap in bureau files).
            try writer.upsert(AdministrativeUnit(code: "410302001", name: "西关街道", level: .township, parent: "410302",
                                                 boundary: StatsTests.square(112.02, 34.02, size: 0.05)))
            try writer.upsert(AdministrativeUnit(code: "410302001002", name: "周公庙社区居民委员会", level: .community,
                                                 population: 3_000, location: LonLat(112.04, 34.04)))
            // Registered to the community; its point lies outside every polygon (a typo in 经度): registration decides.
            try writer.upsert(Facility(id: "E1", name: "周公庙社区养老服务站", kind: .neighborhoodElderlyStation, location: LonLat(113.5, 34.04),
                                       unit: "410302001002"))
        }
        // Coverage: the township's people are its community's.
        let engine = try CoverageEngine(store: store)
        XCTAssertEqual(engine.populationsUsed["410302001"]?.people, 3_000)
        XCTAssertEqual(engine.populationsUsed["410302001"]?.summed, true)
        XCTAssertEqual(engine.tree.parent[engine.tree.index["410302001002"]!], Int32(engine.tree.index["410302001"]!))
        // Check: so the township has people (no `population` finding for it), as coverage counts them.
        let findings = try RegistryCheck.run(store: store)
        XCTAssertFalse(findings.contains { $0.rule == .population && $0.id == "410302001" }, "\(findings.map(\.id))")
        // Stats: the facility is in 老城区 through its community, as coverage counts it, not "in no loaded district".
        let stats = try StoreStats(store: store)
        XCTAssertEqual(stats.facilitiesByDistrict.map { "\($0.code ?? "-") \($0.count)" }, ["410302 1"])
    }
}
