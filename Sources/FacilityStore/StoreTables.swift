import Foundation

/// One table of the store as another engine gets it: plain columns as text, geometry columns as WKB (hex), in the
/// order of `columns` then `geometries`. `facilitymap migrate` copies a registry table by table through these.
public struct StoreTable: Sendable, Equatable {
    public let name: String
    /// Plain columns; the first orders the rows.
    public let columns: [String]
    /// Geometry columns (SRID 4326): `boundary` multipolygons, `location` points.
    public let geometries: [String]
    /// Columns holding whole numbers (the rest are text).
    public let integers: Set<String>

    public var allColumns: [String] { columns + geometries }
}

extension FacilityStore {
    /// Every table of a registry, parents before the rows that point at them (units, facilities, the import log,
    /// facility history, creations, tokens).
    public static let tables: [StoreTable] = [
        StoreTable(name: "units", columns: ["pk", "code", "name", "level", "parent", "population", "attributes"],
                   geometries: ["boundary", "location"], integers: ["pk", "population"]),
        StoreTable(name: "facilities", columns: ["pk", "id", "name", "kind", "unit", "beds", "doctors", "gps", "places", "inclusive",
                                                 "level", "opened", "closed", "attributes"],
                   geometries: ["location"], integers: ["pk", "beds", "doctors", "gps", "places", "inclusive"]),
        StoreTable(name: "import_log", columns: ["pk", "file", "sha256", "imported_at", "layer", "rows", "new", "updated", "unchanged",
                                                 "rejected", "author"],
                   geometries: [], integers: ["pk", "rows", "new", "updated", "unchanged", "rejected"]),
        StoreTable(name: "facility_history", columns: ["pk", "facility", "import", "action", "old", "new"], geometries: [],
                   integers: ["pk", "facility", "import"]),
        StoreTable(name: "facility_creations", columns: ["first_pk", "last_pk", "import"], geometries: [],
                   integers: ["first_pk", "last_pk", "import"]),
        StoreTable(name: "tokens", columns: ["pk", "name", "sha256", "kinds", "unit", "created_at", "expires_on", "last_used_at"],
                   geometries: [], integers: ["pk"]),
    ]

    /// Calls `body` with every row of `table` in the order of its first column: text (nil for NULL), geometries as
    /// upper-case hex WKB. One snapshot.
    public func forEachRow(of table: StoreTable, _ body: ([String?]) throws -> Void) throws {
        precondition(Self.tables.contains(table), "not a table of the store")
        let select = (table.columns.map { "\"\($0)\"" } + table.geometries.map { "CASE WHEN \"\($0)\" IS NULL THEN NULL ELSE Hex(AsBinary(\"\($0)\")) END" }).joined(separator: ", ")
        try read {
            let statement = try Statement(database: db, sql: "SELECT \(select) FROM \(table.name) ORDER BY \"\(table.columns[0])\"")
            defer { statement.finalize() }
            let count = Int32(table.allColumns.count)
            while try statement.step() {
                try body((0..<count).map { statement.text($0) })
            }
        }
    }

    /// Inserts `rows` (as `forEachRow` gives them) into `table` of this store, whose tables must be empty; one
    /// transaction for all of `tables`' rows through `body`'s `insert`.
    public func insertRows(_ body: (_ insert: (StoreTable, [String?]) throws -> Void) throws -> Void) throws {
        try write { writer in
            for table in Self.tables {
                guard try db.scalar("SELECT count(*) FROM \(table.name)")?.int == 0 else {
                    throw StoreError.notEmpty(path: path, table: table.name)
                }
            }
            // Bulk loads: SpatiaLite's per-row triggers lifted, the R*Trees packed once at the end (row by row, the
            // triggers prepare SQL for every row: 20 s for a province instead of 2).
            let unitsLoad = try writer.beginBulkLoad(of: .units)
            let facilitiesLoad = try writer.beginBulkLoad(of: .facilities)
            var statements: [String: Statement] = [:]
            defer { statements.values.forEach { $0.finalize() } }
            try body { table, row in
                precondition(Self.tables.contains(table) && row.count == table.allColumns.count)
                let statement: Statement
                if let cached = statements[table.name] {
                    statement = cached
                } else {
                    let values = table.columns.map { _ in "?" } + table.geometries.map { name in
                        "GeomFromWKB(?, 4326)"
                    }
                    statement = try Statement(database: db, sql: "INSERT INTO \(table.name) (\(table.allColumns.map { "\"\($0)\"" }.joined(separator: ", "))) VALUES (\(values.joined(separator: ", ")))")
                    statements[table.name] = statement
                }
                var arguments: [SQLValue] = []
                for (k, name) in table.columns.enumerated() {
                    guard let text = row[k] else { arguments.append(.null); continue }
                    if table.integers.contains(name), let number = Int64(text) { arguments.append(.integer(number)) } else { arguments.append(.text(text)) }
                }
                for k in table.columns.count..<row.count {
                    arguments.append(row[k].map { .blob(Self.bytes(hex: $0)) } ?? .null)
                }
                try statement.bind(arguments)
                _ = try statement.step()
                statement.reset()
            }
            try writer.finishBulkLoad(facilitiesLoad)
            try writer.finishBulkLoad(unitsLoad)
        }
    }

    static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(hex.utf8.count / 2)
        var high: UInt8?
        for c in hex.utf8 {
            let v: UInt8
            switch c {
            case 48...57: v = c - 48
            case 65...70: v = c - 55
            case 97...102: v = c - 87
            default: continue
            }
            if let h = high { out.append(h << 4 | v); high = nil } else { high = v }
        }
        return out
    }
}
