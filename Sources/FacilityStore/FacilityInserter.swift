import CSpatiaLite
import FacilityGeometry
import FacilityModel
import FacilityRegistry

/// What inserting a row whose key (a facility's id, a unit's code) may be stored already did.
public enum InsertOutcome: Equatable, Sendable {
    /// Stored, as row `pk`.
    case inserted(pk: Int64)
    /// Not stored: a row with the same key is stored already (as row `pk`).
    case duplicate(pk: Int64)
}

/// Inserts facilities through one prepared statement, for imports into a store that holds none yet.
/// Made by `StoreWriter.facilityInserter(for:)`; use it only inside that `write`.
public final class FacilityInserter {
    private let db: Database
    private let statement: OpaquePointer
    /// The same insert for `rowsPerStatement` rows at once: one statement per row costs more than its insert.
    private let many: OpaquePointer
    static let rowsPerStatement = 64
    private let lookup: Statement
    /// Per row of `many`: the point blob (60 bytes) and the two dates (10 bytes each), bound without copying,
    /// like the kind names.
    private let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: 80 * FacilityInserter.rowsPerStatement)
    private let kindNames: [FacilityKind: UnsafeMutableBufferPointer<UInt8>]
    /// The R*Tree entry of every row inserted, when collected: `finishBulkLoad` then packs the index from
    /// these instead of reading the table again.
    var indexEntries: [PackedRTree.Entry]?

    /// `OR FAIL`: a taken id stops the statement but keeps the rows before it, so SQLite need not keep a
    /// statement journal to undo them (a copy of every page the statement changes).
    static func sql(rows: Int) -> String {
        """
        INSERT OR FAIL INTO facilities (\(FacilityTable.inserted))
        VALUES
        """ + Array(repeating: "(" + Array(repeating: "?", count: FacilityTable.insertedCount).joined(separator: ", ") + ")", count: rows)
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
        lookup = try Statement(database: database, sql: "SELECT pk FROM facilities WHERE id = ?")
        var names: [FacilityKind: UnsafeMutableBufferPointer<UInt8>] = [:]
        for kind in FacilityKind.allCases {
            let bytes = Array(kind.rawValue.utf8)
            let buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: bytes.count)
            _ = buffer.initialize(from: bytes)
            names[kind] = buffer
        }
        kindNames = names
    }

    deinit {
        sqlite3_finalize(statement)
        sqlite3_finalize(many)
        lookup.finalize()
        scratch.deallocate()
        kindNames.values.forEach { $0.deallocate() }
    }

    /// Inserts `row`, unless a facility with its id is stored already.
    public func insert(_ row: FacilityRow) throws -> InsertOutcome {
        bind(row, to: statement, first: 0, scratch: scratch)
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        if rc == SQLITE_DONE {
            let pk = sqlite3_last_insert_rowid(db.handle)
            keepIndexEntry(pk, row.location)
            return .inserted(pk: pk)
        }
        if rc == SQLITE_CONSTRAINT_UNIQUE_CODE {
            try lookup.bind([.text(String(decoding: row.id, as: UTF8.self))])
            defer { lookup.reset() }
            if try lookup.step(), let pk = lookup.int(0) { return .duplicate(pk: Int64(pk)) }
        }
        throw db.error(rc, Self.sql)
    }

    /// Inserts rows `row(0)`, `row(1)`… `row(count - 1)` in that order (each unless its id is stored already,
    /// also by an earlier row) and tells `outcome` what became of each, in order. `row` may be called more
    /// than once for an index and must return the same row.
    public func insert(count: Int, row: (Int) -> FacilityRow, outcome: (Int, InsertOutcome) throws -> Void) throws {
        let k = Self.rowsPerStatement
        var start = 0
        while count - start >= k {
            for offset in 0..<k {
                bind(row(start + offset), to: many, first: Int32(FacilityTable.insertedCount * offset), scratch: scratch + 80 * offset)
            }
            let rc = sqlite3_step(many)
            sqlite3_reset(many)
            if rc == SQLITE_DONE {
                // Each row took the next rowid: the last one is the statement's last insert.
                let last = sqlite3_last_insert_rowid(db.handle)
                for offset in 0..<k {
                    let pk = last - Int64(k - 1 - offset)
                    keepIndexEntry(pk, row(start + offset).location)
                    try outcome(start + offset, .inserted(pk: pk))
                }
            } else if rc == SQLITE_CONSTRAINT_UNIQUE_CODE {
                // OR FAIL keeps the rows before the one whose id is taken (they took the next pks); from that one
                // on, row by row.
                let done = Int(sqlite3_changes(db.handle))
                let last = sqlite3_last_insert_rowid(db.handle)
                for offset in 0..<done {
                    let pk = last - Int64(done - 1 - offset)
                    keepIndexEntry(pk, row(start + offset).location)
                    try outcome(start + offset, .inserted(pk: pk))
                }
                for offset in done..<k { try outcome(start + offset, try insert(row(start + offset))) }
            } else {
                throw db.error(rc, Self.sql(rows: k))
            }
            start += k
        }
        for index in start..<count { try outcome(index, try insert(row(index))) }
    }

    private func keepIndexEntry(_ pk: Int64, _ location: LonLat) {
        guard indexEntries != nil else { return }
        indexEntries!.append(PackedRTree.Entry(id: pk, point: location))
    }

    /// Binds `row` to parameters `first + 1` … `first + FacilityTable.insertedCount` of `s`; its point and dates are written at `scratch`.
    private func bind(_ row: FacilityRow, to s: OpaquePointer, first: Int32, scratch: UnsafeMutablePointer<UInt8>) {
        func text(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>?) {
            guard let bytes else { sqlite3_bind_null(s, first + index); return }
            // A nil base address would bind NULL: empty text is bound from a static empty string.
            let pointer = bytes.baseAddress.map { UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self) } ?? Self.empty
            sqlite3_bind_text(s, first + index, pointer, Int32(bytes.count), SQLITE_STATIC)
        }
        func int(_ index: Int32, _ value: Int?) {
            if let value { sqlite3_bind_int64(s, first + index, Int64(value)) } else { sqlite3_bind_null(s, first + index) }
        }
        /// `YYYY-MM-DD`, as `Day.description` writes it.
        func day(_ index: Int32, _ day: Day?, at buffer: UnsafeMutablePointer<UInt8>) {
            guard let day else { sqlite3_bind_null(s, first + index); return }
            func digits(_ value: Int, _ count: Int, _ offset: Int) {
                var value = value
                for k in stride(from: count - 1, through: 0, by: -1) {
                    buffer[offset + k] = UInt8(48 + value % 10)
                    value /= 10
                }
            }
            digits(day.year, 4, 0)
            buffer[4] = 0x2D
            digits(day.month, 2, 5)
            buffer[7] = 0x2D
            digits(day.day, 2, 8)
            sqlite3_bind_text(s, first + index, UnsafeRawPointer(buffer).assumingMemoryBound(to: CChar.self), 10, SQLITE_STATIC)
        }
        text(1, row.id)
        text(2, row.name)
        let kindName = kindNames[row.kind]!
        sqlite3_bind_text(s, first + 3, UnsafeRawPointer(kindName.baseAddress!).assumingMemoryBound(to: CChar.self),
                          Int32(kindName.count), SQLITE_STATIC)
        text(4, row.unit)
        for count in FacilityCount.allCases { int(1 + FacilityTable.count(count), row.counts[count]) }
        int(1 + FacilityTable.inclusive, row.inclusive.map { $0 ? 1 : 0 })
        text(1 + FacilityTable.level, row.level)
        day(1 + FacilityTable.opened, row.opened, at: scratch + 60)
        day(1 + FacilityTable.closed, row.closed, at: scratch + 70)
        SpatiaLiteBlob.writePoint(row.location, to: scratch)
        sqlite3_bind_blob(s, first + 1 + FacilityTable.location, scratch, Int32(SpatiaLiteBlob.pointByteCount), SQLITE_STATIC)
        if let json = Attributes.encode(row.attributes) {
            sqlite3_bind_text(s, first + 2 + FacilityTable.location, json, -1, SQLITE_TRANSIENT)
        } else {
            sqlite3_bind_null(s, first + 2 + FacilityTable.location)
        }
    }

    /// Inserts `facility`, unless a facility with its id is stored already.
    public func insert(_ facility: Facility) throws -> InsertOutcome {
        var id = facility.id, name = facility.name
        var unit = facility.unit, level = facility.level
        return try id.withUTF8 { id in
            try name.withUTF8 { name in
                try Self.withOptionalUTF8(&unit) { unit in
                    try Self.withOptionalUTF8(&level) { level in
                        try insert(FacilityRow(
                            id: id, name: name, kind: facility.kind, location: facility.location, unit: unit,
                            counts: facility.counts, inclusive: facility.inclusive, level: level, opened: facility.opened, closed: facility.closed,
                            attributes: facility.attributes))
                    }
                }
            }
        }
    }

    private static func withOptionalUTF8<R>(_ text: inout String?, _ body: (UnsafeBufferPointer<UInt8>?) throws -> R) rethrows -> R {
        guard text != nil else { return try body(nil) }
        return try text!.withUTF8 { try body($0) }
    }

    private static let empty: UnsafePointer<CChar> = {
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: 1)
        pointer.initialize(to: 0)
        return UnsafePointer(pointer)
    }()
}

/// SQLITE_CONSTRAINT_UNIQUE (an extended code Swift does not import).
let SQLITE_CONSTRAINT_UNIQUE_CODE = SQLITE_CONSTRAINT | (8 << 8)
