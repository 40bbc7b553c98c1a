import FacilityGeometry
import FacilityModel
import FacilityRegistry
import Foundation

// The registry's reads and writes on PostgreSQL, as `SQLiteStore` gives them on SQLite: the same values in the same
// order (text keys compared as bytes, `COLLATE "C"`; storage order is row-number order), so that every command
// answers the same on either. Every value goes as a parameter or as COPY data; no SQL is built from user data.

extension PostGISStore: RegistryStore {
    public var location: String { connection.shownURL }

    public func close() { connection.close() }

    public var isUsable: Bool { connection.isUsable }

    /// One snapshot: a read-only transaction at REPEATABLE READ. PostgreSQL never blocks it behind a writer.
    public func read<T>(_ body: () throws -> T) throws -> T {
        try connection.transaction("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", body)
    }

    /// One transaction holding the registry's writer lock (a transaction-level advisory lock): writers take turns,
    /// each seeing what the one before committed; readers go on reading their snapshots meanwhile.
    public func update<T>(_ body: (any RegistryWriter) throws -> T) throws -> T {
        try connection.transaction {
            try connection.query("SELECT pg_advisory_xact_lock($1)", [String(Self.writerLock)])
            return try body(PostGISWriter(store: self))
        }
    }

    /// The advisory lock key every FacilityMap writer takes ("FMAPREG" in ASCII).
    static let writerLock: Int64 = 0x464D_4150_5245_47

    // MARK: Units

    static let unitColumns = "code, name, level, parent, population, encode(ST_AsBinary(boundary, 'NDR'), 'hex'), ST_X(location), ST_Y(location), attributes"

    func readUnit(_ row: PostgresRow) throws -> AdministrativeUnit {
        let code = row.text(0) ?? ""
        guard let level = row.text(2).flatMap(UnitLevel.init(rawValue:)) else {
            throw PostgresError("\(location): unit \(code) has an unknown level")
        }
        let boundary = try row.hexBytes(5).flatMap { try Geometry(wkb: $0).asMultiPolygon }
        var point: LonLat?
        if let lon = row.double(6), let lat = row.double(7) { point = LonLat(lon, lat) }
        return AdministrativeUnit(code: code, name: row.text(1) ?? "", level: level, parent: row.text(3),
                                  population: row.int(4), boundary: boundary, location: point,
                                  attributes: Attributes.decode(row.text(8)))
    }

    /// The subtree of units under `$2` (the unit itself included), for `WITH`.
    static let subtree = """
        WITH RECURSIVE tree(code) AS (
            SELECT code FROM units WHERE code = $2::text
            UNION SELECT u.code FROM units u JOIN tree t ON u.parent = t.code
        )
        """

    public func units(level: UnitLevel?, within code: String?) throws -> [AdministrativeUnit] {
        try unitsPage(level: level, within: code, after: nil, limit: nil)
    }

    public func units(level: UnitLevel?, within code: String?, after: String?, limit: Int) throws -> [AdministrativeUnit] {
        try unitsPage(level: level, within: code, after: after, limit: limit)
    }

    func unitsPage(level: UnitLevel?, within code: String?, after: String?, limit: Int?) throws -> [AdministrativeUnit] {
        var units: [AdministrativeUnit] = []
        try connection.forEachRow("""
            \(Self.subtree)
            SELECT \(Self.unitColumns) FROM units
            WHERE ($1::text IS NULL OR level = $1::text) AND ($2::text IS NULL OR code IN (SELECT code FROM tree))
              AND ($3::text IS NULL OR code > $3::text COLLATE "C")\(level == .city || level == .district ? " AND level IN ('city', 'district')" : "")
            ORDER BY code COLLATE "C" LIMIT $4::bigint
            """, [level?.rawValue, code, after, limit.map(String.init)], prefetching: true) { units.append(try readUnit($0)) }
        return units
    }

    public func unit(code: String) throws -> AdministrativeUnit? {
        var unit: AdministrativeUnit?
        try connection.forEachRowAtOnce("SELECT \(Self.unitColumns) FROM units WHERE code = $1", [code]) { unit = try readUnit($0) }
        return unit
    }

    public func containsUnit(code: String) throws -> Bool {
        try !connection.query("SELECT 1 FROM units WHERE code = $1", [code]).isEmpty
    }

    public func unitCodeTable() throws -> CodeTable {
        var table = CodeTable()
        try connection.forEachRow("SELECT code FROM units ORDER BY code COLLATE \"C\"") { row in
            if let code = row.bytes(0) { _ = code.withMemoryRebound(to: UInt8.self) { table.insert($0) } }
        }
        return table
    }

    public func unitLinks() throws -> [(code: String, level: UnitLevel, parent: String?)] {
        var links: [(code: String, level: UnitLevel, parent: String?)] = []
        try connection.forEachRow("SELECT code, level, parent FROM units ORDER BY pk") { row in
            let code = row.text(0) ?? ""
            guard let level = row.text(1).flatMap(UnitLevel.init(rawValue:)) else {
                throw PostgresError("\(location): unit \(code) has an unknown level")
            }
            links.append((code, level, row.text(2)))
        }
        return links
    }

    public func unitCountsByLevel() throws -> [UnitLevel: Int] {
        var counts: [UnitLevel: Int] = [:]
        try connection.forEachRowAtOnce("SELECT level, count(*) FROM units GROUP BY level") { row in
            if let level = row.text(0).flatMap(UnitLevel.init(rawValue:)) { counts[level] = row.int(1) ?? 0 }
        }
        return counts
    }

    // MARK: Facilities

    static let facilityColumns = FacilityTable.selected(x: "ST_X", y: "ST_Y")

    func readFacility(_ row: PostgresRow, from c: Int = 0) throws -> Facility {
        typealias C = FacilityTable
        func at(_ column: Int32) -> Int { c + Int(column) }
        let id = row.text(at(C.id)) ?? ""
        guard let kind = row.text(at(C.kind)).flatMap(FacilityKind.init(rawValue:)) else {
            throw PostgresError("\(location): facility \(id) has an unknown kind")
        }
        var counts = FacilityCounts()
        for count in FacilityCount.allCases { counts[count] = row.int(at(C.count(count))) }
        return Facility(
            id: id, name: row.text(at(C.name)) ?? "", kind: kind,
            location: LonLat(row.double(at(C.location)) ?? .nan, row.double(at(C.location) + 1) ?? .nan),
            unit: row.text(at(C.unit)), counts: counts, inclusive: row.int(at(C.inclusive)).map { $0 != 0 },
            level: row.text(at(C.level)), opened: row.text(at(C.opened)).flatMap { Day(parsing: $0) },
            closed: row.text(at(C.closed)).flatMap { Day(parsing: $0) }, attributes: Attributes.decode(row.text(at(C.attributes))))
    }

    static var knownKinds: String { "{" + FacilityKind.allCases.map(\.rawValue).joined(separator: ",") + "}" }

    public func facilityCount(kind: FacilityKind?) throws -> Int {
        try connection.integer("SELECT count(*) FROM facilities WHERE $1::text IS NULL OR kind = $1::text", [kind?.rawValue]) ?? 0
    }

    public func facilityCountsByKind() throws -> [(kind: FacilityKind, count: Int)] {
        var counts: [FacilityKind: Int] = [:]
        try connection.forEachRowAtOnce("SELECT kind, count(*) FROM facilities GROUP BY kind") { row in
            if let kind = row.text(0).flatMap(FacilityKind.init(rawValue:)) { counts[kind] = row.int(1) ?? 0 }
        }
        return FacilityKind.allCases.compactMap { kind in counts[kind].map { (kind, $0) } }
    }

    public func facilityCountsByUnit() throws -> [(unit: String?, count: Int)] {
        var counts: [(unit: String?, count: Int)] = []
        try connection.forEachRow("""
            SELECT unit, count(*) FROM facilities WHERE kind = ANY($1::text[]) GROUP BY unit ORDER BY unit COLLATE "C" NULLS FIRST
            """, [Self.knownKinds]) { counts.append(($0.text(0), $0.int(1) ?? 0)) }
        return counts
    }

    /// The `WITH` and `WHERE` of a read of `selection`'s facilities (alias `f`): fixed fragments chosen by which
    /// filters it has, every value a parameter (`$n` in `values`' order).
    static func facilityFilter(_ selection: FacilitySelection) -> (with: String, where: String, values: [String?]) {
        var values: [String?] = []
        func parameter(_ value: String, _ type: String) -> String { values.append(value); return "$\(values.count)::\(type)" }
        var with = "", clauses: [String] = []
        if let kind = selection.kind {
            clauses.append("f.kind = \(parameter(kind.rawValue, "text"))")
        } else {
            clauses.append("f.kind = ANY(\(parameter(knownKinds, "text[]")))")
        }
        if let level = selection.level { clauses.append("f.level = \(parameter(level, "text"))") }
        if let code = selection.within {
            let unit = parameter(code, "text")
            with = """
                WITH RECURSIVE tree(code) AS (
                    SELECT code FROM units WHERE code = \(unit)
                    UNION SELECT u.code FROM units u JOIN tree t ON u.parent = t.code
                )
                """
            clauses.append("""
                (f.unit IN (SELECT code FROM tree)
                 OR ((f.unit IS NULL OR f.unit NOT IN (SELECT code FROM units))
                     AND ST_Within(f.location, (SELECT boundary FROM units WHERE code = \(unit)))))
                """)
        }
        if let box = selection.box {
            let (w, s, e, n) = (parameter(String(box.minLon), "float8"), parameter(String(box.minLat), "float8"),
                                parameter(String(box.maxLon), "float8"), parameter(String(box.maxLat), "float8"))
            clauses.append("""
                f.location && ST_MakeEnvelope(\(w), \(s), \(e), \(n), 4326)
                AND ST_X(f.location) BETWEEN \(w) AND \(e) AND ST_Y(f.location) BETWEEN \(s) AND \(n)
                """)
        }
        if let to = selection.openTo { clauses.append("(f.opened IS NULL OR f.opened <= \(parameter(to.description, "text")))") }
        if let from = selection.openFrom { clauses.append("(f.closed IS NULL OR f.closed > \(parameter(from.description, "text")))") }
        if let after = selection.after { clauses.append("f.id > \(parameter(after, "text")) COLLATE \"C\"") }
        if let before = selection.before { clauses.append("f.id < \(parameter(before, "text")) COLLATE \"C\"") }
        return (with, clauses.joined(separator: "\n  AND "), values)
    }

    public func forEachFacility(_ selection: FacilitySelection, _ body: (Facility) throws -> Void) throws {
        var (with, filter, values) = Self.facilityFilter(selection)
        values.append(selection.limit.map(String.init))
        let backwards = selection.before != nil
        let sql = """
            \(with)
            SELECT \(Self.facilityColumns) FROM facilities f
            WHERE \(filter)
            ORDER BY f.id COLLATE "C"\(backwards ? " DESC" : "") LIMIT $\(values.count)::bigint
            """
        if backwards {
            var page: [Facility] = []
            try connection.forEachRow(sql, values, batch: min(selection.limit ?? 10_000, 10_000)) { page.append(try readFacility($0)) }
            for facility in page.reversed() { try body(facility) }
            return
        }
        try connection.forEachRow(sql, values, batch: min(selection.limit ?? 10_000, 10_000)) {
            try body(try readFacility($0))
        }
    }

    public func facilityCount(_ selection: FacilitySelection) throws -> Int {
        let (with, filter, values) = Self.facilityFilter(selection.unpaged)
        var count = 0
        try connection.forEachRow("\(with)\nSELECT count(*) FROM facilities f WHERE \(filter)", values) { count = $0.int(0) ?? 0 }
        return count
    }

    /// The GiST index finds the candidates (`&&`), their points decide.
    public func forEachFacility(in box: BoundingBox, _ body: (Facility) throws -> Void) throws {
        let edges = [box.minLon, box.minLat, box.maxLon, box.maxLat].map { String($0) }
        try connection.forEachRow("""
            SELECT \(Self.facilityColumns) FROM facilities
            WHERE location && ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326)
              AND ST_X(location) BETWEEN $1::float8 AND $3::float8 AND ST_Y(location) BETWEEN $2::float8 AND $4::float8
              AND kind = ANY($5::text[])
            ORDER BY id COLLATE "C"
            """, edges + [Self.knownKinds]) {
            try body(try readFacility($0))
        }
    }

    /// The row numbers of the facilities imports `comparison` (`=`, `>`) the number bound to `$1` created or updated:
    /// the one spelling of "what an import changed".
    static func changedRows(byImports comparison: String) -> String {
        """
        SELECT f.pk FROM facility_creations c JOIN facilities f ON f.pk BETWEEN c.first_pk AND c.last_pk
        WHERE c."import" \(comparison) $1::bigint
        UNION SELECT facility FROM facility_history WHERE "import" \(comparison) $1::bigint
        """
    }

    public func facilityIDs(changedByImport number: Int) throws -> [String] {
        var ids: [String] = []
        try connection.forEachRow("""
            SELECT id FROM facilities WHERE pk IN (\(Self.changedRows(byImports: "="))) ORDER BY id COLLATE "C"
            """, [String(number)]) { ids.append($0.text(0) ?? "") }
        return ids
    }

    public func facility(id: String) throws -> Facility? {
        var facility: Facility?
        try connection.forEachRowAtOnce("SELECT \(Self.facilityColumns) FROM facilities WHERE id = $1", [id]) {
            facility = try readFacility($0)
        }
        return facility
    }

    /// One query for the batch: the ids as one text array parameter.
    public func facilities(ids: [String]) throws -> [String: Facility] {
        guard !ids.isEmpty else { return [:] }
        var found: [String: Facility] = [:]
        try connection.forEachRowAtOnce("SELECT \(Self.facilityColumns) FROM facilities WHERE id = ANY($1::text[])",
                                        [Self.textArray(ids)]) {
            let facility = try readFacility($0)
            found[facility.id] = facility
        }
        return found
    }

    /// `values` as a PostgreSQL text array literal, every element quoted (commas, braces, quotes and backslashes
    /// inside an id stay data); bound as a parameter, never spliced into SQL.
    static func textArray(_ values: [String]) -> String {
        "{" + values.map { "\"" + $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
            .joined(separator: ",") + "}"
    }

    public func forEachFacilityLocation(registeredTo code: String?, _ body: (LonLat) throws -> Void) throws {
        try connection.forEachRow("""
            SELECT ST_X(location), ST_Y(location) FROM facilities
            WHERE unit IS NOT DISTINCT FROM $1::text AND kind = ANY($2::text[]) ORDER BY pk
            """, [code, Self.knownKinds]) { try body(LonLat($0.double(0) ?? .nan, $0.double(1) ?? .nan)) }
    }

    /// Kinds by ordinal, looked up from a column's bytes (-1: a kind this build does not know).
    static var kindPositions: CodePositions { CodePositions(FacilityKind.allCases.map(\.rawValue)) }

    public func unitsAndFacilityColumns(attributes: Bool) throws -> (units: [AdministrativeUnit], facilities: FacilityColumns) {
        try read {
            let units = try self.units(level: nil, within: nil)
            let columns = try facilityColumns(where: "", [], unitCodes: units.map(\.code), attributes: attributes,
                                              capacity: try facilityCount(kind: nil))
            return (units, columns)
        }
    }

    public func facilityColumns(changedByImportsAfter importNumber: Int, unitCodes: [String], attributes: Bool) throws -> FacilityColumns {
        try facilityColumns(where: "WHERE pk IN (\(Self.changedRows(byImports: ">")))", [String(importNumber)], unitCodes: unitCodes, attributes: attributes, capacity: 0)
    }

    /// The facilities `condition` selects (a constant SQL clause over bound `parameters`), as columns in storage order.
    func facilityColumns(where condition: String, _ parameters: [String?], unitCodes: [String], attributes: Bool,
                         capacity: Int) throws -> FacilityColumns {
        let positions = CodePositions(unitCodes)
        let kinds = Self.kindPositions
        var columns = FacilityColumns()
        columns.reserveCapacity(capacity, attributes: attributes)
        var days = DayReader()
        let n = FacilityCount.allCases.count
        try connection.forEachRow("""
            SELECT kind, unit, \(FacilityCount.allCases.map(\.rawValue).joined(separator: ", ")), inclusive, opened, closed,
                ST_X(location), ST_Y(location), \(attributes ? "attributes" : "NULL"), pk
            FROM facilities \(condition) ORDER BY pk
            """, parameters, prefetching: true) { row in
            guard let kindBytes = row.bytes(0) else { return }
            let kind = kinds.position(of: kindBytes)
            guard kind >= 0 else { return }
            var counts = FacilityCounts()
            for count in FacilityCount.allCases { counts[count] = row.int(2 + count.ordinal) }
            columns.append(
                kindOrdinal: UInt8(kind), location: LonLat(row.double(n + 5) ?? .nan, row.double(n + 6) ?? .nan),
                unit: row.bytes(1).map { positions.position(of: $0) } ?? -1, counts: counts,
                inclusive: row.int(n + 2).map { $0 != 0 } ?? false,
                opened: days.ordinal(row.bytes(n + 3)) ?? Int32.min, closed: days.ordinal(row.bytes(n + 4)) ?? Int32.max,
                attributes: attributes ? Attributes.decode(row.text(n + 7)) : nil, rowNumber: Int64(row.int(n + 8) ?? 0))
        }
        return columns
    }

    public func facilities(atColumnPositions positions: Set<Int>) throws -> [Int: Facility] {
        guard !positions.isEmpty else { return [:] }
        return try read {
            var position = 0
            var wanted: [(position: Int, pk: String)] = []
            let kinds = Self.kindPositions
            try connection.forEachRow("SELECT pk, kind FROM facilities ORDER BY pk") { row in
                guard let kind = row.bytes(1), kinds.position(of: kind) >= 0 else { return }
                if positions.contains(position) { wanted.append((position, row.text(0) ?? "")) }
                position += 1
            }
            var found: [Int: Facility] = [:]
            for (position, pk) in wanted {
                try connection.forEachRowAtOnce("SELECT \(Self.facilityColumns) FROM facilities WHERE pk = $1::bigint", [pk]) {
                    found[position] = try readFacility($0)
                }
            }
            return found
        }
    }

    public func forEachStoredFacility(_ body: (_ rowNumber: Int64, _ createdBy: Int?, _ facility: Facility) throws -> Void) throws {
        try read {
            var runs = try creationRuns()
            try connection.forEachRow("""
                SELECT \(Self.facilityColumns), pk FROM facilities WHERE kind = ANY($1::text[]) ORDER BY pk
                """, [Self.knownKinds]) { row in
                let pk = row.int(Int(FacilityTable.pk)) ?? 0
                try body(Int64(pk), runs.creator(of: pk), try readFacility(row))
            }
        }
    }

    /// Which import created each facility row (`facility_creations`), for a read in row-number order.
    private func creationRuns() throws -> CreationRuns {
        var runs = CreationRuns()
        try connection.forEachRow("SELECT first_pk, last_pk, \"import\" FROM facility_creations ORDER BY first_pk") {
            runs.append(first: $0.int(0) ?? 0, last: $0.int(1) ?? 0, import: $0.int(2) ?? -1)
        }
        return runs
    }

    public func facilityRecords(unitCodes: [String]) throws -> (records: FacilityRecords, imports: [Int: String]) {
        try read {
            var imports: [Int: String] = [:]
            try connection.forEachRow("SELECT pk, file FROM import_log") { imports[$0.int(0) ?? 0] = $0.text(1) ?? "" }
            var runs = try creationRuns()
            var records = FacilityRecords()
            records.reserveCapacity(try facilityCount(kind: nil))
            let units = CodePositions(unitCodes)
            let kinds = Self.kindPositions
            var days = DayReader()
            try connection.forEachRow("""
                SELECT pk, id, name, kind, unit, beds, places, opened, closed, ST_X(location), ST_Y(location) FROM facilities ORDER BY pk
                """, prefetching: true) { row in
                guard let kindBytes = row.bytes(3) else { return }
                let kind = kinds.position(of: kindBytes)
                guard kind >= 0 else { return }
                let pk = row.int(0) ?? 0
                let source = Int32(runs.creator(of: pk) ?? -1)
                var unit: Int32 = -1
                var unknown: String?
                if let code = row.bytes(4) {
                    unit = units.position(of: code)
                    if unit < 0 { unit = -2; unknown = row.text(4) }
                }
                records.append(id: row.text(1) ?? "", name: row.bytes(2), kind: FacilityKind(ordinal: UInt8(kind)),
                               location: LonLat(row.double(9) ?? .nan, row.double(10) ?? .nan), unit: unit,
                               unknownUnit: unknown, beds: row.int(5), places: row.int(6),
                               opened: days.ordinal(row.bytes(7)) ?? 0, closed: days.ordinal(row.bytes(8)) ?? 0, source: source)
            }
            return (records, imports)
        }
    }

    // MARK: Import log, history, tokens

    static let logColumns = "l.file, l.sha256, l.imported_at, l.layer, l.\"rows\", l.\"new\", l.updated, l.unchanged, l.rejected, l.author, l.pk"

    static func importRecord(_ row: PostgresRow, from c: Int) -> ImportRecord {
        ImportRecord(file: row.text(c) ?? "", sha256: row.text(c + 1) ?? "", importedAt: row.text(c + 2) ?? "",
                     layer: row.text(c + 3) ?? "", rows: row.int(c + 4) ?? 0, new: row.int(c + 5) ?? 0,
                     updated: row.int(c + 6) ?? 0, unchanged: row.int(c + 7) ?? 0, rejected: row.int(c + 8) ?? 0,
                     author: row.text(c + 9), number: row.int(c + 10))
    }

    public func importLog() throws -> [ImportRecord] {
        var records: [ImportRecord] = []
        try connection.forEachRow("SELECT \(Self.logColumns) FROM import_log l ORDER BY pk") {
            records.append(Self.importRecord($0, from: 0))
        }
        return records
    }

    public func lastImportNumber() throws -> Int {
        try connection.integer("SELECT coalesce(max(pk), 0) FROM import_log") ?? 0
    }

    public func history(facilityID id: String) throws -> [FacilityChange]? {
        try read {
            guard let facility = try facility(id: id),
                  let pk = try connection.integer("SELECT pk FROM facilities WHERE id = $1", [id]).map(String.init)
            else { return nil }
            var changes: [FacilityChange] = []
            try connection.forEachRowAtOnce("""
                SELECT h.action, h.old, h."new", \(Self.logColumns)
                FROM facility_history h JOIN import_log l ON l.pk = h."import" WHERE h.facility = $1::bigint ORDER BY h.pk
                """, [pk]) { row in
                changes.append(FacilityChange(action: FacilityChange.Action(rawValue: row.text(0) ?? "") ?? .updated,
                                              importRecord: Self.importRecord(row, from: 3), old: row.text(1), new: row.text(2)))
            }
            var creation: ImportRecord?
            try connection.forEachRowAtOnce("""
                SELECT \(Self.logColumns) FROM facility_creations c JOIN import_log l ON l.pk = c."import"
                WHERE c.last_pk >= $1::bigint AND c.first_pk <= $1::bigint LIMIT 1
                """, [pk]) { creation = Self.importRecord($0, from: 0) }
            if let creation { changes = FacilityChange.withCreation(of: facility, importRecord: creation, changes: changes) }
            return changes
        }
    }

    static func token(_ row: PostgresRow) -> WriteToken {
        WriteToken(name: row.text(0) ?? "",
                   kinds: (row.text(1) ?? "").split(separator: ",").compactMap { FacilityKind(rawValue: String($0)) },
                   unit: row.text(2), createdAt: row.text(3) ?? "", expiresOn: row.text(4), lastUsedAt: row.text(5))
    }

    public func tokens() throws -> [WriteToken] {
        var tokens: [WriteToken] = []
        try connection.forEachRowAtOnce("SELECT name, kinds, unit, created_at, expires_on, last_used_at FROM tokens ORDER BY name COLLATE \"C\"") {
            tokens.append(Self.token($0))
        }
        return tokens
    }

    public func token(sha256: String) throws -> WriteToken? {
        var token: WriteToken?
        try connection.forEachRowAtOnce("SELECT name, kinds, unit, created_at, expires_on, last_used_at FROM tokens WHERE sha256 = $1", [sha256]) {
            token = Self.token($0)
        }
        return token
    }

    // MARK: Encoding

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789ABCDEF".utf8)
        var out = [UInt8](repeating: 0, count: bytes.count * 2)
        for (i, byte) in bytes.enumerated() {
            out[2 * i] = digits[Int(byte >> 4)]
            out[2 * i + 1] = digits[Int(byte & 15)]
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func bytes(hex: String) -> [UInt8] {
        let text = Array(hex.utf8)
        func nibble(_ b: UInt8) -> UInt8 { b <= 57 ? b - 48 : (b | 0x20) - 87 }
        return (0..<text.count / 2).map { nibble(text[2 * $0]) << 4 | nibble(text[2 * $0 + 1]) }
    }

    /// A point as hex EWKB with SRID 4326, as COPY reads it into a geometry column.
    static func ewkb(_ point: LonLat) -> String {
        var bytes: [UInt8] = [1, 1, 0, 0, 0x20, 0xE6, 0x10, 0, 0]
        withUnsafeBytes(of: point.lon.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        withUnsafeBytes(of: point.lat.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        return hex(bytes)
    }

    /// A multipolygon as hex EWKB with SRID 4326.
    static func ewkb(_ polygons: MultiPolygon) throws -> String {
        try ewkb(hex(Geometry.multiPolygon(polygons).wkb))
    }

    /// Text as a PostgreSQL array literal's element list, for an `= ANY($1::text[])` parameter.
    static func arrayLiteral(_ items: some Sequence<String>) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for var item in items {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            item.withUTF8 { bytes in
                for byte in bytes {
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { out.append(UInt8(ascii: "\\")) }
                    out.append(byte)
                }
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
