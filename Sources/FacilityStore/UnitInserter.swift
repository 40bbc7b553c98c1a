import CSpatiaLite
import FacilityGeometry
import FacilityModel

/// Inserts units through one prepared statement, reporting a code that is stored already instead of failing:
/// the fast path of a unit import, which upserts only the rows whose code is taken.
/// Made by `StoreWriter.unitInserter()`; use it only inside that `write`.
public final class UnitInserter {
    private let db: Database
    private let statement: OpaquePointer
    private let lookup: Statement
    private let point = UnsafeMutablePointer<UInt8>.allocate(capacity: SpatiaLiteBlob.pointByteCount)

    static let sql = """
        INSERT INTO units (code, name, level, parent, population, boundary, location, attributes)
        VALUES (?1, ?2, ?3, ?4, ?5, CastToMultiPolygon(GeomFromWKB(?6, 4326)), ?7, ?8)
        """

    init(database: Database) throws {
        db = database
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v3(database.handle, Self.sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard rc == SQLITE_OK, let handle else { throw database.error(rc, Self.sql) }
        statement = handle
        lookup = try Statement(database: database, sql: "SELECT pk FROM units WHERE code = ?")
    }

    deinit {
        sqlite3_finalize(statement)
        lookup.finalize()
        point.deallocate()
    }

    /// Inserts `unit`, unless a unit with its code is stored already (then nothing is written).
    public func insert(_ unit: AdministrativeUnit) throws -> InsertOutcome {
        let s = statement
        sqlite3_bind_text(s, 1, unit.code, -1, SQLITE_TRANSIENT)
        sqlite3_bind_text(s, 2, unit.name, -1, SQLITE_TRANSIENT)
        sqlite3_bind_text(s, 3, unit.level.rawValue, -1, SQLITE_TRANSIENT)
        if let parent = unit.parent { sqlite3_bind_text(s, 4, parent, -1, SQLITE_TRANSIENT) } else { sqlite3_bind_null(s, 4) }
        if let population = unit.population { sqlite3_bind_int64(s, 5, Int64(population)) } else { sqlite3_bind_null(s, 5) }
        if let boundary = unit.boundary {
            let wkb = Geometry.multiPolygon(boundary).wkb
            wkb.withUnsafeBytes { _ = sqlite3_bind_blob(s, 6, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        } else {
            sqlite3_bind_null(s, 6)
        }
        if let location = unit.location {
            SpatiaLiteBlob.writePoint(location, to: point)
            sqlite3_bind_blob(s, 7, point, Int32(SpatiaLiteBlob.pointByteCount), SQLITE_TRANSIENT)
        } else {
            sqlite3_bind_null(s, 7)
        }
        if let json = Attributes.encode(unit.attributes) {
            sqlite3_bind_text(s, 8, json, -1, SQLITE_TRANSIENT)
        } else {
            sqlite3_bind_null(s, 8)
        }
        let rc = sqlite3_step(s)
        sqlite3_reset(s)
        if rc == SQLITE_DONE { return .inserted(pk: sqlite3_last_insert_rowid(db.handle)) }
        if rc == SQLITE_CONSTRAINT_UNIQUE_CODE {
            try lookup.bind([.text(unit.code)])
            defer { lookup.reset() }
            if try lookup.step(), let pk = lookup.int(0) { return .duplicate(pk: Int64(pk)) }
        }
        throw db.error(rc, Self.sql)
    }
}
