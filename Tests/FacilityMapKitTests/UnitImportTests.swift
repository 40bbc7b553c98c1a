import FacilityGEOS
import FacilityMapKit
import Foundation
import XCTest

class UnitImportTests: ImportTestCase {
    func testLuoyangDistrictsGeoJSONInCGCS2000Imports() throws {
        let store = try luoyangStore()
        XCTAssertEqual(try store.unitCountsByLevel()[.city], 1)
        XCTAssertEqual(try store.unitCountsByLevel()[.district], 14)
        let chanhe = try XCTUnwrap(try store.units(level: .district).first { $0.code == "410304" })
        XCTAssertEqual(chanhe.name, "瀍河回族区")
        XCTAssertEqual(chanhe.parent, "410300")
        XCTAssertEqual(chanhe.attributes["gb"], "156410304")
        let boundary = try XCTUnwrap(chanhe.boundary)
        XCTAssertTrue(boundary.contains(try XCTUnwrap(chanhe.location)), "the unit's point lies inside its polygon")
        XCTAssertEqual(try store.units(within: "410300").count, 15)
        // Re-import: unchanged.
        let again = try UnitImporter().run(path: geoData("luoyang/districts.geojson"), into: store)
        XCTAssertEqual(again.line, "imported 15 rows: 0 new, 0 updated, 15 unchanged, 0 rejected")
    }

    func testACSVReimportOfADistrictUpdatesWhatItCarriesAndKeepsItsBoundaryAndPoint() throws {
        let store = try luoyangStore()
        let before = try XCTUnwrap(try store.unit(code: "410304"))
        XCTAssertNotNil(before.boundary)
        let csv = try file("rename.csv", "code,name,level,parent,population,lon,lat\n410304,瀍河回族区（新）,district,410300,180000,,\n")
        let summary = try UnitImporter().run(path: csv, into: store)
        XCTAssertEqual(summary.line, "imported 1 row: 0 new, 1 updated, 0 unchanged, 0 rejected")
        let after = try XCTUnwrap(try store.unit(code: "410304"))
        XCTAssertEqual(after.name, "瀍河回族区（新）")
        XCTAssertEqual(after.population, 180000)
        XCTAssertEqual(after.boundary, before.boundary, "the boundary the file does not carry is kept")
        XCTAssertEqual(after.location, before.location, "the point the file leaves empty is kept")
        XCTAssertEqual(after.attributes["gb"], before.attributes["gb"])
        XCTAssertEqual(try UnitImporter().run(path: csv, into: store).line, "imported 1 row: 0 new, 0 updated, 1 unchanged, 0 rejected")
    }

    func testAParentCycleIsRejectedWithItsLineAndTheRestGoesIn() throws {
        let store = try luoyangStore()
        // 410304 under its own township (through the file), and a township that is its own parent.
        let csv = try file("cycle.csv", """
            code,name,level,parent,population,lon,lat
            410304001,东关街道,township,410304,30000,112.49,34.68
            410304,瀍河回族区,district,410304001,,,
            410304002,自己,township,410304002,100,112.5,34.69
            410304003,塔湾街道,township,410304,20000,112.5,34.7
            """ + "\n")
        let summary = try UnitImporter().run(path: csv, into: store)
        XCTAssertEqual(summary.rejections.map(\.description), [
            "\(csv):2: parent: 410304 would make 410304001 its own ancestor (410304001 → 410304 → 410304001) — give it the unit above it as its parent",
            "\(csv):3: parent: 410304001 would make 410304 its own ancestor (410304 → 410304001 → 410304) — give it the unit above it as its parent",
            "\(csv):4: parent: 410304002 would make 410304002 its own ancestor (410304002 → 410304002) — give it the unit above it as its parent",
        ])
        XCTAssertEqual(try store.unit(code: "410304")?.parent, "410300", "the stored parent stays")
        XCTAssertEqual(try store.unit(code: "410304003")?.parent, "410304")
        XCTAssertNil(try store.unit(code: "410304002"))
    }

    func testTownshipsCSVWithParentsImportsUnderTheDistricts() throws {
        let store = try luoyangStore()
        let summary = try UnitImporter().run(path: geoData("luoyang/townships.csv"), into: store)
        XCTAssertEqual(summary.line, "imported 194 rows: 194 new, 0 updated, 0 unchanged, 0 rejected")
        XCTAssertEqual(try store.units(level: .township, within: "410302").count, 9)
        // Three townships belong to 高新区 (410371), which has no polygon and is not loaded: not under the city.
        XCTAssertEqual(try store.units(within: "410300").count, 15 + 191)
    }

    func testInvalidPolygonsAreReportedPerFeatureAndSelfIntersectionIsRepairedWithAWarning() throws {
        let store = try emptyStore("s.sqlite")
        let file = fixture("polygons.geojson")
        let summary = try UnitImporter().run(path: file, into: store)
        XCTAssertEqual(summary.line, "imported 6 rows: 3 new, 0 updated, 0 unchanged, 3 rejected")
        XCTAssertEqual(summary.rejections.map(\.line), [4, 8, 10], "the line where each feature starts")
        XCTAssertTrue(summary.rejections[0].message.contains("not closed"), summary.rejections[0].description)
        XCTAssertTrue(summary.rejections[1].message.contains("4"), summary.rejections[1].description)
        XCTAssertTrue(summary.rejections[2].message.contains("outside lon -180…180"), summary.rejections[2].description)
        XCTAssertEqual(summary.warnings.count, 1)
        XCTAssertTrue(summary.warnings[0].contains("Self-intersection") && summary.warnings[0].contains("MakeValid"),
                      summary.warnings[0])
        XCTAssertEqual(try store.units().map(\.code), ["900001", "900003", "900006"])
        let repaired = try XCTUnwrap(try store.units().first { $0.code == "900003" }?.boundary)
        XCTAssertEqual(repaired.polygons.count, 2)
        XCTAssertTrue(try PolygonRepair().validity(of: (repaired)).isValid)
        let village = try XCTUnwrap(try store.units(level: .village).first)
        XCTAssertEqual(village.population, 1200)
        XCTAssertEqual(village.location, LonLat(112.05, 34.05))
        XCTAssertEqual(village.attributes, ["generated": "true"])
    }

    func testLevelOptionFillsMissingLevelsAndCountyIsADistrict() throws {
        let store = try emptyStore("s.sqlite")
        let file = try file("units.csv", "区划代码,名称,上级代码,人口,经度,纬度\n410302001001,金业路社区,410302001,3500,112.43,34.71\n")
        XCTAssertThrowsError(try UnitImporter().run(path: file, into: store)) { error in
            XCTAssertEqual(error as? ImportError, .missingColumns(file: file, line: 1, names: ["level (级别)"]))
        }
        let summary = try UnitImporter(level: .community).run(path: file, into: store)
        XCTAssertEqual(summary.new, 1)
        let unit = try XCTUnwrap(try store.units().first)
        XCTAssertEqual(unit.level, .community)
        XCTAssertEqual(unit.population, 3500)
        XCTAssertEqual(unit.parent, "410302001")
        XCTAssertEqual(UnitLevel(argument: "county"), .district)
    }

    func testGCJ02BoundariesConvertToWGS84() throws {
        let store = try luoyangStore()
        let gcjStore = try emptyStore("gcj.sqlite")
        let summary = try UnitImporter(coordinateSystem: .gcj02).run(path: fixture("districts_amap_gcj02.geojson"), into: gcjStore)
        XCTAssertEqual(summary.new, 15)
        // Each converted district's inner point lies in the same district of the Tianditu (CGCS2000) set.
        let reference = Dictionary(uniqueKeysWithValues: try store.units(level: .district).map { ($0.code, $0) })
        for unit in try gcjStore.units(level: .district) {
            let point = try XCTUnwrap(unit.location)
            XCTAssertTrue(try XCTUnwrap(reference[unit.code]?.boundary).contains(point), unit.name)
        }
    }

    func testARepeatedCodeIsRejectedWhetherItWasStoredBeforeOrNot() throws {
        let store = try luoyangStore()
        // 410302 is stored (a district); N-1 is new. Each is repeated further down.
        var lines = ["code,name,level,parent,population,lon,lat"]
        lines.append("410302,老城区（改）,district,410300,,,")
        lines.append("N-1,新社区,community,410302,100,112.45,34.68")
        // Enough rows for the bulk path and several batches between the threads.
        for n in 0..<8_000 { lines.append("C-\(n),社区\(n),community,410302,\(n),112.4\(n % 10),34.6\(n % 7)") }
        lines.append("410302,老城区（再改）,district,410300,,,")
        lines.append("N-1,又一个,community,410302,1,112.45,34.68")
        let file = try file("repeats.csv", lines.joined(separator: "\n") + "\n")
        let rejects = path("rejects.csv")
        let summary = try UnitImporter(rejectsPath: rejects).run(path: file, into: store)
        XCTAssertEqual(summary.line, "imported 8004 rows: 8001 new, 1 updated, 0 unchanged, 2 rejected")
        XCTAssertEqual(summary.rejections.map(\.description), [
            "\(file):8004: code: 410302 is also on line 2, which is kept — give each unit its own code",
            "\(file):8005: code: N-1 is also on line 3, which is kept — give each unit its own code",
        ])
        XCTAssertEqual(summary.rejections.map(\.fields), [
            ["410302", "老城区（再改）", "district", "410300", "", "", ""],
            ["N-1", "又一个", "community", "410302", "1", "112.45", "34.68"],
        ])
        XCTAssertEqual(try store.units(level: .district).first { $0.code == "410302" }?.name, "老城区（改）")
        XCTAssertEqual(try store.units(level: .community).first { $0.code == "N-1" }?.name, "新社区")
        XCTAssertEqual(try store.units(within: "410302").count, 1 + 8_001)
        if let sqlite = store as? SQLiteStore {
            try sqlite.write { writer in XCTAssertEqual(try writer.checkIndexes(of: .units), "ok") }
        }
    }

    func testCodesAreComparedByAllTheirBytesWhateverTheirLengthOrScript() throws {
        let store = try emptyStore("s.sqlite")
        // Long codes that share their first 16 bytes, non-ASCII codes, and a code that is a prefix of another.
        let codes = ["4103020010010001B", "4103020010010001A", "洛阳-2", "4103020010010001", "洛阳-1",
                     "4103020010010001A", "41030200100100011", "洛阳-1", "A", "4103020010010001"]
        let rows = codes.enumerated().map { "\($1),单位\($0),village,,,112.4,34.6" }
        let file = try file("codes.csv", (["code,name,level,parent,population,lon,lat"] + rows).joined(separator: "\n") + "\n")
        let summary = try UnitImporter().run(path: file, into: store)
        XCTAssertEqual(summary.line, "imported 10 rows: 7 new, 0 updated, 0 unchanged, 3 rejected")
        XCTAssertEqual(summary.rejections.map(\.description), [
            "\(file):7: code: 4103020010010001A is also on line 3, which is kept — give each unit its own code",
            "\(file):9: code: 洛阳-1 is also on line 6, which is kept — give each unit its own code",
            "\(file):11: code: 4103020010010001 is also on line 5, which is kept — give each unit its own code",
        ])
        let stored = try store.units()
        XCTAssertEqual(Set(stored.map(\.code)), Set(codes))
        XCTAssertEqual(stored.first { $0.code == "4103020010010001A" }?.name, "单位1")
        XCTAssertEqual(stored.first { $0.code == "洛阳-1" }?.name, "单位4")
    }

    func testALargeFileReadInTwoHalvesStoresAndRejectsWhatOneReaderWould() throws {
        // 2 × 9,000 rows of equal length around one unit whose quoted name spans 3,000 lines, so that the middle of
        // the file falls inside it: the second half's guess is wrong and the first reads on. Then the same file
        // without it, split at a record. A code repeats across the halves; a row in the second half is bad.
        func rows(_ range: Range<Int>) -> [String] {
            range.map { n in "U\(String(format: "%06d", n)),社区\(String(format: "%06d", n)),community,410302,\(n % 1000 + 1000),112.4\(n % 10),34.6\(n % 7)" }
        }
        let header = "code,name,level,parent,population,lon,lat"
        let long = "LONG,\"" + String(repeating: "第一行\n", count: 3_000) + "\",village,410302,5,112.45,34.65"
        var after = rows(9_000..<18_000)
        after[4_000] = "U000123,重复,community,410302,1,112.4,34.6"
        after[5_000] = "BAD,坏,community,410302,-4,112.4,34.6"
        for (name, lines) in [("fooled.csv", [header] + rows(0..<9_000) + [long] + after),
                              ("split.csv", [header] + rows(0..<9_000) + after)] {
            let store = try emptyStore("\(name).sqlite")
            let file = try file(name, lines.joined(separator: "\n") + "\n")
            let summary = try UnitImporter().run(path: file, into: store)
            let extra = name == "fooled.csv" ? 1 : 0
            XCTAssertEqual(summary.rows, 18_000 + extra, name)
            XCTAssertEqual(summary.new, 17_998 + extra, name)
            // Line numbers in the second half count the 3,000 lines of the long name.
            let shift = name == "fooled.csv" ? 3_001 : 0
            XCTAssertEqual(summary.rejections.map(\.description), [
                "\(file):\(9_002 + 4_000 + shift): code: U000123 is also on line 125, which is kept — give each unit its own code",
                "\(file):\(9_002 + 5_000 + shift): population: -4 is negative — a count is 0 or more",
            ], name)
            let units = try store.units()
            XCTAssertEqual(units.count, 17_998 + extra, name)
            XCTAssertEqual(units.first { $0.code == "U017999" }?.name, "社区017999", name)
            // (The name's last line break is trimmed, as surrounding blanks are.)
            if extra == 1 { XCTAssertEqual(units.first { $0.code == "LONG" }?.name.count(where: { $0 == "\n" }), 2_999) }
        }
    }
}
