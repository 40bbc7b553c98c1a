import CSpatiaLite
import Foundation
import FacilityRegistry

let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
let SQLITE_STATIC = unsafeBitCast(0, to: sqlite3_destructor_type.self)

/// One SpatiaLite connection. Owns the handle; nothing outside the store sees it.
final class Database {
    let path: String
    private(set) var handle: OpaquePointer?
    private var spatialiteCache: UnsafeMutableRawPointer?
    private var statements: [String: Statement] = [:]

    static let busyTimeoutSeconds = 600

    /// Process-wide SQLite settings, applied once before the first connection.
    private static let configured: Void = { _ = facilitymap_sqlite_disable_memstatus() }()

    init(path: String, readOnly: Bool = false) throws {
        Database.configured
        self.path = path
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "code \(rc)"
            sqlite3_close_v2(db)
            throw StoreError.cannotOpen(path: path, reason: message)
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        // A second writer waits for the first (imports are serialised); readers never wait in WAL mode.
        sqlite3_busy_timeout(db, Int32(Database.busyTimeoutSeconds * 1000))
        spatialiteCache = spatialite_alloc_connection()
        spatialite_init_ex(db, spatialiteCache, 0)
        // GEOS and RTTOPO notices (e.g. "Self-intersection at ...") are read through SQL, not printed.
        spatialite_set_silent_mode(spatialiteCache)
    }

    deinit { close() }

    /// Closes the connection, then releases SpatiaLite's per-connection cache (in that order).
    func close() {
        statements.values.forEach { $0.finalize() }
        statements.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
            self.handle = nil
        }
        if let cache = spatialiteCache {
            spatialite_cleanup_ex(cache)
            spatialiteCache = nil
        }
    }

    func error(_ code: Int32, _ sql: String) -> StoreError {
        let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "closed"
        let primary = code & 0xFF
        if primary == SQLITE_READONLY { return .readOnly(path: path) }
        if primary == SQLITE_NOTADB {
            return .notAFacilityMapStore(path: path, reason: "the file is not a SQLite database")
        }
        // SQLITE_IOERR_WRITE, _FSYNC, _TRUNCATE, _SHMSIZE (extended codes are macros Swift does not import).
        let writeFailures: Set<Int32> = [SQLITE_IOERR | (3 << 8), SQLITE_IOERR | (4 << 8), SQLITE_IOERR | (6 << 8), SQLITE_IOERR | (19 << 8)]
        if primary == SQLITE_FULL || writeFailures.contains(code) {
            return .diskFull(path: path)
        }
        if primary == SQLITE_BUSY || primary == SQLITE_LOCKED {
            return .busy(path: path, seconds: Database.busyTimeoutSeconds)
        }
        return .sqlite(path: path, code: code, message: message, sql: sql)
    }

    /// Runs one or more statements that take no parameters.
    func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if let errorMessage { sqlite3_free(errorMessage) }
        guard rc == SQLITE_OK else { throw error(rc, sql) }
    }

    /// A prepared statement, cached by its text: prepare once, re-bind in loops.
    func statement(_ sql: String) throws -> Statement {
        if let cached = statements[sql] {
            cached.reset()
            return cached
        }
        let statement = try Statement(database: self, sql: sql)
        statements[sql] = statement
        return statement
    }

    /// A raw statement prepared to be kept for a whole import (`SQLITE_PREPARE_PERSISTENT`); the caller binds it
    /// directly and must `sqlite3_finalize` it.
    func preparePersistent(_ sql: String) throws -> OpaquePointer {
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v3(self.handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &handle, nil)
        guard rc == SQLITE_OK, let handle else { throw error(rc, sql) }
        return handle
    }

    /// Runs `sql` with `arguments` and returns nothing.
    func run(_ sql: String, _ arguments: [SQLValue] = []) throws {
        let statement = try statement(sql)
        try statement.bind(arguments)
        while try statement.step() {}
    }

    /// The first column of the first row, or nil when there is no row.
    func scalar(_ sql: String, _ arguments: [SQLValue] = []) throws -> SQLValue? {
        let statement = try statement(sql)
        try statement.bind(arguments)
        guard try statement.step() else { return nil }
        let value = statement.value(0)
        statement.reset()
        return value
    }

    var changes: Int { Int(sqlite3_changes(handle)) }

    /// Whether a transaction (read or write) is open on this connection.
    var isInTransaction: Bool { handle != nil && sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction: committed when it returns, rolled back when it throws.
    func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            FaultInjection.pause(at: .commit)
            Trace.mark("commit")
            try execute("COMMIT")
            Trace.mark("committed")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }
}

/// Runs `body` in a read transaction: every statement in it sees the same snapshot of the store, whatever
/// other processes commit meanwhile (WAL).
extension Database {
    func snapshot<T>(_ body: () throws -> T) throws -> T {
        // Inside a transaction already (a caller's read or write): its snapshot.
        if isInTransaction { return try body() }
        try execute("BEGIN DEFERRED")
        defer { try? execute("COMMIT") }
        return try body()
    }
}

/// Pauses at a named point when `FACILITYMAP_TEST_PAUSE_AT` names it (`commit`, `migration`, `geometry`: before a
/// units file's polygons are checked), for `FACILITYMAP_TEST_PAUSE_SECONDS` (default 30): the crash tests kill the
/// process there, the server's tests send other requests meanwhile. Inert otherwise.
public enum FaultInjection: String {
    case commit, migration, geometry

    private static let point = ProcessInfo.processInfo.environment["FACILITYMAP_TEST_PAUSE_AT"]
    private static let seconds = ProcessInfo.processInfo.environment["FACILITYMAP_TEST_PAUSE_SECONDS"].flatMap(Double.init) ?? 30

    public static func pause(at point: FaultInjection) {
        guard Self.point == point.rawValue else { return }
        FileHandle.standardError.write(Data("facilitymap: paused at \(point.rawValue) (FACILITYMAP_TEST_PAUSE_AT)\n".utf8))
        Thread.sleep(forTimeInterval: seconds)
    }
}

/// A value bound to or read from SQL.
enum SQLValue: Equatable {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    var int: Int? {
        switch self {
        case let .integer(v): Int(v)
        case let .real(v): Int(exactly: v)
        default: nil
        }
    }
    var double: Double? {
        switch self {
        case let .integer(v): Double(v)
        case let .real(v): v
        default: nil
        }
    }
    var string: String? {
        switch self {
        case let .text(v): v
        case let .integer(v): String(v)
        default: nil
        }
    }
    var blob: [UInt8]? {
        if case let .blob(v) = self { return v }
        return nil
    }

    init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    init(_ value: Int?) { self = value.map { .integer(Int64($0)) } ?? .null }
    init(_ value: Double?) { self = value.map { .real($0) } ?? .null }
    init(_ value: Bool?) { self = value.map { .integer($0 ? 1 : 0) } ?? .null }
}

final class Statement {
    unowned let database: Database
    let sql: String
    private var handle: OpaquePointer?

    init(database: Database, sql: String) throws {
        self.database = database
        self.sql = sql
        let rc = sqlite3_prepare_v2(database.handle, sql, -1, &handle, nil)
        guard rc == SQLITE_OK else { throw database.error(rc, sql) }
    }

    func finalize() {
        sqlite3_finalize(handle)
        handle = nil
    }

    func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func bind(_ arguments: [SQLValue]) throws {
        for (offset, value) in arguments.enumerated() {
            let index = Int32(offset + 1)
            let rc: Int32
            switch value {
            case .null: rc = sqlite3_bind_null(handle, index)
            case let .integer(v): rc = sqlite3_bind_int64(handle, index, v)
            case let .real(v): rc = sqlite3_bind_double(handle, index, v)
            case let .text(v): rc = sqlite3_bind_text(handle, index, v, -1, SQLITE_TRANSIENT)
            case let .blob(v):
                rc = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
            }
            guard rc == SQLITE_OK else { throw database.error(rc, sql) }
        }
    }

    /// Binds UTF-8 bytes as the text parameter `index` (1-based), copied.
    func bindText(_ index: Int32, _ bytes: UnsafeBufferPointer<UInt8>) throws {
        // A nil base address would bind NULL: empty text is bound as an empty string.
        guard let base = bytes.baseAddress else {
            let rc = sqlite3_bind_text(handle, index, "", 0, SQLITE_TRANSIENT)
            guard rc == SQLITE_OK else { throw database.error(rc, sql) }
            return
        }
        let rc = sqlite3_bind_text(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self),
                                   Int32(bytes.count), SQLITE_TRANSIENT)
        guard rc == SQLITE_OK else { throw database.error(rc, sql) }
    }

    /// Binds two integers and runs the statement (no rows): for loops that insert millions of pairs.
    func bindAndRun(_ first: Int64, _ second: Int64) throws {
        sqlite3_bind_int64(handle, 1, first)
        sqlite3_bind_int64(handle, 2, second)
        let rc = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard rc == SQLITE_DONE else { throw database.error(rc, sql) }
    }

    /// Binds pairs of integers to ?1, ?2, ?3… in order and runs the statement (no rows).
    func bindAndRun(pairs: ArraySlice<(Int64, Int64)>) throws {
        var index: Int32 = 1
        for (first, second) in pairs {
            sqlite3_bind_int64(handle, index, first)
            sqlite3_bind_int64(handle, index + 1, second)
            index += 2
        }
        let rc = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard rc == SQLITE_DONE else { throw database.error(rc, sql) }
    }

    /// Advances; true while there is a row to read.
    func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: sqlite3_reset(handle); return false
        default:
            sqlite3_reset(handle)
            throw database.error(rc, sql)
        }
    }

    func value(_ column: Int32) -> SQLValue {
        switch sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, column))
        case SQLITE_TEXT: return .text(text(column) ?? "")
        case SQLITE_BLOB:
            let count = Int(sqlite3_column_bytes(handle, column))
            guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: pointer, count: count)))
        default: return .null
        }
    }

    func text(_ column: Int32) -> String? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The UTF-8 bytes of a text column, valid until the next step; nil for NULL.
    func textUTF8(_ column: Int32) -> UnsafeBufferPointer<UInt8>? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return UnsafeBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
    }

    func int(_ column: Int32) -> Int? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : Int(sqlite3_column_int64(handle, column))
    }

    func double(_ column: Int32) -> Double? {
        sqlite3_column_type(handle, column) == SQLITE_NULL ? nil : sqlite3_column_double(handle, column)
    }

    /// The UTF-8 bytes of a text column, valid until the next step or reset; nil when NULL.
    func textBytes(_ column: Int32) -> UnsafeRawBufferPointer? {
        guard let pointer = sqlite3_column_text(handle, column) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }

    func blob(_ column: Int32) -> UnsafeRawBufferPointer? {
        guard sqlite3_column_type(handle, column) == SQLITE_BLOB,
              let pointer = sqlite3_column_blob(handle, column) else { return nil }
        return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(handle, column)))
    }
}
