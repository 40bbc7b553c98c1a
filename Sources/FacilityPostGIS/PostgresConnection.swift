import CLibPQ
import FacilityText
import Foundation

/// What went wrong talking to PostgreSQL, with what to do. `message` (the API's words) is English; `phrase` says it in
/// any language where the catalogue has it (a failed connection), else it is `message` as it is.
public struct PostgresError: PhrasedError, Equatable {
    public let message: String
    public let phrase: Phrase

    public init(_ message: String) {
        self.message = message
        phrase = .verbatim(message)
    }

    public init(_ message: String, phrase: Phrase) {
        self.message = message
        self.phrase = phrase
    }

    public var description: String { message }

    /// An error said from a catalogue key (`arguments` as they are), its English the message.
    public init(key: String, _ arguments: String...) {
        let phrase = Phrase(key, arguments: arguments.map(Phrase.Argument.text))
        self.init(phrase.text(in: .en), phrase: phrase)
    }

    /// The connection to `url` failed with libpq's `reason`: what to do, by what the server said (refused, a user
    /// or password it does not take, no such database); the server's own words kept as a detail.
    static func cannotConnect(_ url: String, reason: String) -> PostgresError {
        let lowered = reason.lowercased()
        let key = if lowered.contains("connection refused") || lowered.contains("no such file or directory") {
            "postgres.connect.refused"
        } else if lowered.contains("authentication failed") || lowered.contains("no password supplied")
                    || (lowered.contains("role \"") && lowered.contains("does not exist")) {
            "postgres.connect.authentication"
        } else if lowered.contains("database \"") && lowered.contains("does not exist") {
            "postgres.connect.no-database"
        } else {
            "postgres.connect.failed"
        }
        return PostgresError("\(url): cannot connect (\(reason)) — check the server runs and the address, user and database",
                             phrase: Phrase(key, url, reason))
    }
}

/// One row of a result, read in place (valid only during the call that gives it).
public struct PostgresRow {
    let result: OpaquePointer
    let row: Int32

    /// How many columns the row has.
    public var count: Int { Int(PQnfields(result)) }

    /// Whether column `c` is NULL.
    public func isNull(_ c: Int) -> Bool { PQgetisnull(result, row, Int32(c)) == 1 }

    /// Column `c`'s text bytes; nil for NULL.
    public func bytes(_ c: Int) -> UnsafeRawBufferPointer? {
        guard !isNull(c), let value = PQgetvalue(result, row, Int32(c)) else { return nil }
        return UnsafeRawBufferPointer(start: value, count: Int(PQgetlength(result, row, Int32(c))))
    }

    public func text(_ c: Int) -> String? { bytes(c).map { String(decoding: $0, as: UTF8.self) } }

    public func int(_ c: Int) -> Int? {
        guard let bytes = bytes(c), !bytes.isEmpty else { return nil }
        var value = 0, negative = false
        for (i, byte) in bytes.enumerated() {
            if i == 0 && byte == UInt8(ascii: "-") { negative = true; continue }
            let digit = Int(byte) &- 48
            guard digit >= 0 && digit <= 9 else { return text(c).flatMap { Int($0) } }
            value = value &* 10 &+ digit
        }
        return negative ? -value : value
    }

    public func double(_ c: Int) -> Double? {
        guard !isNull(c), let value = PQgetvalue(result, row, Int32(c)) else { return nil }
        return strtod(value, nil)
    }

    /// Column `c` as bytes from its hex text (`encode(…, 'hex')`); nil for NULL.
    public func hexBytes(_ c: Int) -> [UInt8]? {
        guard let text = bytes(c) else { return nil }
        func nibble(_ b: UInt8) -> UInt8 { b <= 57 ? b - 48 : (b | 0x20) - 87 }
        var out = [UInt8](repeating: 0, count: text.count / 2)
        for i in out.indices { out[i] = nibble(text[2 * i]) << 4 | nibble(text[2 * i + 1]) }
        return out
    }
}

/// One libpq connection: statements with bound text parameters, transactions, and COPY … FROM STDIN.
/// Never builds SQL from user data: values go as parameters, or as COPY data with its escaping.
public final class PostgresConnection {
    private let handle: OpaquePointer
    /// The address with any password left out, for messages.
    public let shownURL: String

    public init(url: String) throws {
        shownURL = Self.withoutPassword(url)
        guard let handle = PQconnectdb(url) else { throw PostgresError("\(shownURL): cannot allocate a connection") }
        guard PQstatus(handle) == CONNECTION_OK else {
            let reason = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQfinish(handle)
            throw PostgresError.cannotConnect(shownURL, reason: reason)
        }
        self.handle = handle
        try execute("SET client_min_messages TO warning")
    }

    private var isClosed = false

    deinit { close() }

    /// Whether the connection is still up (false once the server has ended it, or after `close`).
    public var isUsable: Bool { !isClosed && PQstatus(handle) == CONNECTION_OK }

    /// Ends the connection; it cannot be used afterwards.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        PQfinish(handle)
    }

    /// `url` with any password left out, for messages.
    public static func withoutPassword(_ url: String) -> String {
        guard let at = url.firstIndex(of: "@"), let scheme = url.range(of: "://"), scheme.upperBound < at else { return url }
        let credentials = url[scheme.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return url }
        return url.replacingCharacters(in: colon..<at, with: ":…")
    }

    private func check(_ result: OpaquePointer?, _ sql: String) throws -> OpaquePointer {
        guard let result else { throw PostgresError("\(shownURL): no answer from the server to: \(sql.prefix(120))") }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_COPY_IN:
            return result
        default:
            let message = String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines)
            PQclear(result)
            throw PostgresError(key: "postgres.refused", shownURL, message, String(sql.prefix(200)))
        }
    }

    /// Runs one or more statements without parameters.
    public func execute(_ sql: String) throws {
        PQclear(try check(PQexec(handle, sql), sql))
    }

    /// Runs one statement with text parameters ($1, $2, …; nil is NULL) and returns its rows as text.
    @discardableResult
    public func query(_ sql: String, _ parameters: [String?] = []) throws -> [[String?]] {
        var rows: [[String?]] = []
        try forEachRowAtOnce(sql, parameters) { row in rows.append((0..<row.count).map { row.text($0) }) }
        return rows
    }

    /// How many `transaction` calls are running: an inner one runs within the outer one's transaction.
    private var transactionDepth = 0
    private var cursors = 0

    /// Whether a transaction is open.
    public var isInTransaction: Bool { transactionDepth > 0 }

    /// The first column of the first row of `sql` as an integer (nil when there is none or it is NULL).
    public func integer(_ sql: String, _ parameters: [String?] = []) throws -> Int? {
        guard let first = try query(sql, parameters).first, let value = first.first, let value else { return nil }
        return Int(value)
    }

    /// Runs `body` in one transaction (`begin` starts it: `BEGIN`, or one with an isolation level): committed when it
    /// returns, rolled back when it throws. Inside another, `body` runs in that one.
    public func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        guard transactionDepth == 0 else {
            transactionDepth += 1
            defer { transactionDepth -= 1 }
            return try body()
        }
        try execute(begin)
        transactionDepth = 1
        defer { transactionDepth = 0 }
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Calls `body` with each row of `sql` (one statement, text parameters), read through a cursor `batch` rows at a
    /// time: memory does not grow with the result, and `body` may run other statements meanwhile — unless
    /// `prefetching`, when the server makes each next batch while `body` goes through this one.
    public func forEachRow(_ sql: String, _ parameters: [String?] = [], batch: Int = 10_000, prefetching: Bool = false,
                           _ body: (PostgresRow) throws -> Void) throws {
        try transaction {
            cursors += 1
            let cursor = "facilitymap_cursor_\(cursors)"
            try query("DECLARE \(cursor) NO SCROLL CURSOR FOR " + sql, parameters)
            let fetch = "FETCH \(batch) FROM \(cursor)"
            if prefetching {
                // The next batch is asked for before this one is handed over: the server makes it meanwhile.
                try send(fetch)
                while true {
                    let result = try receive(fetch)
                    defer { PQclear(result) }
                    let rows = Int(PQntuples(result))
                    let more = rows == batch
                    if more { try send(fetch) }
                    do {
                        for r in 0..<rows { try body(PostgresRow(result: result, row: Int32(r))) }
                    } catch {
                        if more { while let pending = PQgetResult(handle) { PQclear(pending) } }
                        throw error
                    }
                    if !more { break }
                }
            } else {
                while true {
                    let result = try check(PQexec(handle, fetch), fetch)
                    defer { PQclear(result) }
                    let rows = Int(PQntuples(result))
                    for r in 0..<rows { try body(PostgresRow(result: result, row: Int32(r))) }
                    if rows < batch { break }
                }
            }
            try execute("CLOSE \(cursor)")
        }
    }

    /// Sends `sql` without waiting for its result (`receive` takes it).
    private func send(_ sql: String) throws {
        guard PQsendQuery(handle, sql) == 1 else {
            throw PostgresError("\(shownURL): cannot send \(sql.prefix(80)): \(String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
    }

    /// The result of the statement `send` sent, waiting for it.
    private func receive(_ sql: String) throws -> OpaquePointer {
        let result = PQgetResult(handle)
        while let extra = PQgetResult(handle) { PQclear(extra) }
        return try check(result, sql)
    }

    /// Calls `body` with each row of `sql`, all fetched at once (for small results).
    public func forEachRowAtOnce(_ sql: String, _ parameters: [String?] = [], _ body: (PostgresRow) throws -> Void) throws {
        let cStrings = parameters.map { $0.map { strdup($0) } ?? nil }
        defer { cStrings.forEach { free($0) } }
        let pointers = cStrings.map { UnsafePointer<CChar>($0) }
        let result = try check(pointers.withUnsafeBufferPointer {
            PQexecParams(handle, sql, Int32(parameters.count), nil, $0.baseAddress, nil, nil, 0)
        }, sql)
        defer { PQclear(result) }
        for r in 0..<PQntuples(result) { try body(PostgresRow(result: result, row: r)) }
    }

    /// One row in COPY's text format: values separated by tabs, NULL as `\N`, backslash, tab, newline and carriage
    /// return escaped; the row ended by a newline.
    static func appendCopyRow(_ row: [String?], to buffer: inout [UInt8]) {
        for (k, value) in row.enumerated() {
            if k > 0 { buffer.append(0x09) }
            guard var value else { buffer.append(contentsOf: [0x5C, 0x4E]); continue }  // \N
            value.withUTF8 { bytes in
                for byte in bytes {
                    switch byte {
                    case 0x5C: buffer.append(0x5C); buffer.append(0x5C)
                    case 0x09: buffer.append(0x5C); buffer.append(0x74)
                    case 0x0A: buffer.append(0x5C); buffer.append(0x6E)
                    case 0x0D: buffer.append(0x5C); buffer.append(0x72)
                    default: buffer.append(byte)
                    }
                }
            }
        }
        buffer.append(0x0A)
    }

    /// `COPY table (columns) FROM STDIN` in text format: `rows` calls its argument with each row (nil is NULL).
    public func copy(into table: String, columns: [String], _ rows: ((([String?]) throws -> Void)) throws -> Void) throws {
        let sql = "COPY \(table) (\(columns.map { "\"\($0)\"" }.joined(separator: ", "))) FROM STDIN"
        PQclear(try check(PQexec(handle, sql), sql))
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 20)
        func flush() throws {
            guard !buffer.isEmpty else { return }
            let sent = buffer.withUnsafeBufferPointer { pointer in
                pointer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: pointer.count) { PQputCopyData(handle, $0, Int32(pointer.count)) }
            }
            guard sent == 1 else { throw PostgresError(key: "postgres.copy.failed", shownURL, table, String(cString: PQerrorMessage(handle))) }
            buffer.removeAll(keepingCapacity: true)
        }
        do {
            try rows { row in
                Self.appendCopyRow(row, to: &buffer)
                if buffer.count >= 1 << 20 { try flush() }
            }
            try flush()
        } catch {
            _ = PQputCopyEnd(handle, "facilitymap stopped the copy")
            while let result = PQgetResult(handle) { PQclear(result) }
            throw error
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw PostgresError("\(shownURL): the copy into \(table) could not end: \(String(cString: PQerrorMessage(handle)))") }
        var failure: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK {
                failure = PostgresError(key: "postgres.copy.refused", shownURL, table,
                                        String(cString: PQresultErrorMessage(result)).trimmingCharacters(in: .whitespacesAndNewlines))
            }
            PQclear(result)
        }
        if let failure { throw failure }
    }
}
