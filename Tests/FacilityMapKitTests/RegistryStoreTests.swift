import FacilityGeometry
import FacilityMapKit
import FacilityQuality
import FacilityStore
import Foundation
import PostgresSupport
import XCTest

/// The store's test cases, run on both implementations of `RegistryStore`: `SQLiteRegistryStoreTests` and
/// `PostGISRegistryStoreTests` call the same cases. Each case writes through the importers and reads back through
/// the protocol; on PostGIS, every read is also compared with a SQLite store built from the same files.
class RegistryStoreCases: ImportTestCase {
    /// A new, empty store of the implementation under test.
    func makeStore() throws -> any RegistryStore { fatalError("a subclass gives the store") }
    /// A second connection to `store`'s registry.
    func openAgain(_ store: any RegistryStore) throws -> any RegistryStore { fatalError("a subclass gives the store") }

    /// The Luoyang sample (boundaries, units, health facilities in GCJ-02) imported into `store`.
    func importSample(into store: any RegistryStore) throws {
        XCTAssertEqual(try UnitImporter().run(path: geoData("luoyang/districts.geojson"), into: store).new, 15)
        XCTAssertEqual(try UnitImporter().run(path: geoData("luoyang/units.csv"), into: store).new, 3156)
        let health = try FacilityImporter(coordinateSystem: .gcj02).run(path: geoData("luoyang/facilities-health.csv"), into: store)
        XCTAssertEqual([health.rows, health.new, health.rejections.count], [3084, 3084, 0])
    }

    /// A selection (kind, unit, box, days open, a keyset page either way) takes what the same filters over every
    /// facility take, in id order (bytes), and its count is their number.
    func selectionsTakeWhatTheirFiltersSay() throws {
        let store = try makeStore()
        defer { store.close() }
        try importSample(into: store)
        // Some opened and closed days to select by (the sample has none).
        var all: [Facility] = []
        try store.forEachFacility(kind: nil, within: nil) { all.append($0) }
        for (i, facility) in all.enumerated() where i % 5 == 0 {
            var changed = facility
            changed.opened = Day(year: 2010 + i % 15, month: 6, day: 1)
            if i % 10 == 0 { changed.closed = Day(year: 2021, month: 1, day: 1) }
            all[i] = changed
        }
        let file = path("days.csv")
        var csv = "id,name,kind,lon,lat,unit,opened,closed\n"
        for f in all.enumerated().filter({ $0.offset % 5 == 0 }).map(\.element) {
            csv += "\(f.id),\(f.name),\(f.kind.rawValue),\(f.location.lon),\(f.location.lat),\(f.unit ?? ""),\(f.opened?.description ?? ""),\(f.closed?.description ?? "")\n"
        }
        try csv.write(toFile: file, atomically: true, encoding: .utf8)
        XCTAssertEqual(try FacilityImporter().run(path: file, into: store).rejections.count, 0)
        all = []
        try store.forEachFacility(kind: nil, within: nil) { all.append($0) }
        let inLaocheng = Set(try store.facilities(within: "410302", limit: 100_000).map(\.id))
        let box = BoundingBox(minLon: 112.40, minLat: 34.60, maxLon: 112.50, maxLat: 34.70)
        let from = Day(year: 2020, month: 1, day: 1)!, to = Day(year: 2022, month: 12, day: 31)!
        let cases: [(FacilitySelection, (Facility) -> Bool)] = [
            (FacilitySelection(), { _ in true }),
            (FacilitySelection(kind: .villageClinic), { $0.kind == .villageClinic }),
            (FacilitySelection(within: "410302"), { inLaocheng.contains($0.id) }),
            (FacilitySelection(box: box), { box.contains($0.location) }),
            (FacilitySelection(openFrom: from, openTo: to), { ($0.opened.map { $0 <= to } ?? true) && ($0.closed.map { $0 > from } ?? true) }),
            (FacilitySelection(level: "二级甲等"), { $0.level == "二级甲等" }),
            (FacilitySelection(kind: .hospital, box: box, openTo: to), { $0.kind == .hospital && box.contains($0.location) && ($0.opened.map { $0 <= to } ?? true) }),
        ]
        for (i, (selection, keep)) in cases.enumerated() {
            let expected = all.filter(keep).map(\.id).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
            XCTAssertGreaterThan(expected.count, 0, "case \(i) selects something")
            var got: [String] = []
            try store.forEachFacility(selection) { got.append($0.id) }
            XCTAssertEqual(got, expected, "case \(i)")
            XCTAssertEqual(try store.facilityCount(selection), expected.count, "case \(i)")
            // Paged forward by 7 and back from the end: the same ids, in order, each once.
            var forward: [String] = [], after: String?
            repeat {
                var page = selection
                page.after = after
                page.limit = 7
                var ids: [String] = []
                try store.forEachFacility(page) { ids.append($0.id) }
                forward += ids
                after = ids.count == 7 ? ids.last : nil
            } while after != nil
            XCTAssertEqual(forward, expected, "case \(i) forward")
            var backward: [String] = [], before: String? = expected.last
            if let last = expected.last { backward = [last] }
            while let edge = before {
                var page = selection
                page.before = edge
                page.limit = 7
                var ids: [String] = []
                try store.forEachFacility(page) { ids.append($0.id) }
                backward = ids + backward
                before = ids.count == 7 ? ids.first : nil
            }
            XCTAssertEqual(backward, expected, "case \(i) backward")
        }
    }

    /// `facilities(ids:)` finds the stored ones among ids of every shape (quotes, commas, braces, backslashes,
    /// Chinese), leaves the others out, and agrees with `facility(id:)`.
    func facilitiesByIDsFindTheStoredOnes() throws {
        let store = try makeStore()
        defer { store.close() }
        let ids = ["H1", "a,b", "{c}", "d\"e", "f\\g", "医院 甲", "NULL", ""]
        let stored = ids.dropLast().enumerated().map { i, id in
            Facility(id: id, name: "设施\(i)", kind: .hospital, location: LonLat(112.4 + Double(i) / 100, 34.7), beds: i)
        }
        _ = try store.update { try $0.upsert(Array(stored)) }
        let asked = ids + ["missing", "a", "H1"]
        let found = try store.facilities(ids: asked)
        XCTAssertEqual(Set(found.keys), Set(ids.dropLast()))
        for id in ids.dropLast() { XCTAssertEqual(found[id], try store.facility(id: id), id) }
        XCTAssertEqual(try store.facilities(ids: []), [:])
    }

    /// A unit as one line: every field, attributes in key order, the boundary by its WKB's hash.
    func line(_ u: AdministrativeUnit) -> String {
        "\(u.code) \(u.name) \(u.level) \(u.parent ?? "-") \(u.population ?? -1) \(u.location.map { "\($0.lon),\($0.lat)" } ?? "-") "
            + "\(u.boundary.map { Geometry.multiPolygon($0).wkb.hashValue } ?? 0) \(u.attributes.sorted { $0.key < $1.key })"
    }

    /// A facility as one line: every field, attributes in key order.
    func line(_ f: Facility) -> String {
        "\(f.id) \(f.name) \(f.kind) \(f.location.lon),\(f.location.lat) \(f.unit ?? "-") \([f.beds, f.doctors, f.gps, f.places]) "
            + "\(String(describing: f.inclusive)) \(f.level ?? "-") \(f.opened?.description ?? "-") \(f.closed?.description ?? "-") "
            + "\(f.attributes.sorted { $0.key < $1.key })"
    }

    /// What every read of the protocol gives, as lines (import times left out): two stores with the same rows give
    /// the same lines.
    func reads(_ store: any RegistryStore) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        out["units"] = try store.units().map(line)
        out["townships in 410303"] = try store.units(level: .township, within: "410303").map(line)
        out["unit page"] = try store.units(level: nil, within: "410305", after: "410305001", limit: 7).map(line)
        out["unit"] = [try store.unit(code: "410302001").map(line) ?? "none"]
        out["links"] = try store.unitLinks().map { "\($0.code) \($0.level) \($0.parent ?? "-")" }
        out["levels"] = try store.unitCountsByLevel().map { "\($0.key) \($0.value)" }.sorted()
        let codes = try store.unitCodeTable()
        out["code table"] = (0..<codes.count).map { codes[$0] }
        out["count"] = ["\(try store.facilityCount()) \(try store.facilityCount(kind: .hospital))"]
        out["by kind"] = try store.facilityCountsByKind().map { "\($0.kind) \($0.count)" }
        out["by unit"] = try store.facilityCountsByUnit().map { "\($0.unit ?? "-") \($0.count)" }
        var within: [String] = []
        try store.forEachFacility(kind: .hospital, within: "410303") { within.append(line($0)) }
        out["hospitals in 410303"] = within
        out["page"] = try store.facilities(kind: nil, within: "410302", after: "LY-HLT-000010", limit: 25).map(line)
        out["facility"] = [try store.facility(id: "LY-HLT-000001").map(line) ?? "none"]
        var locations: [String] = []
        try store.forEachFacilityLocation(registeredTo: "410302001") { locations.append("\($0.lon),\($0.lat)") }
        out["locations"] = locations
        let (units, columns) = try store.unitsAndFacilityColumns(attributes: true)
        out["column units"] = units.map(line)
        out["columns"] = (0..<columns.count).map { i in
            "\(columns.kind[i]) \(columns.location[i].lon),\(columns.location[i].lat) \(columns.unit[i]) \(columns.column(.beds)[i]) "
                + "\(columns.column(.doctors)[i]) \(columns.column(.gps)[i]) \(columns.column(.places)[i]) \(columns.inclusive[i]) \(columns.opened[i]) "
                + "\(columns.closed[i]) \(columns.attributes(of: i).sorted { $0.key < $1.key })"
        }
        out["at positions"] = try store.facilities(atColumnPositions: [0, 17, 3000]).sorted { $0.key < $1.key }.map { "\($0.key) \(line($0.value))" }
        let (records, imports) = try store.facilityRecords(unitCodes: units.map(\.code))
        out["records"] = (0..<records.count).map { i in
            "\(records.id[i]) \(records.name(i)) \(records.kind[i]) \(records.location[i].lon),\(records.location[i].lat) "
                + "\(records.unit[i]) \(records.unknownUnits[i] ?? "-") \(String(describing: records.beds[i])) "
                + "\(String(describing: records.places[i])) \(records.opened[i]) \(records.closed[i]) \(records.source[i])"
        }
        out["imports"] = imports.sorted { $0.key < $1.key }.map { "\($0.key) \(URL(fileURLWithPath: $0.value).lastPathComponent)" }
        out["log"] = try store.importLog().map { "\($0.number ?? 0) \($0.layer) \($0.sha256) \([$0.rows, $0.new, $0.updated, $0.unchanged, $0.rejected])" }
        out["history"] = try store.history(facilityID: "LY-HLT-000002")?.map { "\($0.action) \($0.old ?? "") \($0.new ?? "")" } ?? []
        var boxed: [String] = []
        try store.forEachFacility(in: BoundingBox(minLon: 112.40, minLat: 34.64, maxLon: 112.48, maxLat: 34.72)) { boxed.append(line($0)) }
        out["box"] = boxed
        out["changed by import 3"] = try store.facilityIDs(changedByImport: 3)
        return out
    }

    /// Asserts two lists of lines are equal, showing only the first difference.
    func assertSameLines(_ a: [String]?, _ b: [String]?, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        let a = a ?? [], b = b ?? []
        if let i = a.indices.first(where: { $0 < b.count && a[$0] != b[$0] }) {
            XCTFail("\(what): line \(i): \(a[i].prefix(300)) against \(b[i].prefix(300))", file: file, line: line)
        } else if a.count != b.count {
            XCTFail("\(what): \(a.count) lines against \(b.count)", file: file, line: line)
        }
    }

    /// The sample goes in through the importers and every read gives it back: counts, the tree, Chinese names
    /// byte for byte, points as stored, the import log.
    func importsTheSampleAndReadsItBack() throws {
        let store = try makeStore()
        defer { store.close() }
        try importSample(into: store)
        XCTAssertEqual(try store.unitCountsByLevel(), [.city: 1, .district: 15, .township: 194, .community: 380, .village: 2581])
        XCTAssertEqual(try store.units(level: .district).count, 15)
        XCTAssertEqual(try store.unit(code: "410302001")?.name, "西关街道")
        XCTAssertTrue(try store.containsUnit(code: "410303"))
        XCTAssertFalse(try store.containsUnit(code: "999999"))
        XCTAssertEqual(try store.unitCodeTable().count, 3171)
        let first = try XCTUnwrap(try store.facility(id: "LY-HLT-000001"))
        XCTAssertEqual(first.name, "洛阳康宁骨科医院")
        XCTAssertEqual(first.kind, .hospital)
        XCTAssertEqual(first.beds, 70)
        XCTAssertEqual(first.closed?.description, "2022-01-23")
        XCTAssertEqual(first.attributes["地址"], "洛阳市老城区西关街道")
        // Stored as converted from GCJ-02 (within 1 m of the WGS-84 point; the shift itself is ~500 m).
        let converted = CoordinateSystem.gcj02.toWGS84(LonLat(112.405322, 34.731137))
        XCTAssertEqual(first.location.lon, converted.lon, accuracy: 1e-12)
        XCTAssertEqual(try store.facilityCount(), 3084)
        var ids: [String] = []
        try store.forEachFacility(kind: nil, within: "410303") { ids.append($0.id) }
        XCTAssertFalse(ids.isEmpty)
        XCTAssertEqual(ids, ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        let page = try store.facilities(kind: nil, within: nil, after: ids[0], limit: 3)
        XCTAssertEqual(page.count, 3)
        XCTAssertTrue(page.allSatisfy { $0.id.utf8.lexicographicallyPrecedes(ids[0].utf8) == false && $0.id != ids[0] })
        XCTAssertEqual(try store.importLog().map(\.layer), ["units", "units", "facilities"])
        XCTAssertEqual(try store.lastImportNumber(), 3)
        XCTAssertEqual(try store.lastImport(sha256: try store.importLog()[2].sha256, layer: "facilities")?.number, 3)
        let (units, columns) = try store.unitsAndFacilityColumns(attributes: false)
        XCTAssertEqual([units.count, columns.count], [3171, 3084])

        let reference = try SQLiteStore(path: path("reference.sqlite"))
        defer { reference.close() }
        try importSample(into: reference)
        let mine = try reads(store), theirs = try reads(reference)
        for key in theirs.keys.sorted() {
            XCTAssertFalse(theirs[key]!.isEmpty, key)
            assertSameLines(mine[key], theirs[key], key)
        }
    }

    /// A second import updates, keeps, adds and records each change; a closing date is a `closed` change; the
    /// facility's history gives its creation first, every field as first stored.
    func reimportRecordsChangesInHistory() throws {
        let store = try makeStore()
        defer { store.close() }
        let header = "id,name,kind,lon,lat,unit,beds,closed,电话\n"
        let first = try file("first.csv", header + """
            H1,洛阳市中心医院,hospital,112.43371,34.71248,410302,100,,0379-63892222
            H2,洛阳市第三人民医院,hospital,112.45,34.68,410302,50,,
            H3,老城区卫生院,township_health_center,112.47,34.69,,10,,

            """)
        let second = try file("second.csv", header + """
            H1,洛阳市中心医院,hospital,112.43371,34.71248,410302,120,,0379-63892222
            H2,洛阳市第三人民医院,hospital,112.45,34.68,410302,50,2026-06-30,
            H3,老城区卫生院,township_health_center,112.47,34.69,,10,,
            H4,"西工区社区卫生服务中心, 新",community_health_center,112.44,34.67,410303,,,

            """)
        XCTAssertEqual(try FacilityImporter().run(path: first, into: store).new, 3)
        let summary = try FacilityImporter().run(path: second, into: store)
        XCTAssertEqual([summary.rows, summary.new, summary.updated, summary.unchanged], [4, 1, 2, 1])
        let h1 = try XCTUnwrap(try store.history(facilityID: "H1"))
        XCTAssertEqual(h1.map(\.action), [.created, .updated])
        XCTAssertEqual(h1[1].old, #"{"beds":100}"#)
        XCTAssertEqual(h1[1].new, #"{"beds":120}"#)
        XCTAssertEqual(h1[0].new, #"{"id":"H1","name":"洛阳市中心医院","kind":"hospital","lon":112.43371,"lat":34.71248,"unit":"410302","beds":100,"doctors":null,"gps":null,"places":null,"inclusive":null,"level":null,"opened":null,"closed":null,"attributes":{"电话":"0379-63892222"}}"#)
        XCTAssertEqual(h1[0].importRecord.number, 1)
        XCTAssertEqual(h1[1].importRecord.number, 2)
        XCTAssertEqual(try store.history(facilityID: "H2")?.map(\.action), [.created, .closed])
        XCTAssertEqual(try store.history(facilityID: "H3")?.map(\.action), [.created])
        XCTAssertEqual(try store.history(facilityID: "H4")?.first?.importRecord.number, 2)
        XCTAssertEqual(try store.facility(id: "H4")?.name, "西工区社区卫生服务中心, 新")
        XCTAssertNil(try store.history(facilityID: "H9"))
        XCTAssertEqual(try store.importLog().map { [$0.new, $0.updated, $0.unchanged] }, [[3, 0, 0], [1, 2, 1]])
        // The same file again: nothing changes, and the log says it was seen before.
        let again = try FacilityImporter().run(path: second, into: store)
        XCTAssertEqual([again.new, again.updated, again.unchanged], [0, 0, 4])
        XCTAssertEqual(again.previousImport?.number, 2)
    }

    /// The check after an import examines what it changed: the ids it created or updated, each with the stored
    /// facilities in a box around it. Its findings are the whole registry's findings that name a changed facility,
    /// whether read by neighbourhoods or (many changed) the registry once; a facility on a box's edge is in the box.
    func theCheckAfterAnImportExaminesWhatItChanged() throws {
        let store = try makeStore()
        defer { store.close() }
        try importSample(into: store)
        let twin = try XCTUnwrap(try store.facility(id: "LY-HLT-000001"))
        var hospitals: [Facility] = []
        try store.forEachFacility(kind: .hospital) { if $0.id != twin.id && ($0.beds ?? 0) > 0 && hospitals.isEmpty { hospitals.append($0) } }
        let emptied = try XCTUnwrap(hospitals.first)
        // A new row 20 m north of a stored hospital of the same name (a duplicate of a stored row), a stored hospital
        // whose beds become 0 (a capacity warning), a new clinic far from everything (no finding).
        let north = twin.location.lat + 20 / 111_195.0
        let far = LonLat(112.5, 34.6)
        let csv = try file("changes.csv", """
            id,name,kind,lon,lat,beds
            NEW-1,\(twin.name),hospital,\(twin.location.lon),\(north),40
            \(emptied.id),\(emptied.name),hospital,\(emptied.location.lon),\(emptied.location.lat),0
            NEW-2,远处的卫生室,village_clinic,\(far.lon),\(far.lat),1

            """)
        let summary = try FacilityImporter().run(path: csv, into: store)
        XCTAssertEqual([summary.new, summary.updated], [2, 1])
        let number = try XCTUnwrap(summary.number)
        XCTAssertEqual(number, 4)
        XCTAssertEqual(try store.facilityIDs(changedByImport: number), [emptied.id, "NEW-1", "NEW-2"].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        XCTAssertEqual(try store.facilityIDs(changedByImport: 99), [])

        let changed: Set<String> = [emptied.id, "NEW-1", "NEW-2"]
        let whole = try RegistryCheck.run(store: store).filter { changed.contains($0.id) || changed.contains($0.other ?? "") }
        let byNeighbourhood = try RegistryCheck.run(store: store, afterImport: number, changed: 3)
        let byRegistry = try RegistryCheck.run(store: store, afterImport: number, changed: 3, neighbourhoodLimit: 0)
        let lines = { (findings: [Finding]) in findings.map { "\($0.rule.rawValue) \($0.id) \($0.other ?? "-") \($0.problem)" } }
        XCTAssertEqual(lines(byNeighbourhood), lines(whole))
        XCTAssertEqual(lines(byRegistry), lines(whole))
        XCTAssertEqual(byNeighbourhood.map { "\($0.rule.rawValue) \($0.id)" }.sorted(),
                       ["capacity \(emptied.id)", "duplicate \(min(twin.id, "NEW-1"))"].sorted())
        XCTAssertEqual(RegistryCheck.summary(byNeighbourhood, ofImport: true),
                       "check of what this import changed: 0 errors, 2 warnings (duplicate 1, capacity 1) — `facilitymap check` lists them")

        // The box's edges are in it.
        func inBox(_ minLon: Double, _ minLat: Double, _ maxLon: Double, _ maxLat: Double) throws -> [String] {
            var ids: [String] = []
            try store.forEachFacility(in: BoundingBox(minLon: minLon, minLat: minLat, maxLon: maxLon, maxLat: maxLat)) { ids.append($0.id) }
            return ids
        }
        XCTAssertEqual(try inBox(far.lon, far.lat, far.lon + 1e-6, far.lat + 1e-6), ["NEW-2"])
        XCTAssertEqual(try inBox(far.lon - 1e-6, far.lat - 1e-6, far.lon, far.lat), ["NEW-2"])
        XCTAssertEqual(try inBox(far.lon + 1e-9, far.lat, far.lon + 1e-6, far.lat + 1e-6), [])
    }

    /// An engine updated with what later imports changed (`facilityColumns(changedByImportsAfter:)`) is the engine a
    /// full read gives: the same columns (row numbers included) and the same report, byte for byte — updated rows in
    /// place, new ones appended, a closing, a row registered to no unit (placed by its point), attributes.
    func anEngineUpdatedWithTheChangedRowsIsTheEngineAFullReadGives() throws {
        let store = try makeStore()
        defer { store.close() }
        try importSample(into: store)
        let before = try CoverageEngine(store: store)
        let first = try XCTUnwrap(try store.facility(id: "LY-HLT-000001"))
        let second = try XCTUnwrap(try store.facility(id: "LY-HLT-000002"))
        let csv = try file("changes.csv", """
            id,name,kind,lon,lat,unit,beds,closed,备注
            \(first.id),\(first.name),hospital,\(first.location.lon),\(first.location.lat),\(first.unit ?? ""),\((first.beds ?? 0) + 500),,扩建
            \(second.id),\(second.name),hospital,\(second.location.lon),\(second.location.lat),\(second.unit ?? ""),\(second.beds ?? 0),2024-06-30,
            NEW-1,新建社区养老服务站,neighborhood_elderly_station,112.45,34.62,,,,
            NEW-2,新建卫生院,township_health_center,112.43,34.70,410302001,30,,新

            """)
        let summary = try FacilityImporter().run(path: csv, into: store)
        XCTAssertEqual([summary.new, summary.updated], [2, 2])
        // A second import after it: both are read back.
        let more = try file("more.csv", "id,name,kind,lon,lat,beds\nNEW-3,又一家医院,hospital,112.40,34.66,80\n")
        XCTAssertEqual(try FacilityImporter().run(path: more, into: store).new, 1)

        let changed = try store.facilityColumns(changedByImportsAfter: 3, unitCodes: before.units.map(\.code), attributes: true)
        XCTAssertEqual(changed.count, 5)
        XCTAssertEqual(changed.rowNumber, changed.rowNumber.sorted())
        let updated = try XCTUnwrap(before.updated(with: changed))
        let full = try CoverageEngine(store: store)
        XCTAssertEqual(updated.facilities, full.facilities)
        XCTAssertEqual(updated.facilities.count, before.facilities.count + 3)
        for query in [CoverageQuery(year: 2025), CoverageQuery(asOf: Day(parsing: "2024-12-31")!, by: .township)] {
            XCTAssertEqual(CoverageFormatter.json(updated.report(plan: .luoyang2022, query: query)),
                           CoverageFormatter.json(full.report(plan: .luoyang2022, query: query)))
        }
        XCTAssertNotEqual(CoverageFormatter.json(before.report(plan: .luoyang2022)), CoverageFormatter.json(full.report(plan: .luoyang2022)))
        // Columns made from values have no row numbers: nothing to match.
        XCTAssertNil(CoverageEngine(units: before.units, facilities: [first]).updated(with: changed))
    }

    /// The reads that serve one command each, given over the engine's stream of stored rows for an engine with no
    /// faster way, give what the engine's own give: coverage's columns, `suggest`'s facilities by position, `check`'s
    /// records with the import that created each.
    func theReadsOverTheStoredRowsGiveWhatTheEngineGives() throws {
        let store = try makeStore()
        defer { store.close() }
        try importSample(into: store)
        let first = try XCTUnwrap(try store.facility(id: "LY-HLT-000001"))
        let csv = try file("changes.csv", """
            id,name,kind,lon,lat,unit,beds,备注
            \(first.id),\(first.name),hospital,\(first.location.lon),\(first.location.lat),\(first.unit ?? ""),\((first.beds ?? 0) + 5),扩建
            NEW-1,新建卫生院,township_health_center,112.43,34.70,410302001,30,新
            NEW-2,新建医院,hospital,112.40,34.66,999999,80,

            """)
        XCTAssertEqual(try FacilityImporter().run(path: csv, into: store).line, "imported 3 rows: 2 new, 1 updated, 0 unchanged, 0 rejected")

        var rows: [(Int64, Int?)] = []
        try store.forEachStoredFacility { rowNumber, createdBy, _ in rows.append((rowNumber, createdBy)) }
        XCTAssertEqual(rows.map(\.0), rows.map(\.0).sorted())
        XCTAssertEqual(Set(rows.compactMap(\.1)).count, 2, "the sample's facilities import and this one")

        let own = try store.unitsAndFacilityColumns(attributes: true)
        let streamed = try store.streamedUnitsAndFacilityColumns(attributes: true)
        XCTAssertEqual(streamed.units, own.units)
        XCTAssertEqual(streamed.facilities, own.facilities)
        XCTAssertEqual(streamed.facilities.count, rows.count)
        XCTAssertEqual(try store.streamedUnitsAndFacilityColumns(attributes: false).facilities,
                       try store.unitsAndFacilityColumns(attributes: false).facilities)

        let last = try store.lastImportNumber()
        for after in [last - 1, last - 2, last] {
            let changed = try store.facilityColumns(changedByImportsAfter: after, unitCodes: own.units.map(\.code), attributes: true)
            XCTAssertEqual(try store.streamedFacilityColumns(changedByImportsAfter: after, unitCodes: own.units.map(\.code),
                                                             attributes: true), changed, "after import \(after)")
            XCTAssertEqual(changed.count, [last - 1: 3, last - 2: rows.count, last: 0][after], "after import \(after)")
        }

        let positions: Set<Int> = [0, 7, rows.count - 2, rows.count - 1, rows.count + 5]
        let byPosition = try store.facilities(atColumnPositions: positions)
        XCTAssertEqual(try store.streamedFacilities(atColumnPositions: positions), byPosition)
        XCTAssertEqual(byPosition[rows.count - 1]?.id, "NEW-2")

        let codes = own.units.map(\.code)
        let records = try store.facilityRecords(unitCodes: codes)
        let streamedRecords = try store.streamedFacilityRecords(unitCodes: codes)
        XCTAssertEqual(streamedRecords.records, records.records)
        XCTAssertEqual(streamedRecords.imports, records.imports)
        XCTAssertEqual(records.records.unknownUnits.values.sorted(), ["999999"])
    }

    /// A unit code matches byte for byte in every read: SQL (`within`), coverage's columns and the check's records, the
    /// engine's own reads and the streamed defaults alike — the store's unique index, `CodeTable` and `CodePositions`
    /// have one rule. A code spelled with a decomposed é is not the unit spelled with a composed one.
    func codesMatchByteForByteInEveryRead() throws {
        let store = try makeStore()
        defer { store.close() }
        let composed = "Zé1", decomposed = "Ze\u{301}1"
        XCTAssertEqual(composed, decomposed, "String == holds them equal")
        XCTAssertNotEqual(Array(composed.utf8), Array(decomposed.utf8))
        try store.update { writer in
            _ = try writer.upsert([AdministrativeUnit(code: "410300", name: "洛阳市", level: .city),
                                   AdministrativeUnit(code: composed, name: "某社区", level: .community, parent: "410300")])
            _ = try writer.upsert([
                Facility(id: "A", name: "甲", kind: .communityElderlyCenter, location: LonLat(112.4, 34.7), unit: composed),
                Facility(id: "B", name: "乙", kind: .communityElderlyCenter, location: LonLat(112.41, 34.7), unit: decomposed),
            ])
        }
        var within: [String] = []
        try store.forEachFacility(kind: nil, within: composed, after: nil, limit: nil) { within.append($0.id) }
        XCTAssertEqual(within, ["A"])

        let own = try store.unitsAndFacilityColumns(attributes: false)
        let position = try XCTUnwrap(own.units.firstIndex { Array($0.code.utf8) == Array(composed.utf8) })
        XCTAssertEqual(own.facilities.unit, [Int32(position), -1])
        XCTAssertEqual(try store.streamedUnitsAndFacilityColumns(attributes: false).facilities, own.facilities)

        let records = try store.facilityRecords(unitCodes: own.units.map(\.code)).records
        XCTAssertEqual(records.unit, [Int32(position), -2])
        XCTAssertEqual(records.unknownUnits.mapValues { Array($0.utf8) }, [1: Array(decomposed.utf8)])
        XCTAssertEqual(try store.streamedFacilityRecords(unitCodes: own.units.map(\.code)).records, records)
    }

    /// A refused file writes nothing: a strict import with a bad row, and a file with no rows.
    func aRefusedImportWritesNothing() throws {
        let store = try makeStore()
        defer { store.close() }
        let good = try file("good.csv", "id,name,kind,lon,lat\nH1,医院,hospital,112.4,34.7\n")
        _ = try FacilityImporter().run(path: good, into: store)
        let bad = try file("bad.csv", "id,name,kind,lon,lat\nH2,医院二,hospital,112.4,34.7\nH3,医院三,hospital,999,34.7\n")
        var strict = FacilityImporter()
        strict.strict = true
        let summary = try strict.run(path: bad, into: store)
        XCTAssertFalse(summary.committed)
        XCTAssertEqual(summary.rejections.map(\.line), [3])
        XCTAssertNil(try store.facility(id: "H2"))
        let empty = try file("empty.csv", "id,name,kind,lon,lat\n")
        XCTAssertThrowsError(try FacilityImporter().run(path: empty, into: store))
        XCTAssertEqual(try store.facilityCount(), 1)
        XCTAssertEqual(try store.importLog().count, 1)
    }

    /// Units: a second file updates one and keeps the rest; polygons come back point for point.
    func unitsAreUpsertedByCode() throws {
        let store = try makeStore()
        defer { store.close() }
        let header = "code,name,level,parent,population,lon,lat\n"
        let first = try file("u1.csv", header + "410300,洛阳市,city,,7000000,112.45,34.62\n410302,老城区,district,410300,200000,112.47,34.68\n")
        let second = try file("u2.csv", header + "410300,洛阳市,city,,7070000,112.45,34.62\n410302,老城区,district,410300,200000,112.47,34.68\n410303,西工区,district,410300,,112.43,34.67\n")
        XCTAssertEqual(try UnitImporter().run(path: first, into: store).new, 2)
        let summary = try UnitImporter().run(path: second, into: store)
        XCTAssertEqual([summary.new, summary.updated, summary.unchanged], [1, 1, 1])
        XCTAssertEqual(try store.unit(code: "410300")?.population, 7_070_000)
        XCTAssertEqual(try store.units(within: "410300").map(\.code), ["410300", "410302", "410303"])
        XCTAssertEqual(try store.units(level: .district).map(\.name), ["老城区", "西工区"])
        XCTAssertEqual(try store.unit(code: "410303")?.location, LonLat(112.43, 34.67))
        XCTAssertNil(try store.unit(code: "410303")?.population)

        let geojson = try String(contentsOfFile: geoData("luoyang/districts.geojson"), encoding: .utf8)
        _ = try UnitImporter().run(path: try file("d.geojson", geojson), into: store)
        let reference = try SQLiteStore(path: path("reference.sqlite"))
        defer { reference.close() }
        _ = try UnitImporter().run(path: try file("d2.geojson", geojson), into: reference)
        XCTAssertEqual(try store.unit(code: "410303")?.boundary, try reference.unit(code: "410303")?.boundary)
        XCTAssertNotNil(try store.unit(code: "410303")?.boundary)
    }

    /// Tokens: added, refused twice under one name, found by their secret's hash, removed.
    func tokensAreKeptByName() throws {
        let store = try makeStore()
        defer { store.close() }
        let token = WriteToken(name: "西工区卫健委", kinds: [.hospital, .communityHealthCenter], unit: "410303", createdAt: "2026-12-03T00:00:00Z")
        try store.update { try $0.addToken(token, sha256: "ab12") }
        XCTAssertThrowsError(try store.update { try $0.addToken(token, sha256: "cd34") }) { error in
            XCTAssertEqual(error as? StoreError, .tokenExists(name: "西工区卫健委"))
        }
        try store.update { try $0.addToken(WriteToken(name: "A", kinds: [], unit: nil, createdAt: "x"), sha256: "ef56") }
        XCTAssertEqual(try store.tokens().map(\.name), ["A", "西工区卫健委"])
        XCTAssertEqual(try store.token(sha256: "ab12"), token)
        XCTAssertNil(try store.token(sha256: "cd34"))
        XCTAssertTrue(try store.update { try $0.removeToken(named: "A") })
        XCTAssertFalse(try store.update { try $0.removeToken(named: "A") })
        XCTAssertEqual(try store.tokens(), [token])
    }

    /// A reader on another connection is answered while a write is open, from the registry as last committed, and
    /// sees the write once it is committed; a read snapshot stays the same while another connection writes.
    func aReaderIsNotBlockedByAnOpenWrite() throws {
        let store = try makeStore()
        defer { store.close() }
        let reader = try openAgain(store)
        defer { reader.close() }
        let h1 = Facility(id: "H1", name: "医院", kind: .hospital, location: LonLat(112.4, 34.7))
        try store.update { writer in
            XCTAssertEqual(try writer.upsert([h1]), [.inserted])
            try writer.record(ImportRecord(file: "a.csv", sha256: "00", importedAt: "2026-12-03T00:00:00Z", layer: "facilities",
                                           rows: 1, new: 1, updated: 0, unchanged: 0, rejected: 0))
            let started = Date()
            XCTAssertEqual(try reader.facilityCount(), 0)
            XCTAssertNil(try reader.facility(id: "H1"))
            XCTAssertEqual(try reader.lastImportNumber(), 0)
            XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        }
        XCTAssertEqual(try reader.facility(id: "H1"), h1)
        try reader.read {
            XCTAssertEqual(try reader.facilityCount(), 1)
            try store.update { _ = try $0.upsert([Facility(id: "H2", name: "医院二", kind: .hospital, location: LonLat(112.5, 34.7))]) }
            XCTAssertEqual(try reader.facilityCount(), 1)
        }
        XCTAssertEqual(try reader.facilityCount(), 2)
    }

    /// Text comes back exactly, whatever it holds: quotes, backslashes, commas and braces in ids (PostgreSQL's array
    /// syntax), tabs, line breaks and backslashes in names (COPY's), SQL, Chinese and emoji.
    func textRoundTripsExactly() throws {
        let store = try makeStore()
        defer { store.close() }
        let ids = ["a\"b", "c\\d", "e,f", "{g}", "h'i", "NULL", "", " 空格 ", "x); DROP TABLE facilities; --"]
        let names = ["tab\there", "line\nbreak\r\n", "back\\slash\\N", "\\.", "'; DELETE FROM units; --", "洛阳市🏥医院",
                     "\"quoted\"", "{}", "\u{1}control"]
        let facilities = zip(ids, names).enumerated().map { i, pair in
            Facility(id: pair.0, name: pair.1, kind: .hospital, location: LonLat(112.4 + Double(i) / 1000, 34.7),
                     unit: pair.1, level: pair.0, attributes: [pair.1: pair.0, "k\t": "v\\"])
        }
        XCTAssertEqual(try store.update { try $0.upsert(facilities) }, Array(repeating: .inserted, count: facilities.count))
        XCTAssertEqual(try store.update { try $0.upsert(facilities) }, Array(repeating: .unchanged, count: facilities.count))
        for facility in facilities { XCTAssertEqual(try store.facility(id: facility.id), facility, facility.id) }
        var all: [Facility] = []
        try store.forEachFacility { all.append($0) }
        XCTAssertEqual(all, facilities.sorted { $0.id.utf8.lexicographicallyPrecedes($1.id.utf8) })
        let renamed = facilities.map { var f = $0; f.name += "\t改"; return f }
        let outcomes = try store.update { writer -> [UpsertOutcome] in
            let outcomes = try writer.upsert(renamed)
            try writer.record(ImportRecord(file: "r.csv", sha256: "00", importedAt: "2026-12-03T00:00:00Z", layer: "facilities",
                                           rows: 9, new: 0, updated: 9, unchanged: 0, rejected: 0))
            return outcomes
        }
        XCTAssertEqual(outcomes, Array(repeating: .updated, count: facilities.count))
        for facility in renamed { XCTAssertEqual(try store.facility(id: facility.id), facility, facility.id) }
        XCTAssertEqual(try store.history(facilityID: "a\"b")?.last?.new, #"{"name":"tab\there\t改"}"#)
    }

    /// A transaction that throws leaves nothing.
    func aThrowingUpdateLeavesNothing() throws {
        let store = try makeStore()
        defer { store.close() }
        struct Stop: Error {}
        XCTAssertThrowsError(try store.update { writer -> Void in
            _ = try writer.upsert([Facility(id: "H1", name: "医院", kind: .hospital, location: LonLat(112.4, 34.7))])
            throw Stop()
        })
        XCTAssertEqual(try store.facilityCount(), 0)
        XCTAssertEqual(try store.update { try $0.upsert([Facility(id: "H1", name: "医院", kind: .hospital, location: LonLat(112.4, 34.7))]) }, [.inserted])
    }

    /// Roads: stored a batch at a time, read back equal (text with tabs, quotes and backslashes, coordinates to the
    /// last bit) in id order then storage order, counted, deleted (a throwing update deletes nothing); an import
    /// replaces the stored roads by default and adds to them with `append`, each recorded as layer `roads`.
    func roadsAreStoredReadBackReplacedAndAppended() throws {
        let store = try makeStore()
        defer { store.close() }
        XCTAssertEqual(try store.roadCount(), 0)
        XCTAssertEqual(try store.roadsImportNumber(), 0)
        let roads = [
            Road(id: 7, highway: "residential", name: "中州中路 \"引\" \\ tab\there", oneway: .forward,
                 points: [LonLat(112.45, 34.62), LonLat(112.451234567890123, 34.620000000000001)]),
            Road(id: 3, highway: "footway", foot: "no", access: "private",
                 points: [LonLat(-0.1, 51.5), LonLat(-0.2, 51.6), LonLat(-0.3, 51.7)]),
            Road(id: 7, highway: "residential", oneway: .backward, points: [LonLat(112.46, 34.63), LonLat(112.47, 34.64)]),
        ]
        try store.update { writer in
            try writer.store(roads: Array(roads[0..<2]))
            try writer.store(roads: [roads[2]])
        }
        func stored() throws -> [Road] {
            var all: [Road] = []
            try store.forEachRoad { all.append($0) }
            return all
        }
        XCTAssertEqual(try stored(), [roads[1], roads[0], roads[2]])
        XCTAssertEqual(try store.roadCount(), 3)
        struct Stop: Error {}
        XCTAssertThrowsError(try store.update { writer -> Void in
            try writer.deleteRoads()
            throw Stop()
        })
        XCTAssertEqual(try store.roadCount(), 3)
        try store.update { try $0.deleteRoads() }
        XCTAssertEqual(try store.roadCount(), 0)
        XCTAssertEqual(try stored(), [])

        let file = fixture("roads.geojson")
        let first = try RoadImporter().run(path: file, into: store)
        XCTAssertEqual([first.summary.new, first.summary.rejected, first.stored], [4, 1, 4])
        XCTAssertEqual(try store.roadsImportNumber(), try XCTUnwrap(first.summary.number))
        let imported = try stored()
        let again = try RoadImporter().run(path: file, into: store)
        XCTAssertEqual(again.stored, 4)
        XCTAssertEqual(again.summary.previousImport?.number, first.summary.number)
        XCTAssertEqual(try stored(), imported)
        let appended = try RoadImporter(append: true).run(path: file, into: store)
        XCTAssertEqual(appended.stored, 8)
        XCTAssertEqual(try store.roadCount(), 8)
        XCTAssertEqual(try stored().filter { $0.id == 201 }.count, 4)
        XCTAssertEqual(try store.roadsImportNumber(), try XCTUnwrap(appended.summary.number))
        XCTAssertEqual(try store.importLog().map(\.layer), ["roads", "roads", "roads"])
        XCTAssertEqual(try store.importLog().last?.new, 4)
        // A facilities import later is not a roads import.
        _ = try FacilityImporter().run(path: fixture("facilities.csv"), into: store)
        XCTAssertEqual(try store.roadsImportNumber(), try XCTUnwrap(appended.summary.number))
    }
}

final class SQLiteRegistryStoreTests: RegistryStoreCases {
    override func makeStore() throws -> any RegistryStore { try SQLiteStore(path: path("store.sqlite")) }
    override func openAgain(_ store: any RegistryStore) throws -> any RegistryStore { try SQLiteStore(path: store.location) }
    func testAReaderIsNotBlockedByAnOpenWrite() throws { try aReaderIsNotBlockedByAnOpenWrite() }

    func testImportsTheSampleAndReadsItBack() throws { try importsTheSampleAndReadsItBack() }
    func testReimportRecordsChangesInHistory() throws { try reimportRecordsChangesInHistory() }
    func testARefusedImportWritesNothing() throws { try aRefusedImportWritesNothing() }
    func testUnitsAreUpsertedByCode() throws { try unitsAreUpsertedByCode() }
    func testTokensAreKeptByName() throws { try tokensAreKeptByName() }
    func testAThrowingUpdateLeavesNothing() throws { try aThrowingUpdateLeavesNothing() }
    func testTextRoundTripsExactly() throws { try textRoundTripsExactly() }
    func testFacilitiesByIDsFindTheStoredOnes() throws { try facilitiesByIDsFindTheStoredOnes() }
    func testSelectionsTakeWhatTheirFiltersSay() throws { try selectionsTakeWhatTheirFiltersSay() }
    func testTheCheckAfterAnImportExaminesWhatItChanged() throws { try theCheckAfterAnImportExaminesWhatItChanged() }
    func testAnEngineUpdatedWithTheChangedRowsIsTheEngineAFullReadGives() throws { try anEngineUpdatedWithTheChangedRowsIsTheEngineAFullReadGives() }
    func testTheReadsOverTheStoredRowsGiveWhatTheEngineGives() throws { try theReadsOverTheStoredRowsGiveWhatTheEngineGives() }
    func testCodesMatchByteForByteInEveryRead() throws { try codesMatchByteForByteInEveryRead() }
    func testRoadsAreStoredReadBackReplacedAndAppended() throws { try roadsAreStoredReadBackReplacedAndAppended() }
}

/// The same cases on PostgreSQL 15 + PostGIS 3 (a fresh database each; skipped, saying why, without a server).
final class PostGISRegistryStoreTests: RegistryStoreCases {
    var database: TestDatabase?

    override func makeStore() throws -> any RegistryStore {
        let database = try TestDatabase()
        self.database = database
        return try PostGISStore(url: database.url)
    }

    override func openAgain(_ store: any RegistryStore) throws -> any RegistryStore {
        try PostGISStore(url: try XCTUnwrap(database).url)
    }

    func testAReaderIsNotBlockedByAnOpenWrite() throws { try aReaderIsNotBlockedByAnOpenWrite() }

    /// A read through a cursor with the next batch asked for ahead gives every row in order; stopped by an error
    /// mid-way, it leaves the connection ready for the next statement.
    func testAPrefetchingReadGivesEveryRowAndAnErrorLeavesTheConnectionUsable() throws {
        let store = try makeStore() as! PostGISStore
        defer { store.close() }
        var seen: [Int] = []
        try store.connection.forEachRow("SELECT g FROM generate_series(1, 25) g ORDER BY g", batch: 4, prefetching: true) {
            seen.append($0.int(0) ?? -1)
        }
        XCTAssertEqual(seen, Array(1...25))
        struct Stop: Error {}
        XCTAssertThrowsError(try store.connection.forEachRow("SELECT g FROM generate_series(1, 25) g", batch: 4, prefetching: true) {
            if $0.int(0) == 6 { throw Stop() }
        })
        XCTAssertEqual(try store.connection.integer("SELECT 41 + 1"), 42)
        XCTAssertEqual(try store.facilityCount(), 0)
    }

    override func tearDownWithError() throws {
        database?.drop()
        try super.tearDownWithError()
    }

    func testImportsTheSampleAndReadsItBack() throws { try importsTheSampleAndReadsItBack() }
    func testReimportRecordsChangesInHistory() throws { try reimportRecordsChangesInHistory() }
    func testARefusedImportWritesNothing() throws { try aRefusedImportWritesNothing() }
    func testUnitsAreUpsertedByCode() throws { try unitsAreUpsertedByCode() }
    func testTokensAreKeptByName() throws { try tokensAreKeptByName() }
    func testAThrowingUpdateLeavesNothing() throws { try aThrowingUpdateLeavesNothing() }
    func testTextRoundTripsExactly() throws { try textRoundTripsExactly() }
    func testFacilitiesByIDsFindTheStoredOnes() throws { try facilitiesByIDsFindTheStoredOnes() }
    func testSelectionsTakeWhatTheirFiltersSay() throws { try selectionsTakeWhatTheirFiltersSay() }
    func testTheCheckAfterAnImportExaminesWhatItChanged() throws { try theCheckAfterAnImportExaminesWhatItChanged() }
    func testAnEngineUpdatedWithTheChangedRowsIsTheEngineAFullReadGives() throws { try anEngineUpdatedWithTheChangedRowsIsTheEngineAFullReadGives() }
    func testTheReadsOverTheStoredRowsGiveWhatTheEngineGives() throws { try theReadsOverTheStoredRowsGiveWhatTheEngineGives() }
    func testCodesMatchByteForByteInEveryRead() throws { try codesMatchByteForByteInEveryRead() }
    func testRoadsAreStoredReadBackReplacedAndAppended() throws { try roadsAreStoredReadBackReplacedAndAppended() }
}
