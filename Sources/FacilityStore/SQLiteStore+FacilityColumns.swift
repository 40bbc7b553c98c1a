import FacilityGeometry
import FacilityModel
import Foundation
import FacilityRegistry

extension SQLiteStore {
    /// Units (as `units()` gives them) and every facility as columns against them, on one snapshot: the same as
    /// `units()` then `facilityColumns(unitCodes:attributes:)` in one `read`. When the store allows, a second
    /// connection on the same snapshot reads part of the facilities meanwhile, on another thread.
    public func unitsAndFacilityColumns(attributes: Bool) throws -> (units: [AdministrativeUnit], facilities: FacilityColumns) {
        func oneConnection() throws -> (units: [AdministrativeUnit], facilities: FacilityColumns) {
            let units = try self.units()
            return (units, try facilityColumns(unitCodes: units.map(\.code), attributes: attributes))
        }
        // Inside a caller's transaction its snapshot is already taken: one connection only.
        if db.isInTransaction { return try oneConnection() }
        guard let helper = try? Database(path: path) else { return try read(oneConnection) }
        defer { helper.close() }
        let versionBefore = try helper.scalar("PRAGMA data_version")?.int
        return try read {
            // The codes alone come in order from the code index; `units()` gives the same list, in the same order.
            var codes: [String] = []
            let statement = try db.statement("SELECT code FROM units ORDER BY code")
            while try statement.step() { codes.append(statement.text(0) ?? "") }
            guard let first = try db.scalar("SELECT min(pk) FROM facilities")?.int,
                  let last = try db.scalar("SELECT max(pk) FROM facilities")?.int else { return try oneConnection() }
            return try helper.snapshot {
                // The helper's snapshot is this one when nothing was committed since before this one began.
                _ = try helper.scalar("SELECT 1 FROM facilities LIMIT 1")
                guard try helper.scalar("PRAGMA data_version")?.int == versionBefore else { return try oneConnection() }
                // A unit row costs about what a facility row does: the helper takes half of all rows, from the top.
                let split = max(first - 1, last - (codes.count + (last - first + 1)) / 2)
                let table = CodePositions(codes)
                let upper = Background<FacilityColumns, any Error> {
                    split >= last ? FacilityColumns()
                        : try Self.facilityColumns(in: helper, pk: (split + 1)...last, units: table, attributes: attributes)
                }
                let units = Result { try self.units() }
                // Room for all: the upper part is appended without moving the lower one.
                let lower = Result {
                    split < first ? FacilityColumns()
                        : try Self.facilityColumns(in: db, pk: first...split, units: table, attributes: attributes,
                                                   capacity: last - first + 1)
                }
                // Wait for the helper's part before anything may throw: the helper's transaction ends after this.
                let upperPart = Result { try upper.value() }
                var columns = try lower.get()
                let rest = try upperPart.get()
                let loaded = try units.get()
                guard loaded.map(\.code) == codes else { return (loaded, try facilityColumns(unitCodes: loaded.map(\.code), attributes: attributes)) }
                columns.append(contentsOf: rest)
                return (loaded, columns)
            }
        }
    }

    /// Every facility as columns, in storage order, with what measures need: registered units become positions in
    /// `unitCodes` (a code listed twice: its first position), and attributes are read only when `attributes`.
    /// Rows of an unknown kind are left out. Reads bytes straight from the columns: no `String` per row.
    public func facilityColumns(unitCodes: [String], attributes: Bool) throws -> FacilityColumns {
        try Self.facilityColumns(in: db, pk: nil, units: CodePositions(unitCodes), attributes: attributes)
    }

    /// The facilities that imports after number `importNumber` created or updated, as columns in storage order.
    public func facilityColumns(changedByImportsAfter importNumber: Int, unitCodes: [String], attributes: Bool) throws -> FacilityColumns {
        try Self.facilityColumns(in: db, changedAfter: importNumber, units: CodePositions(unitCodes), attributes: attributes)
    }

    /// The facilities with `pk` in `range` (all when nil), or (`changedAfter`) those imports after that number
    /// created or updated, as columns, each with its row number.
    /// The count columns, comma-separated.
    static let countList = FacilityCount.allCases.map(\.rawValue).joined(separator: ", ")

    static func facilityColumns(in db: Database, pk range: ClosedRange<Int>? = nil, changedAfter: Int? = nil, units: CodePositions,
                                attributes: Bool, capacity: Int? = nil) throws -> FacilityColumns {
        let rows = changedAfter == nil ? "WHERE ?1 IS NULL OR pk BETWEEN ?1 AND ?2"
            : "WHERE pk IN (\(SQLiteStore.changedRows(byImports: ">"))) ORDER BY pk"
        let statement = try Statement(database: db, sql: """
            SELECT kind, unit, \(Self.countList), inclusive, opened, closed, location, \(attributes ? "attributes" : "NULL"), pk
            FROM facilities \(rows)
            """)
        defer { statement.finalize() }
        try statement.bind(changedAfter.map { [.integer(Int64($0))] } ?? [SQLValue(range?.lowerBound), SQLValue(range?.upperBound)])
        let n = Int32(FacilityCount.allCases.count)
                let kinds = CodePositions(FacilityKind.allCases.map(\.rawValue))
        var days = DayReader()
        var columns = FacilityColumns()
        columns.reserveCapacity(capacity ?? range?.count ?? 0, attributes: attributes)
        // Short unit codes are looked up in batches (rows, keys), their rows' units filled in afterwards.
        let batch = 256
        var pendingRows: [Int] = [], pendingKeys: [CodePositions.ShortKey] = [], found = [Int32](repeating: -1, count: batch)
        pendingRows.reserveCapacity(batch)
        pendingKeys.reserveCapacity(batch)
        func resolvePending() {
            pendingKeys.withUnsafeBufferPointer { keys in
                found.withUnsafeMutableBufferPointer { units.positions(of: keys, into: $0) }
            }
            for (i, row) in pendingRows.enumerated() { columns.unit[row] = found[i] }
            pendingRows.removeAll(keepingCapacity: true)
            pendingKeys.removeAll(keepingCapacity: true)
        }
        while try statement.step() {
            guard let kindText = statement.textBytes(0) else { continue }
            let kind = kinds.position(of: kindText)
            guard kind >= 0 else { continue }
            var unit: Int32 = -1
            if let code = statement.textBytes(1) {
                if let key = units.shortKey(code) {
                    pendingRows.append(columns.count)
                    pendingKeys.append(key)
                } else {
                    unit = units.position(of: code)
                }
            }
            var counts = FacilityCounts()
            for count in FacilityCount.allCases { counts[count] = statement.int(2 + Int32(count.ordinal)) }
            columns.append(
                kindOrdinal: UInt8(kind), location: try point(statement, column: n + 5), unit: unit,
                counts: counts, inclusive: statement.int(n + 2).map { $0 != 0 } ?? false,
                opened: days.ordinal(statement.textBytes(n + 3)) ?? Int32.min,
                closed: days.ordinal(statement.textBytes(n + 4)) ?? Int32.max,
                attributes: attributes ? Attributes.decode(statement.text(n + 6)) : nil, rowNumber: Int64(statement.int(n + 7) ?? 0))
            if pendingKeys.count == batch { resolvePending() }
        }
        resolvePending()
        return columns
    }

    /// The point of a SpatiaLite geometry column, as `X()` and `Y()` read it (NaN when they give NULL). A plain
    /// XY point blob is read in place; anything else is asked of SpatiaLite.
    func point(_ statement: Statement, column: Int32) throws -> LonLat {
        try Self.point(statement, column: column)
    }

    static func point(_ statement: Statement, column: Int32) throws -> LonLat {
        guard let blob = statement.blob(column) else { return LonLat(.nan, .nan) }
        if let point = SpatiaLiteBlob.point(blob) { return point }
        let fallback = try statement.database.statement("SELECT X(?1), Y(?1)")
        try fallback.bind([.blob(Array(blob))])
        defer { fallback.reset() }
        guard try fallback.step() else { return LonLat(.nan, .nan) }
        return LonLat(fallback.double(0) ?? .nan, fallback.double(1) ?? .nan)
    }
}

extension SQLiteStore {
    /// The facilities at `positions` of `facilityColumns` (storage order, rows of an unknown kind left out), by
    /// position: how a measure's pick becomes a facility with its id and fields again. Reads every row's kind once.
    public func facilities(atColumnPositions positions: Set<Int>) throws -> [Int: Facility] {
        guard !positions.isEmpty else { return [:] }
        return try read {
            let known = Set(FacilityKind.allCases.map(\.rawValue))
            let scan = try Statement(database: db, sql: "SELECT pk, kind FROM facilities ORDER BY pk")
            defer { scan.finalize() }
            var position = 0
            var wanted: [(position: Int, pk: Int)] = []
            while try scan.step() {
                guard let kind = scan.text(1), known.contains(kind) else { continue }
                if positions.contains(position) { wanted.append((position, scan.int(0) ?? 0)) }
                position += 1
            }
            let one = try Statement(database: db, sql: "SELECT \(SQLiteStore.facilityColumns) FROM facilities WHERE pk = ?")
            defer { one.finalize() }
            var found: [Int: Facility] = [:]
            for (position, pk) in wanted {
                try one.bind([.integer(Int64(pk))])
                if try one.step() { found[position] = try readFacility(one) }
                one.reset()
            }
            return found
        }
    }
}
