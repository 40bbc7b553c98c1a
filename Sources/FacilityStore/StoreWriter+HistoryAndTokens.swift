import CSpatiaLite
import FacilityGeometry
import FacilityModel
import FacilityRegistry
import Foundation

// The shared registry's records: who imported what (`import_log.author`), each facility's history, and the
// tokens that may write. Schema: migration 4.

extension Database {
    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
}

extension StoreWriter {
    /// The number the import being written will take in `import_log` (its history rows name it).
    /// Stable for the transaction: the store has one writer at a time.
    func importNumber() throws -> Int64 {
        if let number = store.pendingImportNumber { return number }
        let number = Int64(try db.scalar("SELECT coalesce(max(pk), 0) + 1 FROM import_log")?.int ?? 1)
        store.pendingImportNumber = number
        return number
    }

    /// Records every facility from row `pk` on as created by this import (a bulk load calls it once at the end).
    public func recordCreations(fromPK pk: Int64) throws {
        try flushCreations()
        try db.run("""
            INSERT INTO facility_creations (import, first_pk, last_pk)
            SELECT ?1, (SELECT min(pk) FROM facilities WHERE pk >= ?2), (SELECT max(pk) FROM facilities)
            WHERE (SELECT max(pk) FROM facilities) >= ?2
            """, [.integer(try importNumber()), .integer(pk)])
        // (Each min and max on its own is one look-up in the row-number B-tree; min, max and count in one SELECT, or
        // max in a FROM subquery, scan every row: 0.2–0.4 s at 3,000,000.)
    }

    /// Notes that this import created row `pk`: consecutive rows are recorded as one run.
    func noteCreation(of pk: Int64) throws {
        if let run = store.pendingCreations, run.last + 1 == pk {
            store.pendingCreations = (run.first, pk)
            return
        }
        try flushCreations()
        store.pendingCreations = (pk, pk)
    }

    /// Writes the run of created rows noted so far.
    func flushCreations() throws {
        guard let run = store.pendingCreations else { return }
        store.pendingCreations = nil
        try db.run("INSERT INTO facility_creations (import, first_pk, last_pk) VALUES (?, ?, ?)",
                   [.integer(try importNumber()), .integer(run.first), .integer(run.last)])
    }

    /// Records the fields that changed from `old` to `new`: `closed` when a closing day was set, else `updated`.
    func recordUpdate(of pk: Int64, from old: Facility, to new: Facility) throws {
        let change = FacilityChange.between(old, new)
        try db.run("INSERT INTO facility_history (facility, import, action, old, new) VALUES (?, ?, ?, ?, ?)",
                   [.integer(pk), .integer(try importNumber()), .text(change.action.rawValue),
                    .text(change.old), .text(change.new)])
    }

    /// Adds a write token; its secret is kept only as `sha256`.
    public func addToken(_ token: WriteToken, sha256: String) throws {
        if try db.scalar("SELECT 1 FROM tokens WHERE name = ?", [.text(token.name)]) != nil {
            throw StoreError.tokenExists(name: token.name)
        }
        try db.run("INSERT INTO tokens (name, sha256, kinds, unit, created_at, expires_on) VALUES (?, ?, ?, ?, ?, ?)",
                   [.text(token.name), .text(sha256),
                    token.kinds.isEmpty ? .null : .text(token.kinds.map(\.rawValue).joined(separator: ",")),
                    SQLValue(token.unit), .text(token.createdAt), SQLValue(token.expiresOn)])
    }

    /// Records that the token named `name` was used at `time`.
    public func markTokenUsed(named name: String, at time: String) throws {
        try db.run("UPDATE tokens SET last_used_at = ? WHERE name = ?", [.text(time), .text(name)])
    }

    /// Removes the token named `name`; false when there is none.
    public func removeToken(named name: String) throws -> Bool {
        try db.run("DELETE FROM tokens WHERE name = ?", [.text(name)])
        return db.changes > 0
    }
}

extension SQLiteStore {
    /// Every write token, by name.
    public func tokens() throws -> [WriteToken] {
        let statement = try db.statement("SELECT name, kinds, unit, created_at, expires_on, last_used_at FROM tokens ORDER BY name")
        var tokens: [WriteToken] = []
        while try statement.step() { tokens.append(Self.token(statement)) }
        return tokens
    }

    /// The token whose secret has this SHA-256, if any.
    public func token(sha256: String) throws -> WriteToken? {
        let statement = try db.statement("SELECT name, kinds, unit, created_at, expires_on, last_used_at FROM tokens WHERE sha256 = ?")
        try statement.bind([.text(sha256)])
        guard try statement.step() else { return nil }
        let token = Self.token(statement)
        statement.reset()
        return token
    }

    private static func token(_ s: Statement) -> WriteToken {
        WriteToken(name: s.text(0) ?? "",
                   kinds: (s.text(1) ?? "").split(separator: ",").compactMap { FacilityKind(rawValue: String($0)) },
                   unit: s.text(2), createdAt: s.text(3) ?? "", expiresOn: s.text(4), lastUsedAt: s.text(5))
    }

    /// The changes to the facility `id`, oldest first; nil when no such facility is stored. Its creation (when
    /// recorded: facilities stored before schema 4 have none) gives every field as first stored: today's values
    /// with each field that an update changed taken from the first such update's old values.
    public func history(facilityID id: String) throws -> [FacilityChange]? {
        guard let facility = try facility(id: id),
              let pk = try db.scalar("SELECT pk FROM facilities WHERE id = ?", [.text(id)])?.int else { return nil }
        let logColumns = "l.file, l.sha256, l.imported_at, l.layer, l.rows, l.new, l.updated, l.unchanged, l.rejected, l.author, l.pk"
        func record(_ s: Statement, from c: Int32) -> ImportRecord {
            ImportRecord(file: s.text(c) ?? "", sha256: s.text(c + 1) ?? "", importedAt: s.text(c + 2) ?? "",
                         layer: s.text(c + 3) ?? "", rows: s.int(c + 4) ?? 0, new: s.int(c + 5) ?? 0,
                         updated: s.int(c + 6) ?? 0, unchanged: s.int(c + 7) ?? 0, rejected: s.int(c + 8) ?? 0,
                         author: s.text(c + 9), number: s.int(c + 10))
        }
        let updates = try Statement(database: db, sql: """
            SELECT h.action, h.old, h.new, \(logColumns)
            FROM facility_history h JOIN import_log l ON l.pk = h.import WHERE h.facility = ? ORDER BY h.pk
            """)
        defer { updates.finalize() }
        try updates.bind([.integer(Int64(pk))])
        var changes: [FacilityChange] = []
        while try updates.step() {
            changes.append(FacilityChange(action: FacilityChange.Action(rawValue: updates.text(0) ?? "") ?? .updated,
                                          importRecord: record(updates, from: 3), old: updates.text(1), new: updates.text(2)))
        }
        let creation = try Statement(database: db, sql: """
            SELECT \(logColumns) FROM facility_creations c JOIN import_log l ON l.pk = c.import
            WHERE c.last_pk >= ?1 AND c.first_pk <= ?1 LIMIT 1
            """)
        defer { creation.finalize() }
        try creation.bind([.integer(Int64(pk))])
        if try creation.step() {
            changes = FacilityChange.withCreation(of: facility, importRecord: record(creation, from: 0), changes: changes)
        }
        return changes
    }

    /// Up to `limit` facilities in id order after the id `after`, optionally of one kind and within a unit (as
    /// `forEachFacility` filters them).
    public func facilities(kind: FacilityKind? = nil, within code: String? = nil, after: String? = nil,
                           limit: Int) throws -> [Facility] {
        var page: [Facility] = []
        try forEachFacility(kind: kind, within: code, after: after, limit: limit) { page.append($0) }
        return page
    }

    /// Up to `limit` units in code order after the code `after`, optionally of one level and at or below `code`.
    public func units(level: UnitLevel? = nil, within code: String? = nil, after: String?, limit: Int) throws -> [AdministrativeUnit] {
        let statement = try Statement(database: db, sql: """
            WITH RECURSIVE tree(code) AS (
                SELECT code FROM units WHERE code = ?2
                UNION SELECT u.code FROM units u JOIN tree t ON u.parent = t.code
            )
            SELECT code, name, level, parent, population, AsBinary(boundary), location, NULL, attributes
            FROM units
            WHERE (?1 IS NULL OR level = ?1) AND (?2 IS NULL OR code IN (SELECT code FROM tree)) AND (?3 IS NULL OR code > ?3)
            ORDER BY code LIMIT ?4
            """)
        defer { statement.finalize() }
        try statement.bind([SQLValue(level?.rawValue), SQLValue(code), SQLValue(after), .integer(Int64(limit))])
        var units: [AdministrativeUnit] = []
        while try statement.step() { units.append(try readUnit(statement, offset: 0, pointBlob: true)) }
        return units
    }

    /// The unit with `code`, if stored.
    public func unit(code: String) throws -> AdministrativeUnit? {
        let statement = try Statement(database: db, sql: """
            SELECT code, name, level, parent, population, AsBinary(boundary), location, NULL, attributes FROM units WHERE code = ?
            """)
        defer { statement.finalize() }
        try statement.bind([.text(code)])
        return try statement.step() ? try readUnit(statement, offset: 0, pointBlob: true) : nil
    }

    /// The number of the last import recorded (0 when none): it changes with every import that commits.
    public func lastImportNumber() throws -> Int {
        try db.scalar("SELECT coalesce(max(pk), 0) FROM import_log")?.int ?? 0
    }
}

