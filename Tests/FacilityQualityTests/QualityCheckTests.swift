import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityQuality
import FacilityText
import XCTest

/// Each rule of `facilitymap check` on records made for it, and a clean registry with no findings.
final class QualityCheckTests: XCTestCase {
    static func square(_ lon: Double, _ lat: Double, _ size: Double) -> MultiPolygon {
        MultiPolygon([Polygon(exterior: [LonLat(lon, lat), LonLat(lon + size, lat), LonLat(lon + size, lat + size),
                                         LonLat(lon, lat + size), LonLat(lon, lat)])])
    }

    /// 洛阳市 410300 > 老城区 410302 (a polygon) > 西关街道 410302001 > 周公庙社区 410302001002 and 东村 410302001201.
    static let units: [AdministrativeUnit] = [
        AdministrativeUnit(code: "410300", name: "洛阳市", level: .city, population: 10_000),
        AdministrativeUnit(code: "410302", name: "老城区", level: .district, parent: "410300", boundary: square(112.40, 34.70, 0.1)),
        AdministrativeUnit(code: "410302001", name: "西关街道", level: .township, parent: "410302", location: LonLat(112.43, 34.73)),
        AdministrativeUnit(code: "410302001002", name: "周公庙社区居民委员会", level: .community, parent: "410302001", population: 3_000,
                           location: LonLat(112.44, 34.74)),
        AdministrativeUnit(code: "410302001201", name: "东村村民委员会", level: .village, parent: "410302001", population: 2_000,
                           location: LonLat(112.46, 34.75)),
    ]

    struct Row {
        var id: String
        var name: String
        var kind: FacilityKind = .kindergarten
        var at: LonLat
        var unit: String? = "410302001002"
        var beds: Int? = nil
        var places: Int? = 120
        var opened: Int32 = 0
        var closed: Int32 = 0
        var source: Int32 = -1
    }

    /// Records read against `units` as the store reads them (positions; unknown codes kept aside).
    static func records(_ rows: [Row], units: [AdministrativeUnit] = units) -> FacilityRecords {
        var records = FacilityRecords()
        for r in rows {
            var position: Int32 = -1
            var unknown: String?
            if let code = r.unit {
                position = units.firstIndex { $0.code == code }.map(Int32.init) ?? -2
                if position == -2 { unknown = code }
            }
            var name = r.name
            name.withUTF8 { bytes in
                records.append(id: r.id, name: UnsafeRawBufferPointer(bytes), kind: r.kind, location: r.at, unit: position, unknownUnit: unknown,
                               beds: r.beds, places: r.places, opened: r.opened, closed: r.closed, source: r.source)
            }
        }
        return records
    }

    func findings(_ rows: [Row], units: [AdministrativeUnit] = units, check: QualityCheck = QualityCheck(),
                  imports: [Int: String] = [:]) -> [Finding] {
        check.run(units: units, facilities: Self.records(rows, units: units), imports: imports)
    }

    func testACleanRegistryHasNoFindings() {
        let rows = [
            Row(id: "K1", name: "周公庙社区幼儿园", at: LonLat(112.441, 34.741)),
            Row(id: "K2", name: "东村幼儿园", at: LonLat(112.461, 34.751), unit: "410302001201", places: 90),
            // Same name, 2 km apart: two kindergartens.
            Row(id: "K3", name: "周公庙社区幼儿园", at: LonLat(112.42, 34.74)),
            Row(id: "H1", name: "老城区人民医院", kind: .hospital, at: LonLat(112.43, 34.731), unit: "410302001", beds: 300, places: nil,
                opened: 2001_03_01, closed: 2024_01_01),
        ]
        XCTAssertEqual(findings(rows), [])
    }

    /// With `changed` flags, only what concerns a flagged facility: its own findings and its duplicates with any
    /// record; no finding between two unflagged ones, and no unit rules.
    func testChangedFlagsKeepOnlyTheFindingsOfChangedFacilities() {
        let rows = [
            Row(id: "A1", name: "周公庙社区幼儿园", at: LonLat(112.441, 34.741)),
            Row(id: "A2", name: "周公庙社区幼儿园", at: LonLat(112.4411, 34.741)),   // A1's duplicate: neither changed
            Row(id: "B1", name: "东村幼儿园", at: LonLat(112.461, 34.751), unit: "410302001201"),
            Row(id: "B2", name: "东村幼儿园", at: LonLat(112.4611, 34.751), unit: "410302001201"),  // changed: B1's duplicate
            Row(id: "C1", name: "无学位幼儿园", at: LonLat(112.45, 34.76), places: nil),           // unchanged, no places
            Row(id: "C2", name: "新幼儿园", at: LonLat(112.47, 34.77), unit: "999999", places: nil), // changed
        ]
        let units = Self.units.map { u -> AdministrativeUnit in var u = u; if u.level == .community { u.population = nil }; return u }
        let all = QualityCheck().run(units: units, facilities: Self.records(rows, units: units))
        XCTAssertEqual(Set(all.map { "\($0.rule.rawValue) \($0.id)" }),
                       ["duplicate A1", "duplicate B1", "capacity C1", "capacity C2", "unknown-unit C2", "population 410302001002"])
        let changed = QualityCheck().run(units: units, facilities: Self.records(rows, units: units),
                                         changed: [false, false, false, true, false, true])
        XCTAssertEqual(changed.map { "\($0.rule.rawValue) \($0.id) \($0.other ?? "-")" },
                       ["duplicate B1 B2", "unknown-unit C2 -", "capacity C2 -"])
    }

    func testDuplicatesAreSameKindSimilarNameWithin50MetresAsPairsAcrossCellEdges() {
        // 30 m apart across any cell edge; the names differ by 洛阳市, 老城区, full-width letters and 有限公司.
        let rows = [
            Row(id: "A", name: "老城区周公庙社区ＡＢＣ幼儿园", at: LonLat(112.4412, 34.7412)),
            Row(id: "B", name: "洛阳市周公庙社区 ABC 幼儿园有限公司", at: LonLat(112.4412 + 0.00033, 34.7412)),
            // Same place, another kind: not a duplicate.
            Row(id: "C", name: "周公庙社区ABC幼儿园", kind: .primarySchool, at: LonLat(112.4412, 34.7412), places: 500),
            // Same kind and name, 80 m away: not one.
            Row(id: "D", name: "周公庙社区ABC幼儿园", at: LonLat(112.4412, 34.7412 + 0.00072)),
            // 10 m away, another name.
            Row(id: "E", name: "周公庙社区XYZ幼儿园", at: LonLat(112.4413, 34.7412)),
        ]
        let found = findings(rows).filter { $0.rule == .duplicate }
        XCTAssertEqual(found.map { [$0.id, $0.other ?? ""] }, [["A", "B"]])
        XCTAssertTrue(found[0].problem.contains("30 m apart"), found[0].problem)
        XCTAssertEqual(found[0].severity, .warning)
    }

    func testPointsOutsideTheirUnitAndUnknownUnits() {
        let rows = [
            // Registered to 老城区 (a polygon) but at 112.6: outside it.
            Row(id: "P", name: "甲", kind: .hospital, at: LonLat(112.6, 34.75), unit: "410302", beds: 10, places: nil),
            // Registered to 东村 (a point) but 7 km away.
            Row(id: "Q", name: "乙", at: LonLat(112.46, 34.813), unit: "410302001201"),
            Row(id: "R", name: "丙", at: LonLat(112.46, 34.75), unit: "410399999999"),
        ]
        let found = findings(rows)
        XCTAssertEqual(found.map(\.rule), [.unknownUnit, .outsideUnit, .outsideUnit])
        XCTAssertEqual(found.map(\.id), ["R", "P", "Q"])
        XCTAssertTrue(found[1].problem.contains("m outside 老城区 410302"), found[1].problem)
        XCTAssertTrue(found[2].problem.contains("7.0 km from the point of 东村村民委员会"), found[2].problem)
        // A larger allowance keeps Q.
        XCTAssertEqual(findings(rows, check: QualityCheck(maxDistanceMetres: 8_000)).map(\.id), ["R", "P"])
    }

    func testCapacitiesThatContradictTheKindAndDaysInTheWrongOrder() {
        let rows = [
            Row(id: "V", name: "东村卫生室", kind: .villageClinic, at: LonLat(112.46, 34.75), unit: "410302001201", beds: 300, places: nil),
            Row(id: "V2", name: "东村卫生室二", kind: .villageClinic, at: LonLat(112.462, 34.75), unit: "410302001201", beds: 4, places: nil),
            Row(id: "K", name: "无学位幼儿园", at: LonLat(112.44, 34.74), places: nil),
            Row(id: "H", name: "无床医院", kind: .hospital, at: LonLat(112.43, 34.73), unit: "410302001", places: nil),
            Row(id: "X", name: "倒序幼儿园", at: LonLat(112.442, 34.742), opened: 2019_05_01, closed: 2015_03_01),
        ]
        let found = findings(rows)
        XCTAssertEqual(found.map { "\($0.rule.rawValue) \($0.id)" }, ["closed-before-opened X", "capacity H", "capacity K", "capacity V"])
        XCTAssertEqual(found[0].severity, .error)
        XCTAssertTrue(found[0].problem.contains("closed 2015-03-01 before it opened 2019-05-01"), found[0].problem)
        XCTAssertTrue(found[3].problem.contains("with 300 beds"))
    }

    func testAnImportShiftedByGCJ02IsFoundAndAnotherIsNot() {
        // 40 facilities scattered 100–400 m around the community's point; one import stored them as they came from a
        // web map (GCJ-02), another converted them.
        let centre = LonLat(112.44, 34.74)
        var rows: [Row] = []
        for i in 0..<40 {
            let angle = Double(i) * 2.4, metres = 100 + Double(i % 7) * 50
            let wgs = LonLat(centre.lon + metres * sin(angle) / (111_195 * cos(34.74 * .pi / 180)), centre.lat + metres * cos(angle) / 111_195)
            // GCJ-02 as a web map gives it: the point that converts back to the true one (found by iterating the inverse).
            var gcj = wgs
            for _ in 0..<5 {
                let back = CoordinateSystem.gcj02.toWGS84(gcj)
                gcj = LonLat(gcj.lon + wgs.lon - back.lon, gcj.lat + wgs.lat - back.lat)
            }
            rows.append(Row(id: "G\(i)", name: "网图幼儿园\(i)", at: gcj, source: 1))
            rows.append(Row(id: "W\(i)", name: "正确幼儿园\(i)", at: wgs, source: 2))
        }
        let found = findings(rows, imports: [1: "web.csv", 2: "ok.csv"]).filter { $0.rule == .gcj02Offset }
        XCTAssertEqual(found.map(\.id), ["web.csv"])
        XCTAssertEqual(found.first?.name, "import 1")
        XCTAssertTrue(found.first?.action.contains("facilitymap import facilities web.csv --crs gcj02") == true, found.first?.action ?? "")
        XCTAssertTrue(found.first?.problem.contains("40 facilities lie on median") == true, found.first?.problem ?? "")
        // In Chinese: the directions and the command said as a bureau reads them.
        let chinese = found.first?.problemPhrase.text(in: .zh) ?? ""
        XCTAssertTrue(chinese.hasPrefix("40 个设施与所属单位点位的中位偏移为向东 ") && chinese.contains("米、向南 ") && chinese.contains("；去掉该偏移后，中位距离由 "), chinese)
        XCTAssertEqual(found.first?.actionPhrase.text(in: .zh),
                       "如该文件的坐标取自国内网络地图，请按 GCJ-02 重新导入：`facilitymap import facilities web.csv --crs gcj02`（原记录就地更新）")
    }

    func testUnitsWithoutPopulationChildrenOverTheirParentAndCodesOffTheScheme() {
        var units = Self.units
        units[2].population = 1_000  // 西关街道: its community and village hold 5,000
        units.append(AdministrativeUnit(code: "410302001198", name: "新社区", level: .community, parent: "410302001"))
        units.append(AdministrativeUnit(code: "410302001150", name: "新村", level: .village, parent: "410302001", population: 10))
        units.append(AdministrativeUnit(code: "410399001201", name: "错村", level: .village, parent: "410302001", population: 10))
        units.append(AdministrativeUnit(code: "41030A", name: "错区", level: .district, parent: "410300", population: 10))
        let found = findings([], units: units)
        XCTAssertEqual(found.map { "\($0.rule.rawValue) \($0.id)" }, [
            "population 410302001", "unit-code 410302001150", "unit-code 41030A", "unit-code 410399001201", "population 410302001198",
        ])
        XCTAssertTrue(found[0].problem.contains("its children hold 5020 people, more than its own 1000"), found[0].problem)
        XCTAssertTrue(found[3].problem.contains("does not start with the digits of its parent 410302001"), found[3].problem)
        XCTAssertEqual(found[3].problemPhrase.text(in: .zh), "410399001201 未以上级 410302001 的代码（410302001）开头")
        XCTAssertEqual(found[1].problemPhrase.text(in: .zh), "村委会代码末三位应为 200–399；410302001150 末三位为 150")
        XCTAssertEqual(found[2].problemPhrase.text(in: .zh), "代码 41030A 不全是数字")
        // --kind leaves the unit rules out; --in keeps a subtree.
        XCTAssertEqual(QualityCheck(kind: .kindergarten).run(units: units, facilities: Self.records([])), [])
        let inside = QualityCheck(within: "410302001201").run(units: units, facilities: Self.records([
            Row(id: "in", name: "内", at: LonLat(112.46, 34.75), unit: "410302001201", places: nil),
            Row(id: "out", name: "外", at: LonLat(112.44, 34.74), places: nil),
        ]))
        XCTAssertEqual(inside.map(\.id), ["in"])
    }
}
