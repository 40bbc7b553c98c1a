import FacilityRegistry
import Foundation

extension SQLiteStore {
    /// Calls `body` with every row of `table` in the order of its first column: text (nil for NULL), geometries as
    /// upper-case hex WKB. One snapshot.
    public func forEachRow(of table: RegistryTable, _ body: ([String?]) throws -> Void) throws {
        precondition(RegistryTable.all.contains(table), "not a table of the store")
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
    public func insertRows(_ body: (_ insert: (RegistryTable, [String?]) throws -> Void) throws -> Void) throws {
        try write { writer in
            for table in RegistryTable.all {
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
                precondition(RegistryTable.all.contains(table) && row.count == table.allColumns.count)
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
