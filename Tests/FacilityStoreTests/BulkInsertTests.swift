import FacilityGeometry
import FacilityModel
import FacilityRegistry
@testable import FacilityStore
import XCTest

final class BulkInsertTests: StoreTestCase {
    func testInsertedRowsAreWhatUpsertStoresAndThePointIsMakePointsBlob() throws {
        let store = try SQLiteStore(path: path("a.sqlite"))
        let reference = try SQLiteStore(path: path("b.sqlite"))
        var facilities = [hospital("H-1"), hospital("H-2", name: "洛阳市第三人民医院", beds: nil)]
        facilities.append(Facility(id: "K-1", name: "幼儿园", kind: .kindergarten, location: LonLat(-0.0, 89.999999),
                                   places: 180, inclusive: false, level: "省级示范", opened: Day(parsing: "2019-09-01"),
                                   closed: Day(parsing: "2030", bareYearMeansEnd: true)))
        try store.write { writer in
            let inserter = try writer.facilityInserter()
            for (offset, facility) in facilities.enumerated() {
                XCTAssertEqual(try inserter.insert(facility), .inserted(pk: Int64(offset + 1)))
            }
        }
        try reference.write { writer in for facility in facilities { try writer.upsert(facility) } }
        for facility in facilities {
            XCTAssertEqual(try store.facility(id: facility.id), facility)
        }
        let sql = "SELECT id, hex(location), opened, closed FROM facilities ORDER BY id"
        func rows(_ store: SQLiteStore) throws -> [String] {
            let statement = try store.db.statement(sql)
            var rows: [String] = []
            while try statement.step() { rows.append((0..<4).map { statement.text(Int32($0)) ?? "NULL" }.joined(separator: "|")) }
            return rows
        }
        XCTAssertEqual(try rows(store), try rows(reference))
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM facilities WHERE ST_IsValid(location) AND ST_Srid(location) = 4326")?.int, 3)
    }

    func testARepeatedIdIsReportedWithTheStoredRowAndNotStored() throws {
        let store = try SQLiteStore(path: path("a.sqlite"))
        try store.write { writer in
            let inserter = try writer.facilityInserter()
            XCTAssertEqual(try inserter.insert(hospital("H-1")), .inserted(pk: 1))
            XCTAssertEqual(try inserter.insert(hospital("H-2")), .inserted(pk: 2))
            XCTAssertEqual(try inserter.insert(hospital("H-1", name: "又一个")), .duplicate(pk: 1))
            XCTAssertEqual(try inserter.insert(hospital("H-3")), .inserted(pk: 3))
        }
        XCTAssertEqual(try store.facilityCount(), 3)
        XCTAssertEqual(try store.facility(id: "H-1")?.name, "洛阳市中心医院")
    }

    func testManyRowsAtOnceReportEachRowAndFallBackRowByRowOnARepeatedId() throws {
        let store = try SQLiteStore(path: path("a.sqlite"))
        // 200 rows: three full statements of 64 and 8 left; "H-10" repeats inside the first 64, "H-100" across.
        var ids = (0..<200).map { "H-\($0)" }
        ids[30] = "H-10"
        ids[150] = "H-100"
        var outcomes: [InsertOutcome] = []
        try store.write { writer in
            let inserter = try writer.facilityInserter()
            let rows = ids.map { hospital($0) }
            // Texts in buffers that outlive the calls of `row`.
            var buffers: [UnsafeMutableBufferPointer<UInt8>] = []
            defer { buffers.forEach { $0.deallocate() } }
            func bytes(_ text: String) -> UnsafeBufferPointer<UInt8> {
                let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: text.utf8.count)
                _ = buffer.initialize(from: text.utf8)
                buffers.append(buffer)
                return UnsafeBufferPointer(buffer)
            }
            let texts = rows.map { (bytes($0.id), bytes($0.name), bytes($0.unit!)) }
            try inserter.insert(count: rows.count, row: { index in
                let facility = rows[index]
                return FacilityRow(id: texts[index].0, name: texts[index].1, kind: facility.kind, location: facility.location,
                                   unit: texts[index].2, counts: [.beds: facility.beds], opened: facility.opened,
                                   attributes: facility.attributes)
            }, outcome: { index, outcome in
                XCTAssertEqual(index, outcomes.count)
                outcomes.append(outcome)
            })
        }
        XCTAssertEqual(outcomes.count, 200)
        XCTAssertEqual(outcomes[30], .duplicate(pk: 11))
        XCTAssertEqual(outcomes[150], .duplicate(pk: 100))
        var pk: Int64 = 1
        for (index, outcome) in outcomes.enumerated() where index != 30 && index != 150 {
            XCTAssertEqual(outcome, .inserted(pk: pk), "row \(index)")
            pk += 1
        }
        XCTAssertEqual(try store.facilityCount(), 198)
        XCTAssertEqual(try store.facility(id: "H-199")?.name, "洛阳市中心医院")
    }

    func testAUnitBulkLoadIndexesEveryUnitStoredBeforeAndNowAndPutsTheChecksBack() throws {
        // The location R*Tree packed ahead (used only when no stored unit repeats), or from the inserted rows;
        // the boundaries' from the stored rows only when no inserted unit has one (points from a CSV).
        for (repeats, planning, boundary) in [(true, true, true), (false, true, true), (false, false, true),
                                              (false, true, false), (true, true, false)] {
            try checkUnitBulkLoad(repeats: repeats, planning: planning, boundary: boundary)
        }
    }

    private func checkUnitBulkLoad(repeats: Bool, planning: Bool, boundary: Bool) throws {
        let variant = "repeats: \(repeats), planning: \(planning), boundary: \(boundary)"
        let store = try SQLiteStore(path: path("\(repeats)-\(planning)-\(boundary).sqlite"))
        try store.write { writer in
            try writer.upsert(AdministrativeUnit(code: "410302", name: "老城区", level: .district, parent: "410300",
                                                 boundary: square(112.4, 34.6, size: 0.25)))
            try writer.upsert(AdministrativeUnit(code: "410303", name: "西工区", level: .district, parent: "410300",
                                                 location: LonLat(112.42, 34.66)))
        }
        // 200 units: three full statements of 64 (one with a boundary, one with attributes) and 8 left; one
        // without a point, one empty name. Repeated codes: one of a unit stored before in the last 8, one of a
        // unit of the same statement, one of a stored unit in the middle of a statement.
        var units = (0..<200).map { n in
            AdministrativeUnit(code: "410302\(String(format: "%06d", n))", name: "社区\(n)", level: n % 2 == 0 ? .community : .village,
                               parent: "410302", population: n, location: LonLat(112.4 + Double(n) / 1000, 34.6 + Double(n % 13) / 100))
        }
        if boundary { units[5].boundary = square(112.5, 34.7) }
        units[70].attributes = ["说明": "引号\"和\\反斜杠"]
        units[140].location = nil
        units[150].name = ""
        if repeats {
            units[199] = AdministrativeUnit(code: "410303", name: "西工区（改）", level: .district, parent: "410300")
            units[100].code = units[90].code
            units[130].code = "410302"
        }
        var outcomes: [InsertOutcome] = []
        try store.write { writer in
            let load = try writer.beginBulkLoad(of: .units)
            let inserter = try writer.unitInserter(for: load)
            let planned = planning ? try writer.planUnitLocationIndex(OrderedUnits(units), for: inserter) : nil
            try inserter.insert(units) { index, outcome in
                XCTAssertEqual(index, outcomes.count)
                outcomes.append(outcome)
            }
            try writer.finishBulkLoad(load, unitInserter: inserter, planned: planned)
            XCTAssertEqual(planned?.used, planning ? !repeats : nil, variant)
            XCTAssertEqual(try writer.checkIndexes(of: .units), "ok", variant)
        }
        // Each unit takes the next pk unless its code is taken.
        var pks = ["410302": Int64(1), "410303": 2]
        var expected: [InsertOutcome] = []
        for unit in units {
            if let pk = pks[unit.code] { expected.append(.duplicate(pk: pk)); continue }
            pks[unit.code] = Int64(pks.count + 1)
            expected.append(.inserted(pk: Int64(pks.count)))
        }
        XCTAssertEqual(outcomes, expected, variant)
        XCTAssertEqual(expected.filter { if case .duplicate = $0 { true } else { false } }.count, repeats ? 3 : 0)
        let stored = try store.units()
        XCTAssertEqual(stored.count, pks.count, variant)
        for (unit, outcome) in zip(units, expected) where outcome == .inserted(pk: pks[unit.code]!) {
            XCTAssertEqual(stored.first { $0.code == unit.code }, unit, unit.code)
        }
        // Every R*Tree holds exactly the rows with that geometry, each with its bounding box.
        for (column, tree) in [("boundary", "idx_units_boundary"), ("location", "idx_units_location")] {
            XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM \(tree)")?.int,
                           try store.db.scalar("SELECT count(*) FROM units WHERE \(column) IS NOT NULL")?.int, tree)
            XCTAssertEqual(try store.db.scalar("""
                SELECT count(*) FROM units u JOIN \(tree) i ON i.pkid = u.pk
                WHERE i.xmin <= MbrMinX(u.\(column)) AND i.xmax >= MbrMaxX(u.\(column))
                  AND i.ymin <= MbrMinY(u.\(column)) AND i.ymax >= MbrMaxY(u.\(column))
                """)?.int, try store.db.scalar("SELECT count(*) FROM units WHERE \(column) IS NOT NULL")?.int, tree)
        }
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM idx_units_location")?.int, repeats ? 2 + 196 - 1 : 2 + 199 - 1)
        // The parent index, kept through the load, holds every row: the tree walks down through it.
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'units_parent'")?.int, 1)
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM units INDEXED BY units_parent WHERE parent = '410302'")?.int,
                       try store.db.scalar("SELECT count(*) FROM units NOT INDEXED WHERE parent = '410302'")?.int, variant)
        XCTAssertEqual(try store.integrityCheck(), "ok", variant)
        // The CHECK constraints the insert lifted hold again.
        XCTAssertEqual(try store.db.scalar("PRAGMA ignore_check_constraints")?.int, 0)
        XCTAssertThrowsError(try store.write { writer in
            try writer.upsert(AdministrativeUnit(code: "X", name: "X", level: .village, population: -1))
        })
        XCTAssertThrowsError(try store.db.execute("INSERT INTO units (code, name, level) VALUES ('Y', 'Y', 'planet')"))
    }

    func testFileWritebackStartsWritingFilesOnceTheyExistAndStops() throws {
        let file = path("later.bin")
        let writeback = FileWriteback(opening: [file], interval: 0.001)
        Thread.sleep(forTimeInterval: 0.02)
        XCTAssertEqual(writeback.startedWriteOuts, 0, "no file yet")
        XCTAssertTrue(FileManager.default.createFile(atPath: file, contents: Data(repeating: 7, count: 1 << 20)))
        let deadline = Date().addingTimeInterval(5)
        while writeback.startedWriteOuts == 0 && Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
        writeback.stop()
        writeback.stop()
        #if os(Linux)
        XCTAssertGreaterThan(writeback.startedWriteOuts, 0)
        #endif
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: file)), Data(repeating: 7, count: 1 << 20))
    }

    func testTheStoreFileIsFoundAmongTheOpenDescriptorsNotOpenedAgain() throws {
        let store = try SQLiteStore(path: path("found.sqlite"))
        #if os(Linux)
        let fd = try XCTUnwrap(FileWriteback.openDescriptor(of: store.path))
        var mine = stat(), stored = stat()
        XCTAssertEqual(fstat(fd, &mine), 0)
        XCTAssertEqual(stat(store.path, &stored), 0)
        XCTAssertEqual(mine.st_ino, stored.st_ino)
        #endif
        XCTAssertNil(FileWriteback.openDescriptor(of: path("never-opened.sqlite")))
        store.close()
    }

    func testABulkLoadStopsItsWritebackWhenItsTransactionEnds() throws {
        let store = try SQLiteStore(path: path("writeback.sqlite"))
        try store.write { writer in
            let load = try writer.beginBulkLoad(of: .units)
            XCTAssertNotNil(store.writeback)
            try writer.finishBulkLoad(load, unitInserter: try writer.unitInserter(for: load))
        }
        XCTAssertNil(store.writeback)
        XCTAssertEqual(try store.integrityCheck(), "ok")
        XCTAssertThrowsError(try store.write { writer in
            _ = try writer.beginBulkLoad(of: .units)
            throw StoreError.sqlite(path: "", code: 0, message: "stop", sql: "")
        })
        XCTAssertNil(store.writeback, "also after a rollback")
    }

    func testTheUnitInserterRefusesANegativePopulationAsTheCheckWould() throws {
        let store = try SQLiteStore(path: path("a.sqlite"))
        XCTAssertThrowsError(try store.write { writer in
            let inserter = try writer.unitInserter()
            _ = try inserter.insert(AdministrativeUnit(code: "X", name: "X", level: .village, population: -1))
        }) { error in
            XCTAssertTrue("\(error)".contains("population >= 0"), "\(error)")
        }
        XCTAssertEqual(try store.units().count, 0)
        XCTAssertEqual(try store.db.scalar("PRAGMA ignore_check_constraints")?.int, 0)
        // Also in the middle of many statements, made ready on another thread: the insert stops there.
        var units = (0..<1_000).map { (n: Int) in
            AdministrativeUnit(code: "U\(n)", name: "社区\(n)", level: .community, population: n)
        }
        units[700].population = -5
        var outcomes = 0
        XCTAssertThrowsError(try store.write { writer in
            try writer.unitInserter().insert(units) { _, _ in outcomes += 1 }
        }) { error in
            XCTAssertTrue("\(error)".contains("population >= 0 (unit U700)"), "\(error)")
        }
        XCTAssertEqual(outcomes, 640, "the statements before the one holding U700")
        XCTAssertEqual(try store.units().count, 0)
        XCTAssertEqual(try store.db.scalar("PRAGMA ignore_check_constraints")?.int, 0)
    }

    func testBlobBoundsAreTheGeometrysBoundingBox() throws {
        let store = try SQLiteStore(path: path("a.sqlite"))
        try store.write { writer in
            try writer.upsert(AdministrativeUnit(code: "410302", name: "老城区", level: .district, parent: "410300",
                                                 boundary: square(112.4, 34.6, size: 0.25)))
        }
        let statement = try store.db.statement("SELECT boundary, location FROM units")
        XCTAssertTrue(try statement.step())
        let box = try XCTUnwrap(SpatiaLiteBlob.bounds(try XCTUnwrap(statement.blob(0))))
        XCTAssertEqual(box.minX, 112.4)
        XCTAssertEqual(box.minY, 34.6)
        XCTAssertEqual(box.maxX, 112.65, accuracy: 1e-12)
        XCTAssertEqual(box.maxY, 34.85, accuracy: 1e-12)
        statement.reset()
        XCTAssertNil(SpatiaLiteBlob.bounds(UnsafeRawBufferPointer(start: nil, count: 0)))
        XCTAssertNil([UInt8](repeating: 0, count: 60).withUnsafeBytes { SpatiaLiteBlob.bounds($0) })
    }

    func testUnitCodeTableHoldsEveryStoredCode() throws {
        let store = try SQLiteStore(path: path("a.sqlite"))
        try store.write { writer in
            for code in ["410302", "410303", "410302001001", "洛阳-特"] {
                try writer.upsert(AdministrativeUnit(code: code, name: code, level: .community, parent: nil))
            }
        }
        let table = try store.unitCodeTable()
        XCTAssertEqual(table.count, 4)
        XCTAssertTrue(table.contains("410302001001"))
        XCTAssertTrue(table.contains("洛阳-特"))
        XCTAssertFalse(table.contains("41030"))
        XCTAssertFalse(table.contains(""))
        XCTAssertEqual((0..<table.count).map { table[$0] }, ["410302", "410302001001", "410303", "洛阳-特"])
    }

    func testCodeTableNumbersCodesInOrderAndGrows() {
        var table = CodeTable()
        for n in 0..<50_000 { XCTAssertEqual(table.insert("U\(n)"), n) }
        XCTAssertEqual(table.insert("U123"), 123, "a known code keeps its number")
        XCTAssertEqual(table.count, 50_000)
        XCTAssertEqual(table.number(of: "U49999"), 49_999)
        XCTAssertNil(table.number(of: "U50000"))
        XCTAssertEqual(table[777], "U777")
        XCTAssertEqual(table.insert(""), 50_000, "the empty code is a code too")
        XCTAssertTrue(table.contains(""))
    }

    func testMigrationThreeDropsTheUnusedIndexes() throws {
        let file = path("v2.sqlite")
        let names = "SELECT count(*) FROM sqlite_master WHERE name IN ('facilities_kind', 'facilities_unit', 'units_level')"
        do {
            let old = try SQLiteStore(path: file, migratingTo: 2)
            XCTAssertEqual(try old.db.scalar(names)?.int, 3)
            old.close()
        }
        let store = try SQLiteStore(path: file)
        XCTAssertEqual(try store.schemaVersion, SQLiteStore.currentSchemaVersion)
        XCTAssertEqual(try store.db.scalar(names)?.int, 0)
        // The unit tree still walks down by parent through its index.
        XCTAssertEqual(try store.db.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'units_parent'")?.int, 1)
    }

    /// A packed R*Tree leaves room in each node (`PackedRTree.fill`): rows stored after it go into nodes with room,
    /// so none splits (a split of a full node makes SQLite reinsert a third of its cells: uploads into a packed
    /// store of 3,000,000 took ten times as long), and the tree stays sound.
    func testAPackedRTreeLeavesRoomSoRowsStoredLaterSplitNoNode() throws {
        let store = try SQLiteStore(path: path("packed.sqlite"))
        defer { store.close() }
        func facility(_ n: Int, _ prefix: String) -> Facility {
            Facility(id: "\(prefix)\(n)", name: "设施\(n)", kind: .villageClinic,
                     location: LonLat(112 + Double(n % 211) / 211, 34 + Double(n / 211) / 100 + (prefix == "L" ? 0.004 : 0)))
        }
        _ = try store.update { try $0.upsert((0..<20_000).map { facility($0, "F") }) }
        let entries = try (0..<20_000).map { PackedRTree.Entry(id: Int64($0 + 1), point: facility($0, "F").location) }
        let (_, capacity) = try PackedRTree.nodeSize(of: "idx_facilities_location", database: store.db)
        try store.write { writer in
            try PackedRTree.write(entries, table: "idx_facilities_location", database: store.db)
            XCTAssertEqual(try writer.checkFacilityIndex(), "ok")
        }
        let nodes = { try store.db.scalar("SELECT count(*) FROM idx_facilities_location_node")?.int ?? 0 }
        let packed = try nodes()
        let leaves = (20_000 + Int(Double(capacity) * PackedRTree.fill) - 1) / Int(Double(capacity) * PackedRTree.fill)
        XCTAssertGreaterThanOrEqual(packed, leaves + 1, "each leaf holds at most \(PackedRTree.fill) of \(capacity) cells")
        // Rows stored later, spread over the whole area: a quarter of a node each on average, no split.
        _ = try store.update { try $0.upsert((0..<400).map { facility($0 * 50, "L") }) }
        XCTAssertEqual(try nodes(), packed)
        try store.write { XCTAssertEqual(try $0.checkFacilityIndex(), "ok") }
        var found: [String] = []
        try store.forEachFacility(in: BoundingBox(minLon: 112, minLat: 34.003, maxLon: 113, maxLat: 34.005)) { found.append($0.id) }
        XCTAssertEqual(found.filter { $0.hasPrefix("L") }.count, 5)
    }

    func testRadixSortOrdersLikeAStableComparisonSort() {
        var generator = SystemRandomNumberGenerator()
        var entries: [PackedRTree.Entry] = []
        let specials: [Float] = [0, -0.0, 1, -1, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e-40, -1e-40]
        for n in 0..<20_000 {
            let x = n % 7 == 0 ? specials[n % specials.count] : Float.random(in: -180...180, using: &generator)
            let y = Float(Int.random(in: -5...5, using: &generator))  // many equal keys: stability shows
            entries.append(PackedRTree.Entry(id: Int64(n), xmin: x, xmax: x, ymin: y, ymax: y))
        }
        for key in [\PackedRTree.Entry.centerX, \PackedRTree.Entry.centerY] {
            let expected = entries.enumerated().sorted {
                ($0.element[keyPath: key], $0.offset) < ($1.element[keyPath: key], $1.offset)
            }.map(\.element.id)
            XCTAssertEqual(PackedRTree.sorted(entries, by: { $0[keyPath: key] }).map(\.id), expected)
        }
    }
}
