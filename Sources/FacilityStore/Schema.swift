/// The store's schema, as an ordered list of migrations recorded in the database itself.
import FacilityRegistry
///
/// `PRAGMA application_id` marks a FacilityMap store; `PRAGMA user_version` is the number of
/// migrations applied. Migrations never change: a new schema is a new migration at the end.
struct Migration {
    let version: Int
    let name: String
    let sql: [String]
}

enum Schema {
    /// "FMAP" in ASCII: marks a SQLite file as a FacilityMap store.
    static let applicationID: Int32 = 0x464D_4150

    static let migrations: [Migration] = [
        Migration(version: 1, name: "units, facilities and the import log", sql: [
            """
            CREATE TABLE units (
                pk INTEGER PRIMARY KEY,
                code TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                level TEXT NOT NULL CHECK (level IN ('city', 'district', 'township', 'community', 'village')),
                parent TEXT,
                population INTEGER CHECK (population IS NULL OR population >= 0)
            )
            """,
            "SELECT AddGeometryColumn('units', 'boundary', 4326, 'MULTIPOLYGON', 'XY')",
            "SELECT AddGeometryColumn('units', 'location', 4326, 'POINT', 'XY')",
            "CREATE INDEX units_parent ON units (parent)",
            "CREATE INDEX units_level ON units (level)",
            """
            CREATE TABLE facilities (
                pk INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                kind TEXT NOT NULL,
                unit TEXT,
                beds INTEGER CHECK (beds IS NULL OR beds >= 0),
                doctors INTEGER CHECK (doctors IS NULL OR doctors >= 0),
                gps INTEGER CHECK (gps IS NULL OR gps >= 0),
                places INTEGER CHECK (places IS NULL OR places >= 0),
                inclusive INTEGER CHECK (inclusive IS NULL OR inclusive IN (0, 1)),
                level TEXT,
                opened TEXT,
                closed TEXT
            )
            """,
            "SELECT AddGeometryColumn('facilities', 'location', 4326, 'POINT', 'XY')",
            "CREATE INDEX facilities_kind ON facilities (kind)",
            "CREATE INDEX facilities_unit ON facilities (unit)",
            """
            CREATE TABLE import_log (
                pk INTEGER PRIMARY KEY,
                file TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                imported_at TEXT NOT NULL,
                layer TEXT NOT NULL,
                rows INTEGER NOT NULL,
                new INTEGER NOT NULL,
                updated INTEGER NOT NULL,
                unchanged INTEGER NOT NULL,
                rejected INTEGER NOT NULL
            )
            """,
            "SELECT CreateSpatialIndex('units', 'boundary')",
            "SELECT CreateSpatialIndex('units', 'location')",
            "SELECT CreateSpatialIndex('facilities', 'location')",
        ]),
        Migration(version: 2, name: "extra attributes of units and facilities", sql: [
            // Columns of the source that have no field of their own, as a JSON object of text values.
            "ALTER TABLE units ADD COLUMN attributes TEXT",
            "ALTER TABLE facilities ADD COLUMN attributes TEXT",
            "CREATE INDEX import_log_sha256 ON import_log (sha256)",
        ]),
        // No query uses these (listings scan in id or code order, counts scan the unique index); rebuilding
        // them after a bulk import of 3,000,000 facilities took 6 of its seconds.
        Migration(version: 3, name: "drop unused indexes", sql: [
            "DROP INDEX IF EXISTS facilities_kind",
            "DROP INDEX IF EXISTS facilities_unit",
            "DROP INDEX IF EXISTS units_level",
        ]),
        // The shared registry: who changed what (the import log says who; the history, each facility's old and
        // new values) and the tokens that may write.
        Migration(version: 4, name: "audit: authors, facility history, write tokens", sql: [
            "ALTER TABLE import_log ADD COLUMN author TEXT",
            // Updates and closings, with the changed fields' old and new values.
            """
            CREATE TABLE facility_history (
                pk INTEGER PRIMARY KEY,
                facility INTEGER NOT NULL,
                import INTEGER NOT NULL,
                action TEXT NOT NULL CHECK (action IN ('updated', 'closed')),
                old TEXT NOT NULL,
                new TEXT NOT NULL
            )
            """,
            "CREATE INDEX facility_history_facility ON facility_history (facility)",
            // Creations as runs of row numbers: an import creates its facilities with consecutive row numbers, so a
            // bulk load of millions is one row here (a row per facility cost a bulk load three times its time).
            """
            CREATE TABLE facility_creations (
                import INTEGER NOT NULL,
                first_pk INTEGER NOT NULL,
                last_pk INTEGER NOT NULL
            )
            """,
            "CREATE INDEX facility_creations_last ON facility_creations (last_pk)",
            """
            CREATE TABLE tokens (
                pk INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                sha256 TEXT NOT NULL UNIQUE,
                kinds TEXT,
                unit TEXT,
                created_at TEXT NOT NULL
            )
            """,
        ]),
        // Tokens that end (`token add --expires`) and the time each was last used (`token list`).
        Migration(version: 5, name: "tokens: expiry and last use", sql: [
            "ALTER TABLE tokens ADD COLUMN expires_on TEXT",
            "ALTER TABLE tokens ADD COLUMN last_used_at TEXT",
        ]),
        // The check after an import reads what it changed (its history rows) and the city and district names
        // without a scan of 3,000,000 facilities or 650,000 units; the partial index holds only those few thousand.
        Migration(version: 6, name: "what an import changed, and the cities and districts, by index", sql: [
            "CREATE INDEX facility_history_import ON facility_history (import)",
            "CREATE INDEX units_upper_levels ON units (code) WHERE level IN ('city', 'district')",
        ]),
        // The roads layer (#27): OSM ways (or a layer's lines) with their class, for walking distances. `id` orders
        // storage; `osm_id` is the way's id (a way cut by its extract may give several rows).
        Migration(version: 7, name: "roads", sql: [
            """
            CREATE TABLE roads (
                id INTEGER PRIMARY KEY,
                osm_id INTEGER NOT NULL,
                highway TEXT NOT NULL,
                name TEXT,
                oneway INTEGER NOT NULL DEFAULT 0 CHECK (oneway IN (-1, 0, 1)),
                foot TEXT,
                access TEXT
            )
            """,
            "SELECT AddGeometryColumn('roads', 'geometry', 4326, 'LINESTRING', 'XY')",
            "CREATE INDEX roads_osm_id ON roads (osm_id)",
            "SELECT CreateSpatialIndex('roads', 'geometry')",
        ]),
    ]

    static var currentVersion: Int { migrations.last!.version }
}
