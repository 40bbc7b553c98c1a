import FacilityModel
import FacilityRegistry
import Foundation

/// The registry on PostgreSQL with PostGIS: the SQLite store's tables, column for column, with geometry columns
/// (SRID 4326) under GiST indexes, migrated by version like the SQLite store. This first part holds a registry and
/// copies it in and out without loss (`facilitymap migrate`); the commands still read and write SQLite stores.
public final class PostGISStore {
    public let connection: PostgresConnection

    /// The schema, by version: each version is the SQLite store's schema of that number.
    static let migrations: [(version: Int, name: String, sql: String)] = [
        (4, "units, facilities, the import log, facility history, creations, write tokens", """
            CREATE TABLE units (
                pk bigint PRIMARY KEY,
                code text COLLATE "C" NOT NULL UNIQUE,
                name text NOT NULL,
                level text NOT NULL CHECK (level IN ('city', 'district', 'township', 'community', 'village')),
                parent text COLLATE "C",
                population bigint CHECK (population IS NULL OR population >= 0),
                attributes text,
                boundary geometry(MultiPolygon, 4326),
                location geometry(Point, 4326)
            );
            CREATE INDEX units_parent ON units (parent);
            CREATE INDEX units_boundary ON units USING gist (boundary);
            CREATE INDEX units_location ON units USING gist (location);
            CREATE TABLE facilities (
                pk bigint PRIMARY KEY,
                id text COLLATE "C" NOT NULL UNIQUE,
                name text NOT NULL,
                kind text NOT NULL,
                unit text COLLATE "C",
                beds bigint CHECK (beds IS NULL OR beds >= 0),
                doctors bigint CHECK (doctors IS NULL OR doctors >= 0),
                gps bigint CHECK (gps IS NULL OR gps >= 0),
                places bigint CHECK (places IS NULL OR places >= 0),
                inclusive smallint CHECK (inclusive IS NULL OR inclusive IN (0, 1)),
                level text,
                opened text,
                closed text,
                attributes text,
                location geometry(Point, 4326)
            );
            CREATE INDEX facilities_location ON facilities USING gist (location);
            CREATE TABLE import_log (
                pk bigint PRIMARY KEY,
                file text NOT NULL,
                sha256 text NOT NULL,
                imported_at text NOT NULL,
                layer text NOT NULL,
                "rows" bigint NOT NULL,
                "new" bigint NOT NULL,
                updated bigint NOT NULL,
                unchanged bigint NOT NULL,
                rejected bigint NOT NULL,
                author text
            );
            CREATE INDEX import_log_sha256 ON import_log (sha256);
            CREATE TABLE facility_history (
                pk bigint PRIMARY KEY,
                facility bigint NOT NULL,
                "import" bigint NOT NULL,
                action text NOT NULL CHECK (action IN ('updated', 'closed')),
                old text NOT NULL,
                "new" text NOT NULL
            );
            CREATE INDEX facility_history_facility ON facility_history (facility);
            CREATE TABLE facility_creations (
                "import" bigint NOT NULL,
                first_pk bigint NOT NULL,
                last_pk bigint NOT NULL
            );
            CREATE INDEX facility_creations_last ON facility_creations (last_pk);
            CREATE TABLE tokens (
                pk bigint PRIMARY KEY,
                name text NOT NULL UNIQUE,
                sha256 text NOT NULL UNIQUE,
                kinds text,
                unit text,
                created_at text NOT NULL
            );
            """),
        (5, "tokens: expiry and last use", """
            ALTER TABLE tokens ADD COLUMN expires_on text;
            ALTER TABLE tokens ADD COLUMN last_used_at text;
            """),
        // As SQLite's migration 6: what an import changed, and the cities and districts, found by index.
        (6, "what an import changed, and the cities and districts, by index", """
            CREATE INDEX facility_history_import ON facility_history ("import");
            CREATE INDEX units_upper_levels ON units (code) WHERE level IN ('city', 'district');
            """),
        // As SQLite's migration 7: the roads layer, lines under a GiST index.
        (7, "roads", """
            CREATE TABLE roads (
                id bigint PRIMARY KEY,
                osm_id bigint NOT NULL,
                highway text NOT NULL,
                name text,
                oneway smallint NOT NULL DEFAULT 0 CHECK (oneway IN (-1, 0, 1)),
                foot text,
                access text,
                geometry geometry(LineString, 4326)
            );
            CREATE INDEX roads_osm_id ON roads (osm_id, id);
            CREATE INDEX roads_geometry ON roads USING gist (geometry);
            """),
    ]

    static var currentVersion: Int { migrations.last!.version }

    /// The advisory lock key held while the schema is prepared ("FMAPSCH" in ASCII).
    static let schemaLock: Int64 = 0x464D_4150_5343_48

    /// Connects to `url` (`postgresql://user@host:port/database`), makes sure PostGIS is there and brings the schema
    /// to the current version, each step in a transaction.
    public init(url: String) throws {
        connection = try PostgresConnection(url: url)
        // One process at a time prepares the schema: many may open a new database at once.
        try connection.query("SELECT pg_advisory_lock($1)", [String(Self.schemaLock)])
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [String(Self.schemaLock)]) }
        let postgis = try connection.query("SELECT 1 FROM pg_extension WHERE extname = 'postgis'")
        if postgis.isEmpty {
            do {
                try connection.execute("CREATE EXTENSION postgis")
            } catch {
                throw PostgresError(key: "postgres.no-postgis", connection.shownURL, "\(error)")
            }
        }
        try connection.execute("CREATE TABLE IF NOT EXISTS facilitymap_schema (version integer NOT NULL, name text NOT NULL, applied_at text NOT NULL)")
        let found = Int(try connection.query("SELECT coalesce(max(version), 0) FROM facilitymap_schema").first?.first??.description ?? "0") ?? 0
        if found > Self.currentVersion {
            throw PostgresError(key: "postgres.newer-schema", connection.shownURL, String(found), String(Self.currentVersion))
        }
        for migration in Self.migrations where migration.version > found {
            try connection.transaction {
                try connection.execute(migration.sql)
                try connection.query("INSERT INTO facilitymap_schema (version, name, applied_at) VALUES ($1, $2, $3)",
                                     [String(migration.version), migration.name, ISO8601DateFormatter().string(from: Date())])
            }
        }
    }

    /// The schema version the registry is at.
    public func schemaVersion() throws -> Int {
        Int(try connection.query("SELECT max(version) FROM facilitymap_schema").first?.first??.description ?? "0") ?? 0
    }

    /// How many rows each table holds.
    public func counts() throws -> [String: Int] {
        var out: [String: Int] = [:]
        for table in RegistryTable.all {
            out[table.name] = Int(try connection.query("SELECT count(*) FROM \(table.name)").first?.first??.description ?? "0") ?? 0
        }
        return out
    }

    /// Calls `body` with every row of `table` as `SQLiteStore.forEachRow` gives a SQLite store's: text, geometries as
    /// upper-case hex WKB, in the order of the first column. Rows come through a cursor, 10,000 at a time: memory does
    /// not grow with the table.
    public func forEachRow(of table: RegistryTable, _ body: ([String?]) throws -> Void) throws {
        precondition(RegistryTable.all.contains(table), "not a table of the registry")
        let select = (table.columns.map { "\"\($0)\"::text" } + table.geometries.map { "upper(encode(ST_AsBinary(\"\($0)\"), 'hex'))" })
            .joined(separator: ", ")
        try connection.forEachRow("SELECT \(select) FROM \(table.name) ORDER BY \(table.name).\"\(table.columns[0])\"") { row in
            try body((0..<table.allColumns.count).map { row.text($0) })
        }
    }

    /// Copies every row of `store` into this registry, whose tables must be empty: one transaction, one COPY per
    /// table. Returns the rows copied per table.
    @discardableResult
    public func copy(from store: any RegistryTableRows) throws -> [String: Int] {
        try connection.transaction {
            let counts = try counts()
            for name in RegistryTable.all.map(\.name) where (counts[name] ?? 0) > 0 {
                throw PostgresError(key: "postgres.not-empty", connection.shownURL, name)
            }
            var copied: [String: Int] = [:]
            for table in RegistryTable.all {
                var n = 0
                try connection.copy(into: table.name, columns: table.allColumns) { send in
                    try store.forEachRow(of: table) { row in
                        var row = row
                        for k in table.columns.count..<row.count { row[k] = try row[k].map(Self.ewkb) }
                        try send(row)
                        n += 1
                    }
                }
                copied[table.name] = n
            }
            return copied
        }
    }

    /// Copies every row of this registry into `store` (a new store of another engine), in one transaction there.
    public func copy(to store: any RegistryTableRows) throws {
        try store.insertRows { insert in
            for table in RegistryTable.all {
                try forEachRow(of: table) { try insert(table, $0) }
            }
        }
    }

    /// Hex WKB (little-endian, 2D, as SpatiaLite's `AsBinary` gives it) as hex EWKB with SRID 4326, which COPY reads
    /// into a geometry column.
    static func ewkb(_ hex: String) throws -> String {
        let bytes = Array(hex.utf8)
        guard bytes.count >= 10, bytes[0] == UInt8(ascii: "0"), bytes[1] == UInt8(ascii: "1") else {
            throw PostgresError("a geometry is not little-endian WKB — cannot copy it")
        }
        guard let type = UInt32(String(decoding: bytes[2..<10], as: UTF8.self), radix: 16).map({ $0.byteSwapped }) else {
            throw PostgresError("a geometry's WKB type is not readable")
        }
        let flagged = (type | 0x2000_0000).byteSwapped
        return "01" + String(format: "%08X", flagged) + "E6100000" + String(decoding: bytes[10...], as: UTF8.self)
    }
}
