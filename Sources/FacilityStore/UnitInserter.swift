import CSpatiaLite
import FacilityGeometry
import FacilityModel

/// Inserts units through one prepared statement, reporting a code that is stored already instead of failing:
/// the fast path of a unit import, which upserts only the rows whose code is taken.
/// Made by `StoreWriter.unitInserter()`; use it only inside that `write`.
public final class UnitInserter {
    private let db: Database
    private let statement: OpaquePointer
    /// The same insert for `rowsPerStatement` units at once: besides the per-statement cost, each run of the
    /// statement builds a table for the `level IN (…)` check.
    private let many: OpaquePointer
    static let rowsPerStatement = 64
    private let lookup: Statement
    private let point = UnsafeMutablePointer<UInt8>.allocate(capacity: SpatiaLiteBlob.pointByteCount)

    static func sql(rows: Int) -> String {
        "INSERT INTO units (code, name, level, parent, population, boundary, location, attributes) VALUES "
            + Array(repeating: "(?, ?, ?, ?, ?, CastToMultiPolygon(GeomFromWKB(?, 4326)), ?, ?)", count: rows)
            .joined(separator: ", ")
    }

    static let sql = sql(rows: 1)

    init(database: Database) throws {
        db = database
        statement = try database.preparePersistent(Self.sql)
        do {
            many = try database.preparePersistent(Self.sql(rows: Self.rowsPerStatement))
        } catch {
            sqlite3_finalize(statement)
            throw error
        }
        lookup = try Statement(database: database, sql: "SELECT pk FROM units WHERE code = ?")
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_finalize(many)
        lookup.finalize()
        point.deallocate()
    }

    /// Inserts `units` in order (each unless its code is stored already, also by an earlier one) and tells
    /// `outcome` what became of each (by position in `units`), in order.
    public func insert(_ units: [AdministrativeUnit], outcome: (Int, InsertOutcome) throws -> Void) throws {
        let k = Self.rowsPerStatement
        var start = 0
        while units.count - start >= k {
            for offset in 0..<k { bind(units[start + offset], to: many, first: Int32(8 * offset)) }
            let rc = sqlite3_step(many)
            sqlite3_reset(many)
            if rc == SQLITE_DONE {
                // Each row took the next rowid: the last one is the statement's last insert.
                let last = sqlite3_last_insert_rowid(db.handle)
                for offset in 0..<k { try outcome(start + offset, .inserted(pk: last - Int64(k - 1 - offset))) }
            } else if rc == SQLITE_CONSTRAINT_UNIQUE_CODE {
                // The statement stored nothing: row by row, to tell which codes are taken.
                for index in start..<(start + k) { try outcome(index, try insert(units[index])) }
            } else {
                throw db.error(rc, Self.sql(rows: k))
            }
            start += k
        }
        for index in start..<units.count { try outcome(index, try insert(units[index])) }
    }

    /// Inserts `unit`, unless a unit with its code is stored already (then nothing is written).
    public func insert(_ unit: AdministrativeUnit) throws -> InsertOutcome {
        bind(unit, to: statement, first: 0)
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        if rc == SQLITE_DONE { return .inserted(pk: sqlite3_last_insert_rowid(db.handle)) }
        if rc == SQLITE_CONSTRAINT_UNIQUE_CODE {
            try lookup.bind([.text(unit.code)])
            defer { lookup.reset() }
            if try lookup.step(), let pk = lookup.int(0) { return .duplicate(pk: Int64(pk)) }
        }
        throw db.error(rc, Self.sql)
    }

    /// Binds `unit` to parameters `first + 1` … `first + 8` of `s` (texts and BLOBs copied).
    private func bind(_ unit: AdministrativeUnit, to s: OpaquePointer, first: Int32) {
        func bindText(_ index: Int32, _ text: String?) {
            guard var text else { sqlite3_bind_null(s, first + index); return }
            text.withUTF8 { bytes in
                let pointer = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? Self.empty
                _ = sqlite3_bind_text(s, first + index, pointer, Int32(bytes.count), SQLITE_TRANSIENT)
            }
        }
        bindText(1, unit.code)
        bindText(2, unit.name)
        bindText(3, unit.level.rawValue)
        bindText(4, unit.parent)
        if let population = unit.population {
            sqlite3_bind_int64(s, first + 5, Int64(population))
        } else {
            sqlite3_bind_null(s, first + 5)
        }
        if let boundary = unit.boundary {
            let wkb = Geometry.multiPolygon(boundary).wkb
            wkb.withUnsafeBytes { _ = sqlite3_bind_blob(s, first + 6, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        } else {
            sqlite3_bind_null(s, first + 6)
        }
        if let location = unit.location {
            SpatiaLiteBlob.writePoint(location, to: point)
            sqlite3_bind_blob(s, first + 7, point, Int32(SpatiaLiteBlob.pointByteCount), SQLITE_TRANSIENT)
        } else {
            sqlite3_bind_null(s, first + 7)
        }
        bindText(8, Attributes.encode(unit.attributes))
    }

    private static let empty: UnsafePointer<CChar> = {
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()
}
