import FacilityText
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - Errors and results

/// Why a CSV file cannot be read at all. `description` is one line: "PATH:LINE: what is wrong — what to do".
public enum CSVError: PhrasedError, Equatable {
    /// The file cannot be opened or read; `reason` says why (e.g. "No such file or directory").
    case unreadable(path: String, reason: String)
    /// The file has no header row: zero bytes, or only a byte order mark and blank lines.
    case empty(path: String)
    /// Two or more header columns have the same name (after trimming); `columns` are 1-based.
    case duplicateHeader(path: String, line: Int, name: String, columns: [Int])
    /// A quote opened on `line` is never closed, so it would swallow the rest of the file.
    case unterminatedQuote(path: String, line: Int)
    /// The header row cannot be used; `reason` reads "what is wrong — what to do".
    case invalidHeader(path: String, line: Int, reason: String)

    public var description: String { phrase.text(in: .en).singleLine }

    public var phrase: Phrase {
        switch self {
        case let .unreadable(path, reason):
            return Phrase("error.csv.unreadable", arguments: [.text(path), .phrase(.reason(reason))])
        case let .empty(path):
            return Phrase("error.csv.empty", path)
        case let .duplicateHeader(path, line, name, columns):
            let list = CSVError.listing(columns)
            if name.isEmpty {
                return columns.count == 2 ? Phrase("error.csv.unnamed-columns.two", arguments: [.text(path), .text(String(line)), .phrase(list)])
                    : Phrase("error.csv.unnamed-columns", arguments: [.text(path), .text(String(line)), .text(String(columns.count)), .phrase(list)])
            }
            return columns.count == 2 ? Phrase("error.csv.same-name.two", arguments: [.text(path), .text(String(line)), .text(name), .phrase(list)])
                : Phrase("error.csv.same-name", arguments: [.text(path), .text(String(line)), .text(String(columns.count)), .text(name), .phrase(list)])
        case let .unterminatedQuote(path, line):
            return Phrase("error.csv.unterminated-quote", path, String(line))
        case let .invalidHeader(path, line, reason):
            return Phrase("error.csv.invalid-header", path, String(line), reason)
        }
    }

    /// "2 and 5", "2, 5 and 9".
    private static func listing(_ columns: [Int]) -> Phrase {
        let names = columns.map(String.init)
        guard names.count > 1 else { return .verbatim(names.first ?? "") }
        return Phrase("list.and", arguments: [.phrase(.list(names.dropLast())), .text(names[names.count - 1])])
    }
}

/// One problem with one field of one row; the row itself is still returned.
public struct CSVFieldProblem: Equatable, Sendable, CustomStringConvertible {
    /// 0-based index into the row's fields.
    public let column: Int
    /// Physical line (1-based) where that field starts.
    public let line: Int
    /// What is wrong, e.g. "a NUL byte", in any language.
    public let reason: Phrase

    public init(column: Int, line: Int, reason: Phrase) {
        self.column = column
        self.line = line
        self.reason = reason
    }

    public init(column: Int, line: Int, message: String) {
        self.init(column: column, line: line, reason: .verbatim(message))
    }

    /// What is wrong, in English.
    public var message: String { reason.text(in: .en) }

    /// The same place and the same words in English, however they were put together.
    public static func == (a: CSVFieldProblem, b: CSVFieldProblem) -> Bool { a.column == b.column && a.line == b.line && a.message == b.message }

    /// "line 17, column 3: a NUL byte" (column 1-based).
    public var description: String { "line \(line), column \(column + 1): \(message)".singleLine }
}

/// One data record of a CSV file.
public struct CSVRow: Sendable {
    /// Physical line (1-based) where the record starts.
    public let line: Int
    /// Decoded fields; a field with invalid bytes is decoded lossily (U+FFFD) and has a problem.
    public let fields: [String]
    /// Empty for a clean row.
    public let problems: [CSVFieldProblem]

    public init(line: Int, fields: [String], problems: [CSVFieldProblem]) {
        self.line = line
        self.fields = fields
        self.problems = problems
    }
}

// MARK: - Reader

/// A streaming RFC 4180 CSV reader over a memory-mapped file (UTF-8 or GB18030).
public final class CSVReader {
    public let path: String
    /// The encoding actually used.
    public let encoding: TextEncoding
    /// True when the file starts with a byte order mark (which is skipped).
    public let hadByteOrderMark: Bool
    /// Column names, trimmed of surrounding ASCII spaces/tabs, BOM removed.
    public let header: [String]
    /// Physical line of the header row.
    public let headerLine: Int
    /// File size in bytes.
    public let byteCount: Int
    /// Offset reached so far (for a progress display); equals `byteCount` at the end.
    public internal(set) var bytesRead: Int

    private let file: FileBytes
    var scanner: RecordScanner

    /// Opens and memory-maps `path`, detects the encoding and BOM, and reads the header row.
    /// Throws `CSVError`. `maxFieldBytes` limits how much of one field is kept.
    public init(path: String, encoding choice: EncodingChoice = .auto, maxFieldBytes: Int = 65_536) throws {
        let file = try FileBytes(path: path)
        let base = file.base
        let count = file.count

        var start = 0
        var bom = false
        if count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
            start = 3
            bom = true
        }
        let encoding: TextEncoding
        var knownValid = false
        switch choice {
        case .utf8:
            encoding = .utf8
        case .gb18030:
            encoding = .gb18030
            // GB18030's own byte order mark (U+FEFF encoded as 84 31 95 33).
            if !bom, count >= 4, base[0] == 0x84, base[1] == 0x31, base[2] == 0x95, base[3] == 0x33 {
                start = 4
                bom = true
            }
        case .auto:
            if bom {
                encoding = .utf8
            } else if firstInvalidUTF8Offset(base, count) == nil {
                encoding = .utf8
                knownValid = true
            } else {
                encoding = .gb18030
                if count >= 4, base[0] == 0x84, base[1] == 0x31, base[2] == 0x95, base[3] == 0x33 {
                    start = 4
                    bom = true
                }
            }
        }

        var decoder: GB18030Decoder?
        if encoding == .gb18030 {
            guard let d = GB18030Decoder() else {
                throw CSVError.unreadable(path: path, reason: "this system's iconv cannot convert from GB18030")
            }
            decoder = d
        }

        var scanner = RecordScanner(
            base: base, end: count, pos: start, path: path, encoding: encoding,
            knownValidUTF8: knownValid, maxFieldBytes: max(1, maxFieldBytes), decoder: decoder)

        guard let headerRow = try scanner.nextRecord() else {
            throw CSVError.empty(path: path)
        }
        if let problem = headerRow.problems.first {
            throw CSVError.invalidHeader(
                path: path, line: problem.line,
                reason: CSVReader.headerReason(problem, encoding: encoding, choice: choice))
        }
        let names = headerRow.fields.map(trimASCIIBlanks)
        var firstColumn: [String: Int] = [:]
        firstColumn.reserveCapacity(names.count)
        // Columns without a name (Excel exports often end with a few) are allowed; they carry no field.
        for (index, name) in names.enumerated() where !name.isEmpty {
            if firstColumn.updateValue(index, forKey: name) != nil {
                let columns = names.indices.filter { names[$0] == name }.map { $0 + 1 }
                throw CSVError.duplicateHeader(path: path, line: headerRow.line, name: name, columns: columns)
            }
        }

        self.path = path
        self.encoding = encoding
        self.hadByteOrderMark = bom
        self.header = names
        self.headerLine = headerRow.line
        self.byteCount = count
        self.file = file
        self.scanner = scanner
        self.bytesRead = scanner.pos
    }

    /// A reader of the same file from `scanner` on (see `splitRemainder`).
    private init(sharing other: CSVReader, scanner: RecordScanner) {
        path = other.path
        encoding = other.encoding
        hadByteOrderMark = other.hadByteOrderMark
        header = other.header
        headerLine = other.headerLine
        byteCount = other.byteCount
        file = other.file
        self.scanner = scanner
        bytesRead = scanner.pos
    }

    /// Splits the records still to read in two, for reading on two threads: this reader then stops at the
    /// first line that begins after the middle of the rest, and the returned one reads from there to the end,
    /// numbering lines as this one would. Nil when less than `minimumBytes` are left, and for GB18030 (whose
    /// decoder cannot be shared).
    ///
    /// The split is right when a record begins there; a line break inside a quoted field can fool it. After
    /// this reader's `nextRaw` has returned false, `endedAtSplit` tells: when false, what the other reader
    /// read is not records of this file — discard it, call `readPastSplit()` and read on with this reader.
    public func splitRemainder(minimumBytes: Int = 1 << 20) -> CSVReader? {
        let start = scanner.pos, end = scanner.end
        guard encoding == .utf8, end - start >= max(minimumBytes, 2) else { return nil }
        let b = scanner.base
        var split = start + (end - start) / 2
        while split < end && b[split] != 0x0A { split += 1 }
        // After the line break and any empty lines: where the next record would begin.
        while split < end && (b[split] == 0x0A || b[split] == 0x0D) { split += 1 }
        guard split < end else { return nil }
        // Lines end at LF, CRLF or a lone CR, inside quoted fields too (as the scanner counts them). Line feeds
        // found with memchr (a line is tens of bytes: a byte-by-byte count took 0.035 s for 22 MB); lone CRs, if
        // there are CRs at all, in a second pass.
        var line = scanner.line
        var p = UnsafeRawPointer(b + start)
        let stopAt = UnsafeRawPointer(b + split)
        while p < stopAt, let found = memchr(p, 0x0A, stopAt - p) {
            line += 1
            p = UnsafeRawPointer(found) + 1
        }
        if memchr(b + start, 0x0D, split - start) != nil {
            for offset in start..<split where b[offset] == 0x0D && b[offset + 1] != 0x0A { line += 1 }
        }
        var rest = scanner
        rest.textRecord = nil
        rest.pos = split
        rest.line = line
        scanner.stop = split
        return CSVReader(sharing: self, scanner: rest)
    }

    /// Whether this reader, split by `splitRemainder`, stopped exactly where the other began.
    public var endedAtSplit: Bool { scanner.pos == scanner.stop }

    /// Lets this reader, split by `splitRemainder`, read on to the end of the file.
    public func readPastSplit() { scanner.stop = scanner.end }

    /// The next data row, or nil at the end. Completely empty lines (also a trailing one) are
    /// skipped but counted for line numbers. Throws `CSVError.unterminatedQuote`.
    public func next() throws -> CSVRow? {
        defer { bytesRead = scanner.pos }
        return try scanner.nextRecord()
    }

    private static func headerReason(_ problem: CSVFieldProblem, encoding: TextEncoding, choice: EncodingChoice) -> String {
        let column = "column \(problem.column + 1) of the header row"
        let message = problem.message
        if message.hasPrefix("a NUL byte") {
            return "\(column) contains a NUL byte, so the file is probably UTF-16 (Excel \"Unicode Text\") — save it as \"CSV UTF-8\" or \"CSV\" and try again"
        }
        if message.hasPrefix("longer than") {
            return "\(column) is \(message), so this is probably not a CSV file — check the file"
        }
        if encoding == .utf8 {
            let hint = choice == .utf8 ? "use --encoding auto or gb18030" : "save the file as \"CSV UTF-8\""
            return "\(column) has \(message) — \(hint)"
        }
        let hint = choice == .gb18030 ? "use --encoding auto or utf-8, or save the file as \"CSV UTF-8\"" : "save the file as \"CSV UTF-8\" and try again"
        return "\(column) has \(message) — \(hint)"
    }
}

/// Removes leading and trailing ASCII spaces and tabs.
func trimASCIIBlanks(_ s: String) -> String {
    let utf8 = s.utf8
    guard let first = utf8.first, let last = utf8.last else { return s }
    if first != 0x20 && first != 0x09 && last != 0x20 && last != 0x09 { return s }
    var lower = utf8.startIndex
    var upper = utf8.endIndex
    while lower < upper, utf8[lower] == 0x20 || utf8[lower] == 0x09 { lower = utf8.index(after: lower) }
    while upper > lower {
        let before = utf8.index(before: upper)
        guard utf8[before] == 0x20 || utf8[before] == 0x09 else { break }
        upper = before
    }
    return String(s[lower..<upper])
}

// MARK: - File bytes

/// The bytes of a file: memory-mapped when possible, otherwise read into memory (pipes, /proc).
final class FileBytes {
    let base: UnsafePointer<UInt8>
    let count: Int
    private let mapped: Bool

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CSVError.unreadable(path: path, reason: FileBytes.errorText(errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw CSVError.unreadable(path: path, reason: FileBytes.errorText(errno)) }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            throw CSVError.unreadable(path: path, reason: "it is a directory")
        }
        let size = Int(info.st_size)
        if (info.st_mode & S_IFMT) == S_IFREG && size > 0 {
            if let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), Int(bitPattern: p) != -1 {
                _ = madvise(p, size, MADV_SEQUENTIAL)
                base = UnsafePointer(p.assumingMemoryBound(to: UInt8.self))
                count = size
                mapped = true
                return
            }
        }
        // Read everything (empty regular files, pipes, files that cannot be mapped).
        var capacity = max(size, 0) + 65_536
        var buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
        var used = 0
        while true {
            if used == capacity {
                let bigger = UnsafeMutableRawPointer.allocate(byteCount: capacity * 2, alignment: 16)
                bigger.copyMemory(from: buffer, byteCount: used)
                buffer.deallocate()
                buffer = bigger
                capacity *= 2
            }
            let n = read(fd, buffer + used, capacity - used)
            if n > 0 { used += n; continue }
            if n == 0 { break }
            if errno == EINTR { continue }
            let reason = FileBytes.errorText(errno)
            buffer.deallocate()
            throw CSVError.unreadable(path: path, reason: reason)
        }
        base = UnsafePointer(buffer.assumingMemoryBound(to: UInt8.self))
        count = used
        mapped = false
    }

    deinit {
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            UnsafeMutableRawPointer(mutating: base).deallocate()
        }
    }

    static func errorText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

// MARK: - Byte scanner

private let comma: UInt8 = 0x2C
private let quote: UInt8 = 0x22
private let cr: UInt8 = 0x0D
private let lf: UInt8 = 0x0A

/// Where a quoted field's content is: one contiguous range of the file, or (after `""` or
/// text after the closing quote) copied into `scratch`, capped near `maxFieldBytes`.
/// Splits records and fields on raw bytes. The file's bytes must outlive it (owned by `FileBytes`).
struct RecordScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    var pos: Int
    /// `nextRaw` reads no record that begins here or later (see `CSVReader.splitRemainder`).
    var stop: Int
    var line = 1
    let path: String
    let encoding: TextEncoding
    let knownValidUTF8: Bool
    let maxFieldBytes: Int
    let decoder: GB18030Decoder?
    /// The record `nextRecord` scans into (made on its first call; a reader split off makes its own).
    var textRecord: CSVRawRecord?

    init(base: UnsafePointer<UInt8>, end: Int, pos: Int, path: String, encoding: TextEncoding,
         knownValidUTF8: Bool, maxFieldBytes: Int, decoder: GB18030Decoder?) {
        self.base = base
        self.end = end
        self.stop = end
        self.pos = pos
        self.path = path
        self.encoding = encoding
        self.knownValidUTF8 = knownValidUTF8
        self.maxFieldBytes = maxFieldBytes
        self.decoder = decoder
    }

    /// Where the unquoted text starting at `start` ends: the offset of the next comma, CR, LF or the end of the file.
    /// ORs every byte into `ascii` and notes a NUL byte.
    @inline(__always)
    func fieldEnd(from start: Int, ascii: inout UInt8, hasNul: inout Bool) -> Int {
        let b = base
        var q = start
        while q < end {
            let c = b[q]
            if c < 0x2D {
                if c == comma || c == lf || c == cr { break }
                if c == 0 { hasNul = true }
            }
            ascii |= c
            q += 1
        }
        return q
    }

    /// The next non-empty record, or nil at the end of the file (`stop` does not apply), each field decoded to text
    /// with its problems: the scan `nextRaw` makes (`scan(into:asText:)`), then `decodeField` for each field.
    mutating func nextRecord() throws -> CSVRow? {
        if textRecord == nil { textRecord = CSVRawRecord() }
        let record = textRecord!
        guard try scan(into: record, asText: true) else { return nil }
        let raw = record.fields
        var fields: [String] = []
        fields.reserveCapacity(raw.count)
        var problems: [CSVFieldProblem] = []
        for column in 0..<raw.count {
            let bytes = raw._field(column), flags = record.flags[column]
            guard let start = bytes.baseAddress, !bytes.isEmpty else {
                fields.append("")
                continue
            }
            fields.append(decodeField(start, bytes.count, total: bytes.count,
                                      ascii: flags & CSVRawRecord.nonASCII != 0 ? 0x80 : 0,
                                      hasNul: flags & CSVRawRecord.hasNul != 0,
                                      column: column, line: record.lines[column], problems: &problems))
        }
        return CSVRow(line: record.line, fields: fields, problems: problems)
    }

    /// Decodes one field's bytes. `count` bytes are available at `bytes`; `total` is the field's
    /// full length (larger when only a capped prefix was kept).
    private func decodeField(_ bytes: UnsafePointer<UInt8>, _ count: Int, total: Int, ascii: UInt8, hasNul: Bool,
                             column: Int, line: Int, problems: inout [CSVFieldProblem]) -> String {
        if total == 0 { return "" }
        var n = count
        var truncated = false
        if total > maxFieldBytes {
            truncated = true
            n = min(count, maxFieldBytes)
            if encoding == .utf8 {  // do not cut a UTF-8 character in half
                var steps = 0
                while steps < 3 && n > 0 && n < count && bytes[n] & 0xC0 == 0x80 {
                    n -= 1
                    steps += 1
                }
            }
            problems.append(CSVFieldProblem(column: column, line: line,
                                            message: "longer than \(maxFieldBytes) bytes (\(total) bytes)"))
        }
        if hasNul {
            problems.append(CSVFieldProblem(column: column, line: line, message: "a NUL byte"))
        }
        var string: String
        if ascii < 0x80 {
            string = String(decoding: UnsafeBufferPointer(start: bytes, count: n), as: UTF8.self)
        } else if encoding == .utf8 {
            if !knownValidUTF8, let offset = firstInvalidUTF8Offset(bytes, n) {
                problems.append(CSVFieldProblem(
                    column: column, line: line,
                    message: "bytes that are not valid UTF-8 (at byte offset \(offset) of the field)"))
            }
            string = String(decoding: UnsafeBufferPointer(start: bytes, count: n), as: UTF8.self)
        } else {
            let (decoded, offset) = decoder!.decode(bytes, n, truncated: truncated)
            if let offset {
                problems.append(CSVFieldProblem(
                    column: column, line: line,
                    message: "bytes that are not valid GB18030 (at byte offset \(offset) of the field)"))
            }
            string = decoded
        }
        if hasNul {
            string = String(String.UnicodeScalarView(string.unicodeScalars.filter { $0.value != 0 }))
        }
        return string
    }
}
