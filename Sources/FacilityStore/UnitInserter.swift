import CSpatiaLite
import FacilityGeometry
import FacilityModel

/// Inserts units through prepared statements, reporting a code that is stored already instead of failing:
/// the fast path of a unit import, which upserts only the rows whose code is taken.
/// Made by `StoreWriter.unitInserter(for:)`; use it only inside that `write`.
public final class UnitInserter {
    private let db: Database
    private let statement: OpaquePointer
    /// The same insert for `rowsPerStatement` units at once: besides the per-statement cost, each run of the
    /// statement builds a table for the `level IN (…)` check.
    private let many: OpaquePointer
    /// `many` for units without a boundary (points from CSV), which calls no SpatiaLite function.
    private let points: OpaquePointer
    static let rowsPerStatement = 64
    private let lookup: Statement
    /// The texts and point BLOBs of one run of a statement, bound without copying.
    private var arena: UnsafeMutableRawBufferPointer
    /// Each level's name, in the order of `UnitLevel.allCases`.
    private let levelNames: [UnsafeMutableBufferPointer<UInt8>]
    /// The location's R*Tree entry of every row inserted, when collected, and the pks this inserter gave.
    var indexEntries: [PackedRTree.Entry]?
    private(set) var firstPK: Int64?
    private(set) var lastPK: Int64 = 0
    private(set) var insertedCount = 0
    /// How many units were not inserted because their code is stored.
    private(set) var duplicateCount = 0
    /// Whether a unit inserted has a boundary.
    private(set) var insertedBoundary = false

    /// `OR FAIL`: a taken code stops the statement but keeps the rows before it, so SQLite need not keep a
    /// statement journal to undo them (a copy of every page the statement changes).
    static func sql(rows: Int, boundary: Bool = true) -> String {
        let row = boundary ? "(?, ?, ?, ?, ?, CastToMultiPolygon(GeomFromWKB(?, 4326)), ?, ?)" : "(?, ?, ?, ?, ?, ?, ?, ?)"
        return "INSERT OR FAIL INTO units (code, name, level, parent, population, boundary, location, attributes) VALUES "
            + Array(repeating: row, count: rows).joined(separator: ", ")
    }

    static let sql = sql(rows: 1)

    init(database: Database) throws {
        db = database
        var prepared: [OpaquePointer] = []
        do {
            for sql in [Self.sql, Self.sql(rows: Self.rowsPerStatement), Self.sql(rows: Self.rowsPerStatement, boundary: false)] {
                prepared.append(try database.preparePersistent(sql))
            }
            lookup = try Statement(database: database, sql: "SELECT pk FROM units WHERE code = ?")
        } catch {
            prepared.forEach { sqlite3_finalize($0) }
            throw error
        }
        (statement, many, points) = (prepared[0], prepared[1], prepared[2])
        arena = .allocate(byteCount: 64 * 1024, alignment: 8)
        levelNames = UnitLevel.allCases.map { level in
            let bytes = Array(level.rawValue.utf8)
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
            _ = buffer.initialize(from: bytes)
            return buffer
        }
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_finalize(many)
        sqlite3_finalize(points)
        lookup.finalize()
        arena.deallocate()
        levelNames.forEach { $0.deallocate() }
    }

    /// Inserts `units` in order (each unless its code is stored already, also by an earlier one) and tells
    /// `outcome` what became of each (by position in `units`), in order.
    ///
    /// The table's CHECK constraints are not evaluated meanwhile (also not by what `outcome` writes): a unit's
    /// level is valid by its type and its population is checked here, and SQLite builds the table for
    /// `level IN (…)` again for every row (0.9 s of a 650,000-unit import).
    public func insert(_ units: [AdministrativeUnit], outcome: (Int, InsertOutcome) throws -> Void) throws {
        try insert(OrderedUnits(units), outcome: outcome)
    }

    /// Inserts `units` in their order, as `insert(_:outcome:)` does.
    public func insert(_ units: OrderedUnits, outcome: (Int, InsertOutcome) throws -> Void) throws {
        // A flag pragma expires prepared statements: set once around the whole insert, not per statement.
        try db.execute("PRAGMA ignore_check_constraints = ON")
        defer { try? db.execute("PRAGMA ignore_check_constraints = OFF") }
        let k = Self.rowsPerStatement
        var start = 0
        while units.count - start >= k {
            let rows = start..<(start + k)
            let s = rows.contains { units[$0].boundary != nil } ? many : points
            let attributes = try reserveArena(for: units, rows)
            var offset = 0
            for index in rows {
                bind(units[index], attributes: attributes[index - start], to: s, first: Int32(8 * (index - start)),
                     arenaOffset: &offset)
            }
            let rc = sqlite3_step(s)
            sqlite3_reset(s)
            if rc == SQLITE_DONE {
                // Each row took the next rowid: the last one is the statement's last insert.
                let last = sqlite3_last_insert_rowid(db.handle)
                for index in rows {
                    let pk = last - Int64(start + k - 1 - index)
                    inserted(pk, units[index])
                    try outcome(index, .inserted(pk: pk))
                }
            } else if rc == SQLITE_CONSTRAINT_UNIQUE_CODE {
                // OR FAIL keeps the rows before the one whose code is taken (they took the next pks); from that
                // one on, row by row.
                let done = Int(sqlite3_changes(db.handle))
                let last = sqlite3_last_insert_rowid(db.handle)
                for index in start..<(start + done) {
                    let pk = last - Int64(start + done - 1 - index)
                    inserted(pk, units[index])
                    try outcome(index, .inserted(pk: pk))
                }
                for index in (start + done)..<(start + k) { try outcome(index, try insert(units[index])) }
            } else {
                throw db.error(rc, Self.sql(rows: k))
            }
            start += k
        }
        for index in start..<units.count { try outcome(index, try insert(units[index])) }
    }

    /// Inserts `unit`, unless a unit with its code is stored already (then nothing is written).
    public func insert(_ unit: AdministrativeUnit) throws -> InsertOutcome {
        let attributes = try reserveArena(for: OrderedUnits([unit]), 0..<1)
        var offset = 0
        bind(unit, attributes: attributes[0], to: statement, first: 0, arenaOffset: &offset)
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        if rc == SQLITE_DONE {
            let pk = sqlite3_last_insert_rowid(db.handle)
            inserted(pk, unit)
            return .inserted(pk: pk)
        }
        if rc == SQLITE_CONSTRAINT_UNIQUE_CODE {
            try lookup.bind([.text(unit.code)])
            defer { lookup.reset() }
            if try lookup.step(), let pk = lookup.int(0) {
                duplicateCount += 1
                return .duplicate(pk: Int64(pk))
            }
        }
        throw db.error(rc, Self.sql)
    }

    private func inserted(_ pk: Int64, _ unit: AdministrativeUnit) {
        if firstPK == nil { firstPK = pk }
        lastPK = pk
        insertedCount += 1
        if unit.boundary != nil { insertedBoundary = true }
        guard let location = unit.location, indexEntries != nil else { return }
        indexEntries!.append(PackedRTree.Entry(id: pk, point: location))
    }

    /// `level`'s position in `UnitLevel.allCases` (which allocates an array on every use).
    private static func ordinal(_ level: UnitLevel) -> Int {
        switch level {
        case .city: 0
        case .district: 1
        case .township: 2
        case .community: 3
        case .village: 4
        }
    }

    /// Makes the arena large enough for the texts and point BLOBs of `units[rows]`; returns their attributes as
    /// JSON. Refuses a negative population, as the table's CHECK constraint would.
    private func reserveArena(for units: OrderedUnits, _ rows: Range<Int>) throws -> [String?] {
        var attributes: [String?] = []
        attributes.reserveCapacity(rows.count)
        var bytes = 0
        for index in rows {
            if let population = units[index].population, population < 0 {
                throw StoreError.sqlite(path: db.path, code: SQLITE_CONSTRAINT,
                                        message: "CHECK constraint failed: population >= 0 (unit \(units[index].code))", sql: Self.sql)
            }
            let json = units[index].attributes.isEmpty ? nil : Attributes.encode(units[index].attributes)
            attributes.append(json)
            bytes += units[index].code.utf8.count + units[index].name.utf8.count + (units[index].parent?.utf8.count ?? 0)
                + SpatiaLiteBlob.pointByteCount + (json?.utf8.count ?? 0)
        }
        if bytes > arena.count {
            arena.deallocate()
            arena = .allocate(byteCount: bytes * 2, alignment: 8)
        }
        return attributes
    }

    /// Binds `unit` to parameters `first + 1` … `first + 8` of `s`: its texts and point are copied into the
    /// arena from `arenaOffset` on (and bound from there without another copy), its boundary copied by SQLite.
    private func bind(_ unit: AdministrativeUnit, attributes: String?, to s: OpaquePointer, first: Int32, arenaOffset: inout Int) {
        func bindText(_ index: Int32, _ text: String?) {
            guard var text else { sqlite3_bind_null(s, first + index); return }
            let start = arena.baseAddress! + arenaOffset
            let count = text.withUTF8 { bytes in
                if let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
                return bytes.count
            }
            arenaOffset += count
            // A zero-length text binds as text only from a non-null pointer: the arena's is never null.
            sqlite3_bind_text(s, first + index, start.assumingMemoryBound(to: CChar.self), Int32(count), SQLITE_STATIC)
        }
        bindText(1, unit.code)
        bindText(2, unit.name)
        let level = levelNames[Self.ordinal(unit.level)]
        sqlite3_bind_text(s, first + 3, UnsafeRawPointer(level.baseAddress!).assumingMemoryBound(to: CChar.self),
                          Int32(level.count), SQLITE_STATIC)
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
            let point = (arena.baseAddress! + arenaOffset).assumingMemoryBound(to: UInt8.self)
            SpatiaLiteBlob.writePoint(location, to: point)
            arenaOffset += SpatiaLiteBlob.pointByteCount
            sqlite3_bind_blob(s, first + 7, point, Int32(SpatiaLiteBlob.pointByteCount), SQLITE_STATIC)
        } else {
            sqlite3_bind_null(s, first + 7)
        }
        bindText(8, attributes)
    }
}

/// Units in the order to insert them, taken from one or two arrays (as two threads read them) without copying
/// them into one.
public struct OrderedUnits: Sendable {
    private let first: [AdministrativeUnit]
    private let second: [AdministrativeUnit]
    /// Positions in `first` followed by `second`; nil: `first` in its order.
    private let order: [Int]?

    public init(_ units: [AdministrativeUnit]) {
        first = units
        second = []
        order = nil
    }

    /// The units at `order`'s positions, which count `first`'s units and then `second`'s.
    public init(_ first: [AdministrativeUnit], _ second: [AdministrativeUnit], order: [Int]) {
        self.first = first
        self.second = second
        self.order = order
    }

    public var count: Int { order?.count ?? first.count }

    public subscript(index: Int) -> AdministrativeUnit {
        _read {
            let position = order?[index] ?? index
            if position < first.count { yield first[position] } else { yield second[position - first.count] }
        }
    }
}
