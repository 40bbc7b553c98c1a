import FacilityGeometry
import FacilityModel
import FacilityRegistry
import Foundation

/// The writes of one `PostGISStore.update` transaction. New rows take row numbers after the largest stored (the
/// writer lock makes that safe); rows go in through COPY, updates through a COPY into a temporary table.
final class PostGISWriter: RegistryWriter {
    let store: PostGISStore
    var connection: PostgresConnection { store.connection }
    private var number: Int64?
    /// The run of facility rows this import created and has not yet recorded.
    private var pendingCreations: (first: Int64, last: Int64)?
    /// The ids of the rows `store(_:)` has taken in this transaction, by their bytes (in order: a file sorted by id
    /// costs no hashing), and each one's place among the rows handed over.
    private var storedIDs = CodeTable(ordered: true)
    private var placeOfStoredID: [Int32] = []
    private var handed = 0

    init(store: PostGISStore) { self.store = store }

    func scalar(_ sql: String, _ parameters: [String?] = []) throws -> Int64 {
        Int64(try connection.integer(sql, parameters) ?? 0)
    }

    /// The number this import takes in `import_log` (its history rows name it).
    func importNumber() throws -> Int64 {
        if let number { return number }
        let next = try scalar("SELECT coalesce(max(pk), 0) + 1 FROM import_log")
        number = next
        return next
    }

    static let facilityColumns = ["pk"] + FacilityTable.plain + ["attributes", "location"]

    static func row(_ f: Facility, pk: Int64) -> [String?] {
        [String(pk), f.id, f.name, f.kind.rawValue, f.unit] + FacilityCount.allCases.map { f.counts[$0].map(String.init) }
            + [f.inclusive.map { $0 ? "1" : "0" }, f.level, f.opened?.description, f.closed?.description,
               Attributes.encode(f.attributes), PostGISStore.ewkb(f.location)]
    }

    /// Upserts the rows whose ids this transaction has not stored yet (as values: the rows' bytes make no difference to
    /// COPY), each other row `.repeated`.
    func store(_ rows: FacilityRows) throws -> [RowOutcome] {
        var outcomes = [RowOutcome](repeating: .unchanged, count: rows.count)
        var facilities: [Facility] = [], positions: [Int] = []
        rows.withRows { count, row in
            for index in 0..<count {
                let number = storedIDs.insert(row(index).id)
                if number < placeOfStoredID.count {
                    outcomes[index] = .repeated(of: Int(placeOfStoredID[number]))
                } else {
                    placeOfStoredID.append(Int32(handed + index))
                    facilities.append(Facility(row(index)))
                    positions.append(index)
                }
            }
        }
        handed += rows.count
        for (position, outcome) in zip(positions, try upsert(facilities)) { outcomes[position] = RowOutcome(outcome) }
        return outcomes
    }

    func upsert(_ facilities: [Facility]) throws -> [UpsertOutcome] {
        var outcomes: [UpsertOutcome] = []
        outcomes.reserveCapacity(facilities.count)
        var start = 0
        while start < facilities.count {
            let part = facilities[start..<min(start + 10_000, facilities.count)]
            outcomes += try upsertPart(Array(part))
            start += part.count
        }
        return outcomes
    }

    private func upsertPart(_ facilities: [Facility]) throws -> [UpsertOutcome] {
        var stored: [String: (pk: Int64, value: Facility)] = [:]
        try connection.forEachRowAtOnce("""
            SELECT pk, \(PostGISStore.facilityColumns) FROM facilities WHERE id = ANY($1::text[])
            """, [PostGISStore.arrayLiteral(facilities.map(\.id))]) { row in
            let facility = try store.readFacility(row, from: 1)
            stored[facility.id] = (Int64(row.int(0) ?? 0), facility)
        }
        let (outcomes, inserted, updated) = try write(facilities, stored: stored, key: \.id, table: "facilities",
                                                      columns: Self.facilityColumns, row: Self.row)
        if let first = inserted {
            let last = first + Int64(outcomes.filter { $0 == .inserted }.count) - 1
            if let run = pendingCreations, run.last + 1 == first { pendingCreations = (run.first, last) }
            else { try flushCreations(); pendingCreations = (first, last) }
        }
        if !updated.isEmpty {
            let firstHistory = try scalar("SELECT coalesce(max(pk), 0) + 1 FROM facility_history")
            let number = String(try importNumber())
            try connection.copy(into: "facility_history", columns: ["pk", "facility", "import", "action", "old", "new"]) { send in
                for (i, change) in updated.enumerated() {
                    let history = FacilityChange.between(change.old, change.new)
                    try send([String(firstHistory + Int64(i)), String(change.pk), number, history.action.rawValue,
                              history.old, history.new])
                }
            }
        }
        return outcomes
    }

    /// Compares `items` with the `stored` rows of the same keys and writes what differs into `table`: the new rows
    /// through one COPY, numbered after the largest stored (returns the first number, nil when none), the changed ones
    /// through a COPY into a temporary table and one `UPDATE … FROM` it. Returns the outcome of each item, in order.
    private func write<T: Equatable>(_ items: [T], stored: [String: (pk: Int64, value: T)], key: (T) -> String,
                                     table: String, columns: [String], row: (T, Int64) throws -> [String?])
    throws -> (outcomes: [UpsertOutcome], firstInserted: Int64?, updated: [(pk: Int64, old: T, new: T)]) {
        var outcomes: [UpsertOutcome] = []
        var inserted: [T] = [], updated: [(pk: Int64, old: T, new: T)] = []
        for item in items {
            if let old = stored[key(item)] {
                if old.value == item { outcomes.append(.unchanged) }
                else { outcomes.append(.updated); updated.append((old.pk, old.value, item)) }
            } else {
                outcomes.append(.inserted)
                inserted.append(item)
            }
        }
        var first: Int64?
        if !inserted.isEmpty {
            let next = try scalar("SELECT coalesce(max(pk), 0) + 1 FROM \(table)")
            try connection.copy(into: table, columns: columns) { send in
                for (i, item) in inserted.enumerated() { try send(try row(item, next + Int64(i))) }
            }
            first = next
        }
        if !updated.isEmpty {
            // `table` and `columns` are this file's constants, never user data.
            let staged = "facilitymap_staged_\(table)"
            try connection.execute("""
                DROP TABLE IF EXISTS \(staged);
                CREATE TEMPORARY TABLE \(staged) (LIKE \(table)) ON COMMIT DROP
                """)
            try connection.copy(into: staged, columns: columns) { send in
                for change in updated { try send(try row(change.new, change.pk)) }
            }
            let assignments = columns.filter { $0 != "pk" }.map { "\"\($0)\" = s.\"\($0)\"" }.joined(separator: ", ")
            try connection.execute("UPDATE \(table) t SET \(assignments) FROM \(staged) s WHERE t.pk = s.pk; DROP TABLE \(staged)")
        }
        return (outcomes, first, updated)
    }

    private func flushCreations() throws {
        guard let run = pendingCreations else { return }
        pendingCreations = nil
        try connection.query("INSERT INTO facility_creations (\"import\", first_pk, last_pk) VALUES ($1::bigint, $2::bigint, $3::bigint)",
                             [String(try importNumber()), String(run.first), String(run.last)])
    }

    static let unitColumns = ["pk", "code", "name", "level", "parent", "population", "attributes", "boundary", "location"]

    static func row(_ u: AdministrativeUnit, pk: Int64) throws -> [String?] {
        [String(pk), u.code, u.name, u.level.rawValue, u.parent, u.population.map(String.init), Attributes.encode(u.attributes),
         try u.boundary.map(PostGISStore.ewkb), u.location.map(PostGISStore.ewkb)]
    }

    func upsert(_ units: [AdministrativeUnit]) throws -> [UpsertOutcome] {
        var stored: [String: (pk: Int64, value: AdministrativeUnit)] = [:]
        var start = 0
        while start < units.count {
            let part = units[start..<min(start + 10_000, units.count)]
            try connection.forEachRowAtOnce("""
                SELECT \(PostGISStore.unitColumns), pk FROM units WHERE code = ANY($1::text[])
                """, [PostGISStore.arrayLiteral(part.map(\.code))]) { row in
                let unit = try store.readUnit(row)
                stored[unit.code] = (Int64(row.int(9) ?? 0), unit)
            }
            start += part.count
        }
        // A re-import keeps what the file does not carry.
        let merged = units.map { unit in stored[unit.code].map { unit.merged(over: $0.value) } ?? unit }
        return try write(merged, stored: stored, key: \.code, table: "units", columns: Self.unitColumns, row: Self.row).outcomes
    }

    @discardableResult func record(_ record: ImportRecord) throws -> Int {
        try flushCreations()
        let number = try importNumber()
        try connection.query("""
            INSERT INTO import_log (pk, file, sha256, imported_at, layer, "rows", "new", updated, unchanged, rejected, author)
            VALUES ($1::bigint, $2, $3, $4, $5, $6::bigint, $7::bigint, $8::bigint, $9::bigint, $10::bigint, $11)
            """, [String(number), record.file, record.sha256, record.importedAt, record.layer, String(record.rows),
                  String(record.new), String(record.updated), String(record.unchanged), String(record.rejected), record.author])
        return Int(number)
    }

    func addToken(_ token: WriteToken, sha256: String) throws {
        if try !connection.query("SELECT 1 FROM tokens WHERE name = $1", [token.name]).isEmpty {
            throw StoreError.tokenExists(name: token.name)
        }
        try connection.query("""
            INSERT INTO tokens (pk, name, sha256, kinds, unit, created_at, expires_on)
            VALUES ((SELECT coalesce(max(pk), 0) + 1 FROM tokens), $1, $2, $3, $4, $5, $6)
            """, [token.name, sha256, token.kinds.isEmpty ? nil : token.kinds.map(\.rawValue).joined(separator: ","),
                  token.unit, token.createdAt, token.expiresOn])
    }

    func markTokenUsed(named name: String, at time: String) throws {
        try connection.query("UPDATE tokens SET last_used_at = $1 WHERE name = $2", [time, name])
    }

    func removeToken(named name: String) throws -> Bool {
        try !connection.query("DELETE FROM tokens WHERE name = $1 RETURNING 1", [name]).isEmpty
    }
}
