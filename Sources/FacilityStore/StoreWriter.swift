import FacilityGeometry
import FacilityModel

/// Writes inside one transaction opened by `FacilityStore.write`.
public struct StoreWriter {
    let store: FacilityStore
    var db: Database { store.db }

    /// Inserts the unit, or updates the stored one with the same code; says which, or that nothing changed.
    @discardableResult
    public func upsert(_ unit: AdministrativeUnit) throws -> UpsertOutcome {
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
            if stored == unit { return .unchanged }
        }
        let arguments: [SQLValue] = [
            .text(unit.code), .text(unit.name), .text(unit.level.rawValue), SQLValue(unit.parent),
            SQLValue(unit.population), unit.boundary.map { .blob(Geometry.multiPolygon($0).wkb) } ?? .null,
            SQLValue(unit.location?.lon), SQLValue(unit.location?.lat), SQLValue(Attributes.encode(unit.attributes)),
        ]
        if let pk {
            try db.run("""
                UPDATE units SET code = ?1, name = ?2, level = ?3, parent = ?4, population = ?5,
                    boundary = CastToMultiPolygon(GeomFromWKB(?6, 4326)), location = MakePoint(?7, ?8, 4326),
                    attributes = ?9
                WHERE pk = ?10
                """, arguments + [.integer(Int64(pk))])
            return .updated
        }
        try db.run("""
            INSERT INTO units (code, name, level, parent, population, boundary, location, attributes)
            VALUES (?1, ?2, ?3, ?4, ?5, CastToMultiPolygon(GeomFromWKB(?6, 4326)), MakePoint(?7, ?8, 4326), ?9)
            """, arguments)
        return .inserted
    }

    /// Inserts the facility, or updates the stored one with the same id; says which, or that nothing changed.
    @discardableResult
    public func upsert(_ facility: Facility) throws -> UpsertOutcome {
        let existing = try db.statement("SELECT \(FacilityStore.facilityColumns), pk FROM facilities WHERE id = ?")
        try existing.bind([.text(facility.id)])
        var pk: Int?
        if try existing.step() {
            pk = existing.int(15)
            let stored = try store.readFacility(existing)
            existing.reset()
            if stored == facility { return .unchanged }
        }
        let arguments: [SQLValue] = [
            .text(facility.id), .text(facility.name), .text(facility.kind.rawValue), SQLValue(facility.unit),
            SQLValue(facility.beds), SQLValue(facility.doctors), SQLValue(facility.gps), SQLValue(facility.places),
            SQLValue(facility.inclusive), SQLValue(facility.level), SQLValue(facility.opened?.description),
            SQLValue(facility.closed?.description), .real(facility.location.lon), .real(facility.location.lat),
            SQLValue(Attributes.encode(facility.attributes)),
        ]
        if let pk {
            try db.run("""
                UPDATE facilities SET id = ?1, name = ?2, kind = ?3, unit = ?4, beds = ?5, doctors = ?6, gps = ?7,
                    places = ?8, inclusive = ?9, level = ?10, opened = ?11, closed = ?12,
                    location = MakePoint(?13, ?14, 4326), attributes = ?15
                WHERE pk = ?16
                """, arguments + [.integer(Int64(pk))])
            return .updated
        }
        try db.run("""
            INSERT INTO facilities (id, name, kind, unit, beds, doctors, gps, places, inclusive, level, opened, closed,
                location, attributes)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, MakePoint(?13, ?14, 4326), ?15)
            """, arguments)
        return .inserted
    }

    /// Records an import in `import_log`.
    public func record(_ record: ImportRecord) throws {
        try db.run("""
            INSERT INTO import_log (file, sha256, imported_at, layer, rows, new, updated, unchanged, rejected)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, [.text(record.file), .text(record.sha256), .text(record.importedAt), .text(record.layer),
                  SQLValue(record.rows), SQLValue(record.new), SQLValue(record.updated), SQLValue(record.unchanged),
                  SQLValue(record.rejected)])
    }

    /// Drops the facilities' R*Tree so a bulk load does not update it row by row; `rebuildFacilityIndex`
    /// builds it again from the table. Both run inside the transaction, so a crash leaves the old index.
    public func suspendFacilityIndex() throws {
        _ = try db.scalar("SELECT DisableSpatialIndex('facilities', 'location')")
        try db.execute("DROP TABLE IF EXISTS idx_facilities_location")
    }

    /// Builds the facilities' R*Tree from the table (after `suspendFacilityIndex`).
    public func rebuildFacilityIndex() throws {
        guard try db.scalar("SELECT CreateSpatialIndex('facilities', 'location')")?.int == 1 else {
            throw StoreError.sqlite(path: store.path, code: 0, message: "SpatiaLite could not build the spatial index",
                                    sql: "SELECT CreateSpatialIndex('facilities', 'location')")
        }
    }
}
