import CSpatiaLite
import Foundation
import FacilityGeometry
import FacilityModel
import FacilityRegistry

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
    /// The row of the one-row statement, bound without copying.
    private let single = PreparedRows(capacity: 1)
    /// Each level's name, in the order of `UnitLevel.allCases`.
    let levelNames: [UnsafeMutableBufferPointer<UInt8>]
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

    /// Inserts `units` in their order, as `insert(_:outcome:)` does. Another thread copies the texts and makes the
    /// BLOBs of the statements to come while this one binds and steps (the Swift side was a fifth of the time).
    public func insert(_ units: OrderedUnits, outcome: (Int, InsertOutcome) throws -> Void) throws {
        // A flag pragma expires prepared statements: set once around the whole insert, not per statement.
        try db.execute("PRAGMA ignore_check_constraints = ON")
        defer { try? db.execute("PRAGMA ignore_check_constraints = OFF") }
        let k = Self.rowsPerStatement
        let statements = units.count / k
        let pipeline = statements > 1 ? PreparedRowsPipeline(units: units, statements: statements, rowsPerStatement: k) : nil
        defer { pipeline?.stop() }
        try units.withView { view in
            for number in 0..<statements {
                let start = number * k
                let rows = start..<(start + k)
                let prepared: PreparedRows
                if let pipeline {
                    prepared = pipeline.next()
                } else {
                    prepared = PreparedRows(capacity: k)
                    prepared.fill(from: units, rows: rows)
                }
                if let unit = prepared.negativePopulation { throw negativePopulation(unit) }
                let s = prepared.hasBoundary ? many : points
                prepared.bind(to: s, levelNames: levelNames)
                let rc = sqlite3_step(s)
                sqlite3_reset(s)
                pipeline?.release(prepared)
                if rc == SQLITE_DONE {
                    // Each row took the next rowid: the last one is the statement's last insert.
                    let last = sqlite3_last_insert_rowid(db.handle)
                    for index in rows {
                        let pk = last - Int64(start + k - 1 - index)
                        inserted(pk, view[index])
                        try outcome(index, .inserted(pk: pk))
                    }
                } else if rc == SQLITE_CONSTRAINT_UNIQUE_CODE {
                    // OR FAIL keeps the rows before the one whose code is taken (they took the next pks); from that
                    // one on, row by row.
                    let done = Int(sqlite3_changes(db.handle))
                    let last = sqlite3_last_insert_rowid(db.handle)
                    for index in start..<(start + done) {
                        let pk = last - Int64(start + done - 1 - index)
                        inserted(pk, view[index])
                        try outcome(index, .inserted(pk: pk))
                    }
                    for index in (start + done)..<(start + k) { try outcome(index, try insert(view[index])) }
                } else {
                    throw db.error(rc, Self.sql(rows: k))
                }
            }
            for index in (statements * k)..<units.count { try outcome(index, try insert(view[index])) }
        }
    }

    private func negativePopulation(_ code: String) -> StoreError {
        StoreError.sqlite(path: db.path, code: SQLITE_CONSTRAINT,
                          message: "CHECK constraint failed: population >= 0 (unit \(code))", sql: Self.sql)
    }

    /// Inserts `unit`, unless a unit with its code is stored already (then nothing is written).
    public func insert(_ unit: AdministrativeUnit) throws -> InsertOutcome {
        single.fill(from: OrderedUnits([unit]), rows: 0..<1)
        if let code = single.negativePopulation { throw negativePopulation(code) }
        single.bind(to: statement, levelNames: levelNames)
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

    private func inserted(_ pk: Int64, _ unit: borrowing AdministrativeUnit) {
        if firstPK == nil { firstPK = pk }
        lastPK = pk
        insertedCount += 1
        if unit.boundary != nil { insertedBoundary = true }
        guard let location = unit.location, indexEntries != nil else { return }
        indexEntries!.append(PackedRTree.Entry(id: pk, point: location))
    }

    /// `level`'s position in `UnitLevel.allCases` (which allocates an array on every use).
    static func ordinal(_ level: UnitLevel) -> Int {
        switch level {
        case .city: 0
        case .district: 1
        case .township: 2
        case .community: 3
        case .village: 4
        }
    }
}

/// Where a value is in `PreparedRows`' bytes; length -1 is NULL.
struct ByteSpan {
    var offset: Int
    var length: Int
    static let null = ByteSpan(offset: 0, length: -1)
}

/// One statement's units made ready to bind: their texts, point BLOBs and boundaries' WKB in one buffer, and
/// for each row where each value is. Fixed-size buffers rather than arrays: `fill` runs on its own thread for
/// every row of an import, where a class's array properties cost a uniqueness and an exclusivity check on
/// every write.
final class PreparedRows {
    let rowCount: Int
    /// Per row: code, name, parent, attributes, point, boundary.
    private let spans: UnsafeMutableBufferPointer<ByteSpan>
    private let levels: UnsafeMutableBufferPointer<Int>
    private let populations: UnsafeMutableBufferPointer<Int?>
    private var bytes: UnsafeMutableRawBufferPointer
    private(set) var hasBoundary = false
    /// The code of a unit whose population is negative, which the table's CHECK would refuse.
    private(set) var negativePopulation: String?

    init(capacity rows: Int) {
        rowCount = rows
        spans = .allocate(capacity: 6 * rows)
        spans.initialize(repeating: .null)
        levels = .allocate(capacity: rows)
        levels.initialize(repeating: 0)
        populations = .allocate(capacity: rows)
        populations.initialize(repeating: nil)
        bytes = .allocate(byteCount: 64 * 1024, alignment: 8)
    }

    deinit {
        spans.deallocate()
        levels.deallocate()
        populations.deallocate()
        bytes.deallocate()
    }

    /// Takes `units[rows]` (`rowCount` of them).
    func fill(from units: OrderedUnits, rows: Range<Int>) {
        precondition(rows.count == rowCount, "PreparedRows for \(rowCount) rows filled with \(rows.count)")
        var arena = Arena(bytes: bytes)
        var hasBoundary = false
        var negativePopulation: String?
        units.withView { units in
            for (row, index) in rows.enumerated() {
                let base = 6 * row
                spans[base] = arena.append(units[index].code)
                spans[base + 1] = arena.append(units[index].name)
                spans[base + 2] = units[index].parent.map { arena.append($0) } ?? .null
                spans[base + 3] = units[index].attributes.isEmpty ? .null
                    : Attributes.encode(units[index].attributes).map { arena.append($0) } ?? .null
                if let location = units[index].location {
                    spans[base + 4] = arena.append(count: SpatiaLiteBlob.pointByteCount) {
                        SpatiaLiteBlob.writePoint(location, to: $0.assumingMemoryBound(to: UInt8.self))
                    }
                } else {
                    spans[base + 4] = .null
                }
                if let boundary = units[index].boundary {
                    hasBoundary = true
                    let wkb = Geometry.multiPolygon(boundary).wkb
                    spans[base + 5] = arena.append(count: wkb.count) { target in
                        wkb.withUnsafeBytes { target.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
                    }
                } else {
                    spans[base + 5] = .null
                }
                levels[row] = UnitInserter.ordinal(units[index].level)
                let population = units[index].population
                populations[row] = population
                if let population, population < 0, negativePopulation == nil {
                    negativePopulation = units[index].code
                }
            }
        }
        bytes = arena.bytes
        self.hasBoundary = hasBoundary
        self.negativePopulation = negativePopulation
    }

    /// Appends values to a buffer, growing it (moving what is there: nothing points into it before `bind`).
    private struct Arena {
        var bytes: UnsafeMutableRawBufferPointer
        var used = 0

        mutating func append(_ text: String) -> ByteSpan {
            var text = text
            return text.withUTF8 { utf8 in
                append(count: utf8.count) { if let base = utf8.baseAddress { $0.copyMemory(from: base, byteCount: utf8.count) } }
            }
        }

        /// Room for `count` bytes, which `write` fills.
        mutating func append(count: Int, _ write: (UnsafeMutableRawPointer) -> Void) -> ByteSpan {
            if used + count > bytes.count {
                let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: max(2 * bytes.count, used + count), alignment: 8)
                bigger.baseAddress!.copyMemory(from: bytes.baseAddress!, byteCount: used)
                bytes.deallocate()
                bytes = bigger
            }
            write(bytes.baseAddress! + used)
            defer { used += count }
            return ByteSpan(offset: used, length: count)
        }
    }

    /// Binds every row to `s` (8 parameters a row, as `UnitInserter.sql` orders them), without copying.
    func bind(to s: OpaquePointer, levelNames: [UnsafeMutableBufferPointer<UInt8>]) {
        let base = bytes.baseAddress!
        for row in 0..<rowCount {
            let first = Int32(8 * row), span = 6 * row
            func text(_ parameter: Int32, _ span: ByteSpan) {
                if span.length < 0 { sqlite3_bind_null(s, first + parameter); return }
                sqlite3_bind_text(s, first + parameter, (base + span.offset).assumingMemoryBound(to: CChar.self),
                                  Int32(span.length), SQLITE_STATIC)
            }
            func blob(_ parameter: Int32, _ span: ByteSpan) {
                if span.length < 0 { sqlite3_bind_null(s, first + parameter); return }
                sqlite3_bind_blob(s, first + parameter, base + span.offset, Int32(span.length), SQLITE_STATIC)
            }
            text(1, spans[span])
            text(2, spans[span + 1])
            let level = levelNames[levels[row]]
            sqlite3_bind_text(s, first + 3, UnsafeRawPointer(level.baseAddress!).assumingMemoryBound(to: CChar.self),
                              Int32(level.count), SQLITE_STATIC)
            text(4, spans[span + 2])
            if let population = populations[row] {
                sqlite3_bind_int64(s, first + 5, Int64(population))
            } else {
                sqlite3_bind_null(s, first + 5)
            }
            blob(6, spans[span + 5])
            blob(7, spans[span + 4])
            text(8, spans[span + 3])
        }
    }
}

/// Fills `PreparedRows` for each statement of an insert on its own thread, a few statements ahead of the one
/// that binds and steps them.
final class PreparedRowsPipeline {
    private let slots: [PreparedRows]
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)
    /// The filling loop, on a thread of its own.
    private var filler: Background<Void, Never>?
    private let lock = NSLock()
    private var cancelled = false
    private var taken = 0
    private var stopped = false

    init(units: OrderedUnits, statements: Int, rowsPerStatement k: Int, depth: Int = 4) {
        let slots = (0..<depth).map { _ in PreparedRows(capacity: k) }
        self.slots = slots
        // Made at 0 and signalled: libdispatch traps when a semaphore is freed below the value it was made with.
        free = DispatchSemaphore(value: 0)
        for _ in 0..<depth { free.signal() }
        filler = Background { [self] in
            for number in 0..<statements {
                free.wait()
                if lock.withLock({ cancelled }) { break }
                slots[number % depth].fill(from: units, rows: (number * k)..<((number + 1) * k))
                ready.signal()
            }
        }
    }

    /// The next statement's rows, waiting for them.
    func next() -> PreparedRows {
        ready.wait()
        defer { taken += 1 }
        return slots[taken % slots.count]
    }

    /// Gives back rows taken by `next()` once their statement has run.
    func release(_ rows: PreparedRows) { free.signal() }

    /// Stops the filling thread and waits for it (the slots must outlive it).
    func stop() {
        guard !stopped else { return }
        stopped = true
        lock.withLock { cancelled = true }
        for _ in slots { free.signal() }
        filler?.value()
    }
}
