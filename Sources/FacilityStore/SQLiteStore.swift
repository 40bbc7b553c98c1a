import CSpatiaLite
import FacilityGeometry
import FacilityModel
import FacilityRegistry
import Foundation

/// A FacilityMap store: one SpatiaLite file holding `units`, `facilities` and `import_log`.
///
/// Opening a path that does not exist creates the store; an older schema is migrated in place;
/// a file that is not a FacilityMap store is refused and left untouched.
public final class SQLiteStore {
    /// The file name used when neither `--store` nor `FACILITYMAP_STORE` names one.
    public static let defaultFileName = "facilitymap.sqlite"
    /// The schema version this build writes.
    public static var currentSchemaVersion: Int { Schema.currentVersion }

    public let path: String
    let db: Database

    /// Opens the store at `path`, creating or migrating it.
    public convenience init(path: String) throws {
        try self.init(path: path, migratingTo: Schema.currentVersion)
    }

    /// Opens the store, applying migrations up to `version` only (tests build older stores with it).
    init(path: String, migratingTo version: Int) throws {
        self.path = path
        try SQLiteStore.checkBeforeOpening(path: path)
        db = try Database(path: path)
        do {
            try prepareSchema(upTo: version)
        } catch {
            db.close()
            throw error
        }
        openFile = OpenStores.register(path: path)
    }

    deinit { close() }

    /// Closes the connection. The store cannot be used afterwards.
    public func close() {
        db.close()
        if let openFile { OpenStores.unregister(openFile) }
        openFile = nil
    }

    /// The store file's identity while this connection is open (see `OpenStores`).
    private var openFile: OpenStores.FileID?

    /// The number of migrations applied to this store.
    public var schemaVersion: Int {
        get throws { try db.scalar("PRAGMA user_version")?.int ?? 0 }
    }

    // MARK: Opening

    private static func checkBeforeOpening(path: String) throws {
        let url = URL(fileURLWithPath: path)
        let directory = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw StoreError.missingDirectory(path: path, directory: directory)
        }
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return }
        if isDirectory.boolValue {
            throw StoreError.notAFacilityMapStore(path: path, reason: "it is a folder")
        }
        // Checked already by the connection open on it; reading it through another descriptor and closing that
        // would drop the POSIX locks SQLite holds on it, so another process could delete the WAL under it.
        if OpenStores.isOpen(path: path) { return }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw StoreError.cannotOpen(path: path, reason: "the file cannot be read — check its permissions")
        }
        defer { try? handle.close() }
        let head = (try? handle.read(upToCount: 16)) ?? Data()
        if !head.isEmpty && head != Data("SQLite format 3\0".utf8) {
            throw StoreError.notAFacilityMapStore(path: path, reason: "the file is not a SQLite database")
        }
    }

    private func prepareSchema(upTo target: Int) throws {
        let applicationID = Int32(truncatingIfNeeded: try db.scalar("PRAGMA application_id")?.int ?? 0)
        let version = try db.scalar("PRAGMA user_version")?.int ?? 0
        if applicationID != Schema.applicationID {
            let tables = try userTables()
            guard applicationID == 0, tables.isEmpty else {
                let reason = applicationID != 0
                    ? "its application id is \(applicationID), not FacilityMap's"
                    : "it holds tables FacilityMap did not make: \(tables.prefix(5).joined(separator: ", "))"
                throw StoreError.notAFacilityMapStore(path: path, reason: reason)
            }
            // A new, empty file: mark it as ours before anything else is written. 16 KiB pages (SQLite's default
            // is 4 KiB): a bulk import writes a quarter as many pages to the WAL and again to the file.
            try db.execute("PRAGMA page_size = 16384")
            try db.execute("PRAGMA application_id = \(Schema.applicationID)")
        }
        if version > Schema.currentVersion {
            throw StoreError.newerSchema(path: path, found: version, supported: Schema.currentVersion)
        }
        try db.execute("PRAGMA journal_mode = WAL")
        // In WAL mode NORMAL keeps the file consistent through crashes; a power cut may lose the last commit only.
        try db.execute("PRAGMA synchronous = NORMAL")
        // Large imports are one transaction: a 128 MiB page cache keeps them from spilling to disk mid-way.
        try db.execute("PRAGMA cache_size = -131072")
        try db.execute("PRAGMA temp_store = MEMORY")
        try db.execute("PRAGMA foreign_keys = ON")
        if try db.scalar("SELECT CheckSpatialMetaData()")?.int != 3 {
            // Must run outside any open transaction; with 1 it runs in one of its own. 'WGS84': the reference
            // systems based on WGS 84 (4326, the only one the store uses, and its UTM zones), not all 6,000.
            _ = try db.scalar("SELECT InitSpatialMetadata(1, 'WGS84')")
        }
        for migration in Schema.migrations where migration.version > version && migration.version <= target {
            try db.transaction {
                for statement in migration.sql {
                    if statement.hasPrefix("SELECT") {
                        let result = try db.scalar(statement)
                        if result?.int == 0 {
                            throw StoreError.sqlite(path: path, code: 0, message: "SpatiaLite refused it", sql: statement)
                        }
                    } else {
                        try db.execute(statement)
                    }
                }
                try db.execute("PRAGMA user_version = \(migration.version)")
                FaultInjection.pause(at: .migration)
            }
        }
    }

    /// Tables that neither SQLite nor SpatiaLite made.
    private func userTables() throws -> [String] {
        let statement = try db.statement("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        var names: [String] = []
        while try statement.step() {
            let name = statement.text(0) ?? ""
            if !SQLiteStore.isSpatiaLiteTable(name) { names.append(name) }
        }
        return names
    }

    static func isSpatiaLiteTable(_ name: String) -> Bool {
        let prefixes = ["sqlite_", "spatial_ref_sys", "spatialite_history", "geometry_columns", "views_geometry_columns",
                        "virts_geometry_columns", "sql_statements_log", "data_licenses", "SpatialIndex",
                        "ElementaryGeometries", "KNN", "idx_", "geom_cols_ref_sys", "vector_layers",
                        "raster_coverages", "wms_", "SE_", "topologies", "networks", "stored_"]
        return prefixes.contains { name.hasPrefix($0) }
    }

    // MARK: Writing

    /// Runs `body` in one transaction: everything it wrote is committed when it returns,
    /// and nothing is when it throws (or the process dies before the commit).
    @discardableResult
    public func write<T>(_ body: (StoreWriter) throws -> T) throws -> T {
        pendingImportNumber = nil
        pendingCreations = nil
        defer {
            writeback?.stop()
            writeback = nil
            pendingImportNumber = nil
            pendingCreations = nil
            bulkLocationChanges = nil
            facilityImport = nil
            roadInsert?.finalize()
            roadInsert = nil
        }
        return try db.transaction { try body(StoreWriter(store: self)) }
    }

    /// The insert of roads this transaction prepared (`StoreWriter.store(roads:)`), finalized at its end.
    var roadInsert: Statement?
    /// Started by a bulk load, stopped when its transaction has committed (or rolled back).
    var writeback: FileWriteback?
    /// The `import_log` number of the import being written (see `StoreWriter.importNumber()`).
    var pendingImportNumber: Int64?
    /// The run of facility rows this import has created and not yet recorded (see `StoreWriter.noteCreation`).
    var pendingCreations: (first: Int64, last: Int64)?
    /// The row after the one the last upsert found: a file imported again lists its facilities in the order they were
    /// stored, so the next one is most likely there (`StoreWriter.upsert` checks its id).
    var nextLikelyPK: Int64 = 0
    /// The facility rows this transaction has stored through `StoreWriter.store(_:)` (and, in an import into a store
    /// that held none, the inserter that stores them).
    var facilityImport: FacilityImport?
    /// In a bulk load of facilities (the R*Tree's triggers lifted), the index entries of the rows upserted since whose
    /// point is new (inserted, or moved): `finishBulkLoad` adds these few rather than rebuilding the whole tree.
    var bulkLocationChanges: [PackedRTree.Entry]?

    // MARK: Reading

    /// Runs `body` on one snapshot of the store: reads inside it are consistent with each other even while
    /// another process imports.
    public func read<T>(_ body: () throws -> T) throws -> T {
        try db.snapshot(body)
    }

    /// How many units the store holds, optionally of one level.
    public func unitCount(level: UnitLevel? = nil) throws -> Int {
        try db.scalar("SELECT count(*) FROM units WHERE ?1 IS NULL OR level = ?1", [SQLValue(level?.rawValue)])?.int ?? 0
    }

    /// How many facilities the store holds, optionally of one kind.
    public func facilityCount(kind: FacilityKind? = nil) throws -> Int {
        // Two statements, so that each can use an index (count(*) of all reads the smallest one).
        guard let kind else { return try db.scalar("SELECT count(*) FROM facilities")?.int ?? 0 }
        return try db.scalar("SELECT count(*) FROM facilities WHERE kind = ?1", [.text(kind.rawValue)])?.int ?? 0
    }

    /// Whether any facility is stored (one row read, where `facilityCount` reads them all).
    public func holdsFacilities() throws -> Bool {
        try db.scalar("SELECT EXISTS (SELECT 1 FROM facilities)")?.int == 1
    }

    /// The largest row number of `units` (0 when empty): rows inserted later have larger ones.
    public func lastUnitPK() throws -> Int64 {
        Int64(try db.scalar("SELECT max(pk) FROM units")?.int ?? 0)
    }

    /// The codes of every stored unit, numbered in code order, for lookups by bytes.
    public func unitCodeTable() throws -> CodeTable {
        let statement = try Statement(database: db, sql: "SELECT code FROM units ORDER BY code")
        defer { statement.finalize() }
        var table = CodeTable(minimumCapacity: try unitCount())
        while try statement.step() {
            if let code = statement.textUTF8(0) { table.insert(code) }
        }
        return table
    }

    /// Whether a unit with `code` is stored.
    public func containsUnit(code: String) throws -> Bool {
        try db.scalar("SELECT 1 FROM units WHERE code = ?", [.text(code)]) != nil
    }

    /// Units in code order, optionally of one level and only those at or below the unit `within`.
    public func units(level: UnitLevel? = nil, within code: String? = nil) throws -> [AdministrativeUnit] {
        // Read in storage order and sorted here: `ORDER BY code` would visit the rows through the code index, one
        // seek per unit. Codes are unique, so byte order (SQLite's BINARY) gives the same list.
        let sql = """
            WITH RECURSIVE tree(code) AS (
                SELECT code FROM units WHERE code = ?2
                UNION SELECT u.code FROM units u JOIN tree t ON u.parent = t.code
            )
            SELECT code, name, level, parent, population, AsBinary(boundary), location, NULL, attributes
            FROM units
            WHERE (?1 IS NULL OR level = ?1) AND (?2 IS NULL OR code IN (SELECT code FROM tree))
            """
        // Cities and districts through their partial index (a few thousand among 650,000): the condition spelled as the
        // index's own, so that SQLite may use it.
        let upper = level == .city || level == .district
        let statement = try db.statement(upper ? sql + " AND level IN ('city', 'district')" : sql)
        try statement.bind([SQLValue(level?.rawValue), SQLValue(code)])
        var units: [AdministrativeUnit] = []
        var unreadable: (code: String, error: Error)?
        while try statement.step() {
            do {
                units.append(try readUnit(statement, offset: 0, pointBlob: true))
            } catch {
                // Report the first in code order, as a sorted read would have met it.
                let code = statement.text(0) ?? ""
                if unreadable == nil || code.utf8.lexicographicallyPrecedes(unreadable!.code.utf8) { unreadable = (code, error) }
            }
        }
        if let unreadable { throw unreadable.error }
        return Self.inByteOrder(units, by: \.code)
    }

    /// `items` sorted by a text key as SQLite's BINARY collation orders it (bytes, then length), or as they are
    /// when already in that order. Keys are compared by their first 16 bytes as numbers, the rest only on a tie.
    static func inByteOrder<T>(_ items: [T], by key: (T) -> String) -> [T] {
        let prefixes = items.map { item -> (UInt64, UInt64) in
            var words: (UInt64, UInt64) = (0, 0)
            var text = key(item)
            text.withUTF8 { bytes in
                withUnsafeMutableBytes(of: &words) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes).prefix(16))) }
            }
            return (UInt64(bigEndian: words.0), UInt64(bigEndian: words.1))
        }
        func precedes(_ a: Int, _ b: Int) -> Bool {
            if prefixes[a] != prefixes[b] { return prefixes[a] < prefixes[b] }
            return key(items[a]).utf8.lexicographicallyPrecedes(key(items[b]).utf8)
        }
        guard items.indices.dropFirst().contains(where: { precedes($0, $0 - 1) }) else { return items }
        return items.indices.sorted(by: precedes).map { items[$0] }
    }

    /// A unit from `name, level, parent, population, AsBinary(boundary), X(location), Y(location), attributes`
    /// after the code at column `c`; with `pointBlob`, column `c + 6` is the location blob itself.
    func readUnit(_ s: Statement, offset c: Int32, pointBlob: Bool = false) throws -> AdministrativeUnit {
        let code = s.text(c) ?? ""
        guard let level = s.textBytes(c + 2).flatMap(UnitLevel.init(utf8:)) else {
            throw StoreError.sqlite(path: path, code: 0, message: "unit \(code) has an unknown level", sql: "")
        }
        var boundary: MultiPolygon?
        if let wkb = s.blob(c + 5) {
            boundary = try Geometry(wkb: wkb).asMultiPolygon
        }
        var location: LonLat?
        if pointBlob {
            let point = try self.point(s, column: c + 6)
            if !point.lon.isNaN && !point.lat.isNaN { location = point }
        } else if let lon = s.double(c + 6), let lat = s.double(c + 7) {
            location = LonLat(lon, lat)
        }
        return AdministrativeUnit(code: code, name: s.text(c + 1) ?? "", level: level, parent: s.text(c + 3),
                                  population: s.int(c + 4), boundary: boundary, location: location,
                                  attributes: Attributes.decode(s.text(c + 8)))
    }

    static let facilityColumns = FacilityTable.selected(x: "X", y: "Y")

    /// The facility of a row of `facilityColumns` (with `location`, the point when the row holds it otherwise).
    func readFacility(_ s: Statement, location: LonLat? = nil) throws -> Facility {
        typealias C = FacilityTable
        let id = s.text(C.id) ?? ""
        guard let kind = FacilityKind(rawValue: s.text(C.kind) ?? "") else {
            throw StoreError.sqlite(path: path, code: 0, message: "facility \(id) has an unknown kind", sql: "")
        }
        var counts = FacilityCounts()
        for count in FacilityCount.allCases { counts[count] = s.int(C.count(count)) }
        return Facility(
            id: id, name: s.text(C.name) ?? "", kind: kind,
            location: location ?? LonLat(s.double(C.location) ?? .nan, s.double(C.location + 1) ?? .nan),
            unit: s.text(C.unit), counts: counts, inclusive: s.int(C.inclusive).map { $0 != 0 }, level: s.text(C.level),
            opened: s.text(C.opened).flatMap { Day(parsing: $0) }, closed: s.text(C.closed).flatMap { Day(parsing: $0) },
            attributes: Attributes.decode(s.text(C.attributes)))
    }

    /// The `WITH` and `WHERE` of a read of `selection`'s facilities (table alias `f`): fixed fragments chosen by which
    /// filters it has, every value a bound parameter (numbered in `values`' order).
    static func facilityFilter(_ selection: FacilitySelection) -> (with: String, where: String, values: [SQLValue]) {
        var values: [SQLValue] = []
        func parameter(_ value: SQLValue) -> String { values.append(value); return "?\(values.count)" }
        var with = "", clauses: [String] = []
        if let kind = selection.kind {
            clauses.append("f.kind = \(parameter(.text(kind.rawValue)))")
        } else {
            clauses.append("f.kind IN (\(knownKinds.map(parameter).joined(separator: ", ")))")
        }
        if let level = selection.level { clauses.append("f.level = \(parameter(.text(level)))") }
        if let code = selection.within {
            let unit = parameter(.text(code))
            with = """
                WITH RECURSIVE tree(code) AS (
                    SELECT code FROM units WHERE code = \(unit)
                    UNION SELECT u.code FROM units u JOIN tree t ON u.parent = t.code
                )
                """
            clauses.append("""
                (f.unit IN (SELECT code FROM tree)
                 OR ((f.unit IS NULL OR f.unit NOT IN (SELECT code FROM units))
                     AND f.pk IN (SELECT r.pkid FROM idx_facilities_location r, units b
                                  WHERE b.code = \(unit) AND r.xmin <= MbrMaxX(b.boundary) AND r.xmax >= MbrMinX(b.boundary)
                                    AND r.ymin <= MbrMaxY(b.boundary) AND r.ymax >= MbrMinY(b.boundary))
                     AND ST_Within(f.location, (SELECT boundary FROM units WHERE code = \(unit))) = 1))
                """)
        }
        if let box = selection.box {
            let (w, s, e, n) = (parameter(.real(box.minLon)), parameter(.real(box.minLat)), parameter(.real(box.maxLon)), parameter(.real(box.maxLat)))
            clauses.append("""
                f.pk IN (SELECT pkid FROM idx_facilities_location WHERE xmin <= \(e) AND xmax >= \(w) AND ymin <= \(n) AND ymax >= \(s))
                AND X(f.location) BETWEEN \(w) AND \(e) AND Y(f.location) BETWEEN \(s) AND \(n)
                """)
        }
        if let to = selection.openTo { clauses.append("(f.opened IS NULL OR f.opened <= \(parameter(.text(to.description))))") }
        if let from = selection.openFrom { clauses.append("(f.closed IS NULL OR f.closed > \(parameter(.text(from.description))))") }
        if let after = selection.after { clauses.append("f.id > \(parameter(.text(after)))") }
        if let before = selection.before { clauses.append("f.id < \(parameter(.text(before)))") }
        return (with, clauses.joined(separator: "\n  AND "), values)
    }

    /// Calls `body` with each facility `selection` takes, in id order. Rows are read one at a time: memory does not
    /// grow with the store; a page (`after` or `before`, `limit`) reads only its rows (the id index in order).
    public func forEachFacility(_ selection: FacilitySelection, _ body: (Facility) throws -> Void) throws {
        var (with, filter, values) = Self.facilityFilter(selection)
        values.append(.integer(Int64(selection.limit ?? -1)))
        let backwards = selection.before != nil
        let sql = """
            \(with)
            SELECT \(SQLiteStore.facilityColumns) FROM facilities f
            WHERE \(filter)
            ORDER BY f.id\(backwards ? " DESC" : "") LIMIT ?\(values.count)
            """
        // A separate statement, not the cache: `body` may read the store again.
        let statement = try Statement(database: db, sql: sql)
        defer { statement.finalize() }
        try statement.bind(values)
        if backwards {
            var page: [Facility] = []
            while try statement.step() { page.append(try readFacility(statement)) }
            for facility in page.reversed() { try body(facility) }
            return
        }
        while try statement.step() {
            try body(try readFacility(statement))
        }
    }

    public func facilityCount(_ selection: FacilitySelection) throws -> Int {
        let (with, filter, values) = Self.facilityFilter(selection.unpaged)
        let statement = try Statement(database: db, sql: "\(with)\nSELECT count(*) FROM facilities f WHERE \(filter)")
        defer { statement.finalize() }
        try statement.bind(values)
        return try statement.step() ? statement.int(0) ?? 0 : 0
    }

    /// Each facility whose point lies in `box`, in id order: the R*Tree finds the candidates, their points decide.
    public func forEachFacility(in box: BoundingBox, _ body: (Facility) throws -> Void) throws {
        let statement = try Statement(database: db, sql: """
            SELECT \(SQLiteStore.facilityColumns) FROM facilities
            WHERE pk IN (SELECT pkid FROM idx_facilities_location WHERE xmin <= ?3 AND xmax >= ?1 AND ymin <= ?4 AND ymax >= ?2)
              AND X(location) BETWEEN ?1 AND ?3 AND Y(location) BETWEEN ?2 AND ?4
              AND kind IN (\(SQLiteStore.kindParameters(from: 5)))
            ORDER BY id
            """)
        defer { statement.finalize() }
        try statement.bind([.real(box.minLon), .real(box.minLat), .real(box.maxLon), .real(box.maxLat)] + SQLiteStore.knownKinds)
        while try statement.step() { try body(try readFacility(statement)) }
    }

    /// The row numbers of the facilities imports `comparison` (`= ?1`, `> ?1`) the number bound to `?1` created (their
    /// runs of row numbers) or updated (their history rows): the one spelling of "what an import changed". The
    /// creations come first in the join (`CROSS JOIN`): SQLite would otherwise walk every facility.
    static func changedRows(byImports comparison: String) -> String {
        """
        SELECT f.pk FROM facility_creations c CROSS JOIN facilities f ON f.pk BETWEEN c.first_pk AND c.last_pk
        WHERE c.import \(comparison) ?1
        UNION SELECT facility FROM facility_history WHERE import \(comparison) ?1
        """
    }

    /// The ids of the facilities import `number` created or updated.
    public func facilityIDs(changedByImport number: Int) throws -> [String] {
        let statement = try Statement(database: db, sql: """
            SELECT id FROM facilities WHERE pk IN (\(Self.changedRows(byImports: "="))) ORDER BY id
            """)
        defer { statement.finalize() }
        try statement.bind([.integer(Int64(number))])
        var ids: [String] = []
        while try statement.step() { ids.append(statement.text(0) ?? "") }
        return ids
    }

    /// The facility with `id`, if stored.
    public func facility(id: String) throws -> Facility? {
        let statement = try db.statement("SELECT \(SQLiteStore.facilityColumns) FROM facilities WHERE id = ?")
        try statement.bind([.text(id)])
        guard try statement.step() else { return nil }
        let facility = try readFacility(statement)
        statement.reset()
        return facility
    }

    /// Facility counts per kind, in the order of `FacilityKind.allCases`, kinds with none left out.
    public func facilityCountsByKind() throws -> [(kind: FacilityKind, count: Int)] {
        let statement = try db.statement("SELECT kind, count(*) FROM facilities GROUP BY kind")
        var counts: [FacilityKind: Int] = [:]
        while try statement.step() {
            if let kind = FacilityKind(rawValue: statement.text(0) ?? "") { counts[kind] = statement.int(1) ?? 0 }
        }
        return FacilityKind.allCases.compactMap { kind in counts[kind].map { (kind, $0) } }
    }

    /// `?first, ?first+1, …`: one parameter per kind this build knows, bound to `knownKinds` (none is spliced in).
    static func kindParameters(from first: Int) -> String {
        FacilityKind.allCases.indices.map { "?\(first + $0)" }.joined(separator: ", ")
    }

    static let knownKinds = FacilityKind.allCases.map { SQLValue.text($0.rawValue) }

    /// Facility counts per registered unit code (nil: registered to none), counted in SQL; facilities of a kind
    /// this build does not know are left out.
    public func facilityCountsByUnit() throws -> [(unit: String?, count: Int)] {
        // Without unknown kinds the unit index alone answers; with them every row must be read for its kind.
        let unknown = try storedKinds().contains { FacilityKind(rawValue: $0) == nil }
        let statement = try db.statement(!unknown ? "SELECT unit, count(*) FROM facilities GROUP BY unit" : """
            SELECT unit, count(*) FROM facilities WHERE kind IN (\(Self.kindParameters(from: 1))) GROUP BY unit
            """)
        if unknown { try statement.bind(Self.knownKinds) }
        var counts: [(unit: String?, count: Int)] = []
        while try statement.step() { counts.append((statement.text(0), statement.int(1) ?? 0)) }
        return counts
    }

    /// The distinct kinds stored, known or not: one seek in the kind index per kind, not a scan.
    func storedKinds() throws -> [String] {
        let statement = try db.statement("""
            WITH RECURSIVE k(kind) AS (
                SELECT min(kind) FROM facilities
                UNION ALL SELECT (SELECT min(kind) FROM facilities WHERE kind > k.kind) FROM k WHERE k.kind IS NOT NULL
            )
            SELECT kind FROM k WHERE kind IS NOT NULL
            """)
        var kinds: [String] = []
        while try statement.step() { kinds.append(statement.text(0) ?? "") }
        return kinds
    }

    /// Unit counts per level, counted in SQL; levels with none are left out.
    public func unitCountsByLevel() throws -> [UnitLevel: Int] {
        let statement = try db.statement("SELECT level, count(*) FROM units GROUP BY level")
        var counts: [UnitLevel: Int] = [:]
        while try statement.step() {
            if let level = statement.textBytes(0).flatMap(UnitLevel.init(utf8:)) { counts[level] = statement.int(1) ?? 0 }
        }
        return counts
    }

    /// Every unit's code, level and parent code, in storage order: the tree without names or geometry.
    public func unitLinks() throws -> [(code: String, level: UnitLevel, parent: String?)] {
        let statement = try db.statement("SELECT code, level, parent FROM units")
        var links: [(code: String, level: UnitLevel, parent: String?)] = []
        while try statement.step() {
            let code = statement.text(0) ?? ""
            guard let level = statement.textBytes(1).flatMap(UnitLevel.init(utf8:)) else {
                throw StoreError.sqlite(path: path, code: 0, message: "unit \(code) has an unknown level", sql: "")
            }
            links.append((code, level, statement.text(2)))
        }
        return links
    }

    /// Calls `body` with the position of each facility registered to the unit `code` (nil: to no unit), as
    /// `X()` and `Y()` read it; facilities of a kind this build does not know are left out.
    public func forEachFacilityLocation(registeredTo code: String?, _ body: (LonLat) throws -> Void) throws {
        // A separate statement, not the cache: `body` may read the store again.
        let statement = try Statement(database: db, sql: """
            SELECT location FROM facilities WHERE unit IS ?1 AND kind IN (\(Self.kindParameters(from: 2)))
            """)
        defer { statement.finalize() }
        try statement.bind([SQLValue(code)] + Self.knownKinds)
        while try statement.step() { try body(try point(statement, column: 0)) }
    }

    /// Every facility's kind, registered unit and position, for tallies over the whole store.
    public func forEachFacilityPlacement(_ body: (FacilityKind, String?, LonLat) throws -> Void) throws {
        let statement = try Statement(database: db, sql: "SELECT kind, unit, X(location), Y(location) FROM facilities")
        defer { statement.finalize() }
        while try statement.step() {
            guard let kind = FacilityKind(rawValue: statement.text(0) ?? "") else { continue }
            try body(kind, statement.text(1), LonLat(statement.double(2) ?? .nan, statement.double(3) ?? .nan))
        }
    }

    /// The import log, oldest first.
    public func importLog() throws -> [ImportRecord] {
        let statement = try db.statement("""
            SELECT file, sha256, imported_at, layer, rows, new, updated, unchanged, rejected, author, pk
            FROM import_log ORDER BY pk
            """)
        var records: [ImportRecord] = []
        while try statement.step() {
            records.append(ImportRecord(
                file: statement.text(0) ?? "", sha256: statement.text(1) ?? "", importedAt: statement.text(2) ?? "",
                layer: statement.text(3) ?? "", rows: statement.int(4) ?? 0, new: statement.int(5) ?? 0,
                updated: statement.int(6) ?? 0, unchanged: statement.int(7) ?? 0, rejected: statement.int(8) ?? 0,
                author: statement.text(9), number: statement.int(10)))
        }
        return records
    }

    /// The last time a file with this SHA-256 was imported into `layer`, if ever.
    public func lastImport(sha256: String, layer: String) throws -> ImportRecord? {
        try importLog().last { $0.sha256 == sha256 && $0.layer == layer }
    }

    /// `PRAGMA integrity_check`: "ok" for a sound file.
    public func integrityCheck() throws -> String {
        try db.scalar("PRAGMA integrity_check")?.string ?? ""
    }
}

/// The store files this process has connections to. Closing any descriptor of a file drops every POSIX lock
/// the process holds on it (SQLite's among them), so a file open here is never opened outside SQLite.
enum OpenStores {
    struct FileID: Hashable {
        let device: UInt64
        let inode: UInt64
    }

    private static let lock = NSLock()
    nonisolated(unsafe) private static var counts: [FileID: Int] = [:]

    static func fileID(path: String) -> FileID? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return FileID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    static func register(path: String) -> FileID? {
        guard let id = fileID(path: path) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        counts[id, default: 0] += 1
        return id
    }

    static func unregister(_ id: FileID) {
        lock.lock()
        defer { lock.unlock() }
        counts[id] = (counts[id] ?? 1) > 1 ? counts[id]! - 1 : nil
    }

    static func isOpen(path: String) -> Bool {
        guard let id = fileID(path: path) else { return false }
        lock.lock()
        defer { lock.unlock() }
        return counts[id] != nil
    }
}

extension UnitLevel {
    /// The level whose raw value is exactly these bytes (the same answer as `init(rawValue:)` on their text:
    /// no other text is canonically equivalent to an ASCII level name).
    init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard let level = UnitLevel.allCases.first(where: { $0.rawValue.utf8.elementsEqual(bytes) }) else { return nil }
        self = level
    }
}
