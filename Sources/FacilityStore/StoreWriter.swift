import Foundation
import FacilityGeometry
import FacilityModel
import FacilityRegistry

/// Writes inside one transaction opened by `SQLiteStore.write`.
public struct StoreWriter {
    public let store: SQLiteStore
    var db: Database { store.db }

    /// Inserts the unit, or updates the stored one with the same code; says which, or that nothing changed.
    @discardableResult
    public func upsert(_ unit: AdministrativeUnit) throws -> UpsertOutcome {
        var unit = unit
        let existing = try db.statement("""
            SELECT pk, code, name, level, parent, population, AsBinary(boundary), X(location), Y(location), attributes
            FROM units WHERE code = ?
            """)
        try existing.bind([.text(unit.code)])
        var pk: Int?
        if try existing.step() {
            pk = existing.int(0)
            let stored = try store.readUnit(existing, offset: 1)
            existing.reset()
            unit = unit.merged(over: stored)  // a re-import keeps what the file does not carry
            if stored == unit { return .unchanged }
        }
        let arguments = Self.arguments(unit)
        if let pk {
            try db.run("""
                UPDATE units SET code = ?1, name = ?2, level = ?3, parent = ?4, population = ?5,
                    boundary = CastToMultiPolygon(GeomFromWKB(?6, 4326)), location = MakePoint(?7, ?8, 4326),
                    attributes = ?9
                WHERE pk = ?10
                """, arguments + [.integer(Int64(pk))])
            return .updated
        }
        try insert(unit)
        return .inserted
    }

    /// Inserts a unit known to be new (its code is not stored). Imports use `unitInserter()`.
    public func insert(_ unit: AdministrativeUnit) throws {
        try db.run("""
            INSERT INTO units (code, name, level, parent, population, boundary, location, attributes)
            VALUES (?1, ?2, ?3, ?4, ?5, CastToMultiPolygon(GeomFromWKB(?6, 4326)), MakePoint(?7, ?8, 4326), ?9)
            """, Self.arguments(unit))
    }

    static func arguments(_ unit: AdministrativeUnit) -> [SQLValue] {
        [.text(unit.code), .text(unit.name), .text(unit.level.rawValue), SQLValue(unit.parent),
         SQLValue(unit.population), unit.boundary.map { .blob(Geometry.multiPolygon($0).wkb) } ?? .null,
         SQLValue(unit.location?.lon), SQLValue(unit.location?.lat), SQLValue(Attributes.encode(unit.attributes))]
    }

    /// A prepared insert of facilities that reports a repeated id instead of failing: the bulk path of an
    /// import into a store that holds no facilities yet.
    /// In a bulk load (`bulkLoad`), the inserter keeps each row's R*Tree entry, so that `finishBulkLoad`
    /// need not read the table again; pass it there.
    public func facilityInserter(for bulkLoad: BulkLoad? = nil) throws -> FacilityInserter {
        let inserter = try FacilityInserter(database: db)
        if bulkLoad?.table == .facilities { inserter.indexEntries = [] }
        return inserter
    }

    /// A prepared insert of units that reports a code already stored instead of failing.
    /// In a bulk load of units (`bulkLoad`), the inserter keeps each location's R*Tree entry, so that
    /// `finishBulkLoad` need not read the table again; pass it there.
    public func unitInserter(for bulkLoad: BulkLoad? = nil) throws -> UnitInserter {
        let inserter = try UnitInserter(database: db)
        if bulkLoad?.table == .units { inserter.indexEntries = [] }
        return inserter
    }

    /// Inserts a facility known to be new (its id is not stored). Imports into an empty store use `facilityInserter(for:)`.
    public func insert(_ facility: Facility) throws {
        try db.run("""
            INSERT INTO facilities (\(FacilityTable.inserted))
            VALUES (\(Self.plainParameters), MakePoint(?\(FacilityTable.plain.count + 1), ?\(FacilityTable.plain.count + 2), 4326), ?\(FacilityTable.plain.count + 3))
            """, Self.arguments(facility))
        // In a bulk load its R*Tree entry is added at the end (the triggers are lifted).
        if store.bulkLocationChanges != nil {
            store.bulkLocationChanges!.append(PackedRTree.Entry(id: db.lastInsertRowID, point: facility.location))
        }
    }

    /// `?1, ?2, …`: one parameter for each plain column.
    static let plainParameters = (1...FacilityTable.plain.count).map { "?\($0)" }.joined(separator: ", ")

    /// The plain columns' values, lon, lat and attributes.
    static func arguments(_ facility: Facility) -> [SQLValue] {
        [.text(facility.id), .text(facility.name), .text(facility.kind.rawValue), SQLValue(facility.unit)]
            + FacilityCount.allCases.map { SQLValue(facility.counts[$0]) }
            + [SQLValue(facility.inclusive), SQLValue(facility.level), SQLValue(facility.opened?.description),
               SQLValue(facility.closed?.description), .real(facility.location.lon), .real(facility.location.lat),
               SQLValue(Attributes.encode(facility.attributes))]
    }

    /// Inserts the facility, or updates the stored one with the same id; says which, or that nothing changed.
    @discardableResult
    public func upsert(_ facility: Facility) throws -> UpsertOutcome {
        var id = facility.id
        return try upsert(facility, stored: id.withUTF8 { try storedRow(id: $0) }).outcome
    }

    /// Stores row `place` of those handed over (`store(_:)`) as `upsert(_:)` does a facility — unless this transaction
    /// stored its id already (`.repeated`) — without making a `Facility` of a row that is stored byte for byte (most
    /// rows of a file imported again).
    func store(_ row: FacilityRow, place: Int, state: FacilityImport) throws -> RowOutcome {
        let existing = try storedRow(id: row.id)
        if let existing {
            let pk = Int64(existing.int(FacilityTable.pk) ?? 0)
            if let kept = state.place(ofPK: pk) {
                existing.reset()
                return .repeated(of: kept)
            }
            state.mark(pk, place: place)
            if Self.storedRow(existing, isByteForByte: row) {
                store.nextLikelyPK = pk + 1
                existing.reset()
                return .unchanged
            }
        }
        let (outcome, pk) = try upsert(Facility(row), stored: existing)
        state.mark(pk, place: place)
        return RowOutcome(outcome)
    }

    /// The stored row (`comparedColumns`) of the facility `id`, stepped onto it (reset it when done); nil when none.
    /// The row after the last one found is tried first (a rowid seek, no index) and checked by its id; else the id's
    /// index.
    private func storedRow(id: UnsafeBufferPointer<UInt8>) throws -> Statement? {
        let likely = try db.statement("SELECT \(Self.comparedColumns) FROM facilities WHERE pk = ?")
        try likely.bind([.integer(store.nextLikelyPK)])
        if try likely.step() {
            if let storedID = likely.textBytes(0), storedID.elementsEqual(UnsafeRawBufferPointer(id)) { return likely }
            likely.reset()
        }
        let byID = try db.statement("SELECT \(Self.comparedColumns) FROM facilities WHERE id = ?")
        try byID.bindText(1, id)
        if try byID.step() { return byID }
        byID.reset()
        return nil
    }

    /// Inserts `facility`, or updates the row `existing` is on (its stored row, from `storedRow(id:)`); gives the row's
    /// number too.
    private func upsert(_ facility: Facility, stored existing: Statement?) throws -> (outcome: UpsertOutcome, pk: Int64) {
        var pk: Int?
        var stored: Facility?
        if let existing {
            let storedPK = Int64(existing.int(FacilityTable.pk) ?? 0)
            store.nextLikelyPK = storedPK + 1
            pk = Int(storedPK)
            stored = try store.readFacility(existing, location: try SQLiteStore.point(existing, column: FacilityTable.location))
            existing.reset()
            if stored == facility { return (.unchanged, storedPK) }
        }
        let arguments = Self.arguments(facility)
        if let pk {
            try db.run(Self.updateSQL, arguments + [.integer(Int64(pk))])
            try recordUpdate(of: Int64(pk), from: stored!, to: facility)
            if store.bulkLocationChanges != nil, stored!.location.lon.bitPattern != facility.location.lon.bitPattern
                || stored!.location.lat.bitPattern != facility.location.lat.bitPattern {
                store.bulkLocationChanges!.append(PackedRTree.Entry(id: Int64(pk), point: facility.location))
            }
            return (.updated, Int64(pk))
        }
        try insert(facility)
        let inserted = db.lastInsertRowID
        try noteCreation(of: inserted)
        return (.inserted, inserted)
    }

    /// What `upsert` reads of a stored row to compare: `SQLiteStore.facilityColumns` with the point as its BLOB (read in
    /// place: `X()` and `Y()` would each parse it) and the row number.
    static let comparedColumns = FacilityTable.compared

    /// Sets every column of the row `?(n + 4)` to `arguments(_:)`.
    static let updateSQL: String = {
        let n = FacilityTable.plain.count
        let plain = FacilityTable.plain.enumerated().map { "\($1) = ?\($0 + 1)" }.joined(separator: ", ")
        return "UPDATE facilities SET \(plain), location = MakePoint(?\(n + 1), ?\(n + 2), 4326), attributes = ?\(n + 3) WHERE pk = ?\(n + 4)"
    }()

    /// Whether the row `s` holds (`comparedColumns`) is `row` byte for byte: every text the same bytes, every number
    /// and day the same value, the point the same coordinates, no attributes on either side. False says nothing (texts
    /// may differ in bytes and still be equal as `String`s): then the values are compared.
    static func storedRow(_ s: Statement, isByteForByte row: FacilityRow) -> Bool {
        func same(_ column: Int32, _ text: UnsafeBufferPointer<UInt8>?) -> Bool {
            guard let text else { return s.isNull(column) }
            guard let bytes = s.textBytes(column) else { return false }
            return bytes.elementsEqual(UnsafeRawBufferPointer(text))
        }
        func same(_ column: Int32, _ text: String) -> Bool {
            guard let bytes = s.textBytes(column) else { return false }
            return text.utf8.elementsEqual(bytes)
        }
        func same(_ column: Int32, _ number: Int?) -> Bool { s.int(column) == number }
        func same(_ column: Int32, _ day: Day?) -> Bool {
            guard let bytes = s.textBytes(column) else { return day == nil }
            return day != nil && Day(bytes: bytes, bareYearMeansEnd: false) == day
        }
        typealias C = FacilityTable
        return row.attributes.isEmpty && s.isNull(C.attributes)
            && same(C.name, row.name) && same(C.kind, row.kind.rawValue) && same(C.unit, row.unit)
            && FacilityCount.allCases.allSatisfy { same(C.count($0), row.counts[$0]) }
            && same(C.inclusive, row.inclusive.map { $0 ? 1 : 0 }) && same(C.level, row.level)
            && same(C.opened, row.opened) && same(C.closed, row.closed)
            && (try? SQLiteStore.point(s, column: C.location)).map { $0.lon == row.location.lon && $0.lat == row.location.lat } == true
    }

    /// Records an import in `import_log`, under the number the transaction's history rows name.
    @discardableResult public func record(_ record: ImportRecord) throws -> Int {
        try flushCreations()
        let number = try importNumber()
        try db.run("""
            INSERT INTO import_log (pk, file, sha256, imported_at, layer, rows, new, updated, unchanged, rejected, author)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.integer(number), .text(record.file), .text(record.sha256), .text(record.importedAt),
                  .text(record.layer), SQLValue(record.rows), SQLValue(record.new), SQLValue(record.updated),
                  SQLValue(record.unchanged), SQLValue(record.rejected), SQLValue(record.author)])
        return Int(number)
    }

    /// The triggers a bulk load lifts from `facilities` and puts back.
    public struct BulkLoad {
        let table: BulkTable
        let triggers: [String]
        let indexes: [String]
        let cacheSize: Int
    }

    /// A table that takes bulk loads, and its R*Trees: (index table, SQL giving pk and the four bounds).
    public enum BulkTable: String, Sendable {
        case facilities, units

        /// Whether the secondary indexes are dropped for the load and built again after it, by one sort each
        /// (facilities have none since migration 3; one added later would be filled in no useful order). Units
        /// are inserted in code order, which for hierarchical codes is their parents' order: SQLite appends to
        /// `units_parent` (650,000 units: 0.1 s more for the inserts, against 0.26 s for `CREATE INDEX`).
        var rebuildsIndexes: Bool { self == .facilities }

        /// Each R*Tree: its index table, and SQL giving each row's pk and geometry.
        var rtrees: [(table: String, sql: String)] {
            switch self {
            case .facilities:
                [("idx_facilities_location", "SELECT pk, location FROM facilities WHERE location IS NOT NULL")]
            case .units:
                [("idx_units_boundary", "SELECT pk, boundary FROM units WHERE boundary IS NOT NULL"),
                 ("idx_units_location", "SELECT pk, location FROM units WHERE location IS NOT NULL")]
            }
        }
    }

    /// Prepares a bulk load of `table`: lifts SpatiaLite's per-row triggers (geometry checks, R*Tree updates,
    /// timestamps), which cost more than the insert itself, and for facilities any secondary index (see
    /// `BulkTable.rebuildsIndexes`). `finishBulkLoad` rebuilds the R*Trees in one pass and puts the
    /// indexes and triggers back. Both run inside the transaction: a crash leaves the store as before.
    /// Rows written in between must have POINT geometries in SRID 4326, as `insert` and `upsert` write them.
    public func beginBulkLoad(of table: BulkTable = .facilities) throws -> BulkLoad {
        let statement = try Statement(database: db, sql: """
            SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = '\(table.rawValue)' ORDER BY name
            """)
        var triggers: [(name: String, sql: String)] = []
        while try statement.step() { triggers.append((statement.text(0) ?? "", statement.text(1) ?? "")) }
        statement.finalize()
        for trigger in triggers {
            try db.execute("DROP TRIGGER \"\(trigger.name.replacingOccurrences(of: "\"", with: "\"\""))\"")
        }
        // Secondary indexes, where they are built faster by one sort afterwards than row by row.
        var indexes: [(name: String, sql: String)] = []
        if table.rebuildsIndexes {
            let indexStatement = try Statement(database: db, sql: """
                SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = '\(table.rawValue)' AND sql IS NOT NULL ORDER BY name
                """)
            while try indexStatement.step() { indexes.append((indexStatement.text(0) ?? "", indexStatement.text(1) ?? "")) }
            indexStatement.finalize()
        }
        for index in indexes {
            try db.execute("DROP INDEX \"\(index.name.replacingOccurrences(of: "\"", with: "\"\""))\"")
        }
        // Its pages reach the disk as the commit writes them, not all in SQLite's fdatasyncs.
        if store.writeback == nil {
            store.writeback = FileWriteback(opening: [store.path + "-wal"],
                                            borrowing: FileWriteback.openDescriptor(of: store.path).map { [$0] } ?? [])
        }
        if table == .facilities { store.bulkLocationChanges = [] }
        // A page cache large enough to hold the growing table and its id index (256 MiB; the default is 2 MiB).
        let cacheSize = try db.scalar("PRAGMA cache_size")?.int ?? -2000
        try db.execute("PRAGMA cache_size = -262144")
        return BulkLoad(table: table, triggers: triggers.map(\.sql), indexes: indexes.map(\.sql), cacheSize: cacheSize)
    }

    /// Rebuilds the table's R*Trees from its rows, packed, and restores its indexes and triggers.
    /// `inserter`: the one that wrote the rows of the table since `beginBulkLoad`, whose entries then make the
    /// R*Tree with the rows stored before; otherwise the rows are read back.
    public func finishBulkLoad(_ load: BulkLoad, inserter: FacilityInserter? = nil) throws {
        let collected = inserter.flatMap { inserter in
            inserter.indexEntries.map { entries in
                Collected(entries: entries, first: entries.first?.id, last: entries.last?.id ?? 0, count: entries.count,
                          anyBoundary: false)
            }
        }
        try finishBulkLoad(load, collected: collected)
    }

    /// Rebuilds the units' R*Trees (the locations' as `planned` when `inserter` stored exactly the units it
    /// was planned for, else from `inserter`'s entries when it collected them) and restores their indexes and
    /// triggers.
    public func finishBulkLoad(_ load: BulkLoad, unitInserter inserter: UnitInserter,
                               planned: PlannedUnitIndex? = nil) throws {
        // Also when it kept no entries (the locations planned): the boundaries' R*Tree then reads only the rows
        // stored before, not all 650,000 to find none.
        let collected = Collected(entries: inserter.indexEntries, first: inserter.firstPK, last: inserter.lastPK,
                                  count: inserter.insertedCount, anyBoundary: inserter.insertedBoundary)
        var plan: PackedRTree.Plan?
        if let planned, inserter.duplicateCount == 0, inserter.insertedCount == planned.count,
           planned.count == 0 || (inserter.firstPK == planned.firstPK
                                  && inserter.lastPK == planned.firstPK + Int64(planned.count) - 1) {
            plan = planned.result()
            planned.used = true
        }
        try finishBulkLoad(load, collected: collected, locationPlan: plan)
    }

    /// Starts packing the units' location R*Tree on another thread, for a bulk load of units that will insert
    /// `units`, in this order, taking the pks after the last stored, and update none: the
    /// work then overlaps their inserting. Pass it to `finishBulkLoad`, which checks that this came true (and
    /// otherwise reads every location back). `inserter` then keeps no entries of its own.
    public func planUnitLocationIndex(_ units: OrderedUnits, for inserter: UnitInserter? = nil) throws -> PlannedUnitIndex {
        inserter?.indexEntries = nil
        let table = "idx_units_location"
        let capacity = try PackedRTree.nodeSize(of: table, database: db).capacity
        let firstPK = Int64(try db.scalar("SELECT max(pk) FROM units")?.int ?? 0) + 1
        let stored = try indexEntries("SELECT pk, location FROM units WHERE location IS NOT NULL")
        return PlannedUnitIndex(stored: stored, units: units, firstPK: firstPK, capacity: capacity)
    }

    /// The R*Tree entry of each row `sql` gives as (pk, geometry BLOB); rows without a geometry are left out.
    private func indexEntries(_ sql: String, _ arguments: [SQLValue] = []) throws -> [PackedRTree.Entry] {
        let statement = try Statement(database: db, sql: sql)
        defer { statement.finalize() }
        try statement.bind(arguments)
        var entries: [PackedRTree.Entry] = []
        while try statement.step() {
            guard let blob = statement.blob(1), let box = SpatiaLiteBlob.bounds(blob) else { continue }
            entries.append(PackedRTree.Entry(
                id: Int64(statement.int(0) ?? 0), xmin: PackedRTree.lower(box.minX), xmax: PackedRTree.upper(box.maxX),
                ymin: PackedRTree.lower(box.minY), ymax: PackedRTree.upper(box.maxY)))
        }
        return entries
    }

    /// The R*Tree entries of the rows an inserter stored (pks `first…last`, `count` rows) with a location (nil
    /// when it kept none), and whether any of them has a boundary.
    private struct Collected {
        var entries: [PackedRTree.Entry]?
        var first: Int64?
        var last: Int64
        var count: Int
        var anyBoundary: Bool
    }

    private func finishBulkLoad(_ load: BulkLoad, collected: Collected?, locationPlan: PackedRTree.Plan? = nil) throws {
        for rtree in load.table.rtrees {
            if let locationPlan, rtree.table.hasSuffix("_location") {
                try PackedRTree.write(locationPlan, table: rtree.table, database: db)
                Trace.mark("packed \(rtree.table) as planned")
                continue
            }
            // Rows upserted (no inserter): when few points are new, they go into the tree as it stands (a file
            // imported again with 1% changed: 30,000 entries, not 3,000,000 read back and packed).
            if load.table == .facilities, collected == nil, let changes = store.bulkLocationChanges,
               changes.count * 10 <= (try db.scalar("SELECT max(pk) FROM facilities")?.int ?? 0) {
                let add = try db.statement("INSERT OR REPLACE INTO \"\(rtree.table)\" (pkid, xmin, xmax, ymin, ymax) VALUES (?, ?, ?, ?, ?)")
                for entry in changes {
                    try add.bind([.integer(entry.id), .real(Double(entry.xmin)), .real(Double(entry.xmax)),
                                  .real(Double(entry.ymin)), .real(Double(entry.ymax))])
                    while try add.step() {}
                    add.reset()
                }
                Trace.mark("\(changes.count) entries added to \(rtree.table)")
                continue
            }
            var sql = rtree.sql
            var arguments: [SQLValue] = []
            // The inserter's rows took consecutive pks after every stored row: then its entries are those rows'
            // (and none of them has a boundary, unless it says so) and only the rows before need reading.
            let isLocation = rtree.table.hasSuffix("_location")
            var added: [PackedRTree.Entry] = []
            if let collected, let first = collected.first, collected.last - first + 1 == Int64(collected.count),
               isLocation ? collected.entries != nil : !collected.anyBoundary,
               try db.scalar("SELECT max(pk) FROM \(load.table.rawValue)")?.int == Int(collected.last) {
                if isLocation { added = collected.entries ?? [] }
                sql += " AND pk < ?"
                arguments = [.integer(first)]
            }
            let entries = try indexEntries(sql, arguments) + added
            Trace.mark("read back \(rtree.table)")
            try PackedRTree.write(entries, table: rtree.table, database: db)
            Trace.mark("packed \(rtree.table)")
        }
        for sql in load.indexes + load.triggers { try db.execute(sql) }
        Trace.mark("indexes and triggers restored")
        try db.execute("PRAGMA cache_size = \(load.cacheSize)")
        try db.run("""
            UPDATE geometry_columns_time SET last_insert = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE Lower(f_table_name) = ?
            """, [.text(load.table.rawValue)])
    }

    /// `rtreecheck()` of the facilities' R*Tree: "ok" when its structure is sound and matches the table.
    public func checkFacilityIndex() throws -> String {
        try checkIndexes(of: .facilities)
    }

    /// `rtreecheck()` of each R*Tree of `table`: "ok" when all are sound.
    public func checkIndexes(of table: BulkTable) throws -> String {
        for rtree in table.rtrees {
            let result = try db.scalar("SELECT rtreecheck(?)", [.text(rtree.table)])?.string ?? ""
            if result != "ok" { return "\(rtree.table): \(result)" }
        }
        return "ok"
    }
}

/// The units' location R*Tree being packed on another thread (see `StoreWriter.planUnitLocationIndex`).
public final class PlannedUnitIndex {
    /// The pk the first unit planned for takes, and how many there are.
    let firstPK: Int64
    let count: Int
    private let plan: Background<PackedRTree.Plan, Never>
    /// Whether `finishBulkLoad` wrote this plan.
    var used = false

    init(stored: [PackedRTree.Entry], units: OrderedUnits, firstPK: Int64, capacity: Int) {
        self.firstPK = firstPK
        count = units.count
        plan = Background {
            var entries = stored
            entries.reserveCapacity(stored.count + units.count)
            units.withView { units in
                for offset in 0..<units.count {
                    guard let location = units[offset].location else { continue }
                    entries.append(PackedRTree.Entry(id: firstPK + Int64(offset), point: location))
                }
            }
            return PackedRTree.plan(entries, capacity: capacity)
        }
    }

    /// The packed tree, waiting for it.
    func result() -> PackedRTree.Plan {
        plan.value()
    }
}
