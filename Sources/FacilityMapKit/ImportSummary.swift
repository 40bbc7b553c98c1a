import FacilityFormats
import FacilityStore
import FacilityText
import Foundation

/// A row or feature that was not taken, and why: `FILE:LINE: field: what is wrong`.
public struct Rejection: Equatable, Sendable, CustomStringConvertible {
    public let file: String
    /// Physical line in the file (the header is line 1).
    public let line: Int
    /// The column or property at fault, as the file names it.
    public let field: String
    /// What is wrong and what to do, to be said in any language (`description(in:)`); `message` is its English.
    public let reason: Phrase
    /// The row's fields as read, for `--rejects`.
    public let fields: [String]
    /// The cell, when the file is a workbook: `医疗机构!F57`, as Excel names it (the sheet, the field's column, the row).
    public var cell: String?

    public init(file: String, line: Int, field: String, reason: Phrase, fields: [String], cell: String? = nil) {
        self.file = file
        self.line = line
        self.field = field
        self.reason = reason
        self.fields = fields
        self.cell = cell
    }

    public init(file: String, line: Int, field: String, message: String, fields: [String], cell: String? = nil) {
        self.init(file: file, line: line, field: field, reason: .verbatim(message), fields: fields, cell: cell)
    }

    /// What is wrong, in English: the API's language.
    public var message: String { reason.text(in: .en) }

    /// Where the row is: `FILE:LINE`, or `FILE:SHEET!CELL` in a workbook.
    public var place: String { "\(file):\(cell ?? String(line))" }

    public var description: String { description(in: .en) }

    /// `FILE:LINE: field: what is wrong`, what is wrong said in `language`.
    public func description(in language: Language) -> String { "\(place): \(field): \(reason.text(in: language))" }
}

/// What an import did.
public struct ImportSummary: Sendable {
    public var file: String
    public var sha256: String
    public var rows = 0
    public var new = 0
    public var updated = 0
    public var unchanged = 0
    public var rejections: [Rejection] = []
    /// Things worth a look that did not stop a row (e.g. a polygon repaired with MakeValid), to be said in any language.
    public var warningPhrases: [Phrase] = []
    /// The warnings in English (the API's).
    public var warnings: [String] { warningPhrases.map { $0.text(in: .en) } }
    /// False when `--strict` refused the file because of a rejected row: then nothing was written.
    public var committed = true
    /// Its number in the import log, once recorded (nil when nothing was written).
    public var number: Int?
    /// The earlier import of a file with the same SHA-256, if any.
    public var previousImport: ImportRecord?
    /// A CSV file's header, as read: the rejected rows' `fields` follow it (the page's rejects download).
    public var header: [String]?

    public var rejected: Int { rejections.count }

    /// `imported N rows: A new, B updated, C unchanged, R rejected`.
    public var line: String { line(in: .en) }

    /// The summary line in `language`: `imported 10 rows: …`, `导入 10 行：…`. The API's `line` is English.
    public func line(in language: Language) -> String {
        let rows = Message(self.rows == 1 ? "import.rows.one" : "import.rows.other").text(String(self.rows), in: language)
        return Message(committed ? "import.summary" : "import.summary.strict")
            .text(rows, String(new), String(updated), String(unchanged), String(rejected), in: language)
    }

    /// A second line when the same file was imported before and nothing changed.
    public var repeatNote: String? { repeatNote(in: .en) }

    public func repeatNote(in language: Language) -> String? {
        guard let previousImport, committed, new == 0, updated == 0 else { return nil }
        return Message("import.repeat").text(file, previousImport.importedAt, String(sha256.prefix(12)), in: language)
    }

    mutating func count(_ outcome: UpsertOutcome) {
        switch outcome {
        case .inserted: new += 1
        case .updated: updated += 1
        case .unchanged: unchanged += 1
        }
    }

    func record(layer: String, author: String) -> ImportRecord {
        ImportRecord(file: file, sha256: sha256, importedAt: ISO8601DateFormatter().string(from: Date()), layer: layer,
                     rows: rows, new: new, updated: updated, unchanged: unchanged, rejected: rejected, author: author)
    }

    /// The author of an import from the command line: `local user NAME`.
    public static let localAuthor: String = {
        let environment = ProcessInfo.processInfo.environment
        if let user = environment["USER"] ?? environment["LOGNAME"], !user.isEmpty { return "local user \(user)" }
        if let entry = getpwuid(getuid()), let name = entry.pointee.pw_name { return "local user " + String(cString: name) }
        return "local user \(getuid())"
    }()
}

/// `1 row`, `2 rows`: a count with its noun in English number.
func counted(_ count: Int, _ noun: String, plural: String? = nil) -> String {
    "\(count) \(count == 1 ? noun : plural ?? noun + "s")"
}

/// Progress of a long import: rows read so far and bytes of the file consumed.
public typealias ImportProgress = (_ rows: Int, _ bytesRead: Int, _ bytesTotal: Int) -> Void

/// A file refused as a whole: nothing was imported.
public enum ImportError: PhrasedError, Equatable {
    case missingColumns(file: String, line: Int, names: [String])
    case noDataRows(file: String, line: Int)
    case rejectsNeedCSV(file: String)
    case cannotWriteRejects(path: String, reason: String)
    /// A header with more columns than an import reads.
    case tooManyColumns(file: String, line: Int, count: Int, limit: Int)
    /// A row outside what the writing token may change: the whole file is refused.
    case outsideScope(file: String, line: Int, id: String, token: String, reason: String)
    /// A feature's polygons took the file over a `GeometryLimits` limit or budget; `option` raises it.
    case geometryTooLarge(file: String, line: Int, feature: Phrase, what: Phrase, option: String)

    public var phrase: Phrase {
        switch self {
        case let .missingColumns(file, line, names):
            Phrase("error.missing-columns", arguments: [.text(file), .text(String(line)), .phrase(.list(names))])
        case let .noDataRows(file, line):
            Phrase("error.no-data-rows", file, String(line))
        case let .rejectsNeedCSV(file):
            Phrase("error.rejects-need-csv", file)
        case let .cannotWriteRejects(path, reason):
            Phrase("error.cannot-write-rejects", path, reason)
        case let .tooManyColumns(file, line, count, limit):
            Phrase("error.too-many-columns", file, String(line), String(count), String(limit))
        case let .geometryTooLarge(file, line, feature, what, option):
            Phrase("error.geometry-too-large", arguments: [.text(file), .text(String(line)), .phrase(feature), .phrase(what), .text(option)])
        case let .outsideScope(file, line, id, token, reason):
            Phrase("error.outside-scope", file, String(line), id, token, reason)
        }
    }
}

/// Writes rejected rows with a `reason` column, ready to fix and re-import: in the input's own encoding (UTF-8
/// with a byte order mark for a UTF-8 file, so that Excel opens it). Importing such a file again skips the
/// `reason` column (`ColumnMap`), and its rejects get one `reason` column again, not a second one.
struct RejectsFile {
    /// The column a rejects file adds; an import never stores it.
    static let reasonColumn = "reason"

    static func isReason(_ header: String) -> Bool { header.trimmed.lowercased() == reasonColumn }

    static func write(_ rejections: [Rejection], header: [String], encoding: CSVOutputEncoding, to path: String,
                      language: Language = .en) throws {
        do {
            let writer = try CSVWriter(path: path, encoding: encoding)
            let reasonIndex = header.firstIndex(where: isReason)
            try writer.write(reasonIndex == nil ? header + [reasonColumn] : header)
            for rejection in rejections {
                var fields = rejection.fields
                if fields.count < header.count { fields += Array(repeating: "", count: header.count - fields.count) }
                let reason = "\(rejection.cell ?? "line \(rejection.line)"): \(rejection.field): \(rejection.reason.text(in: language))"
                if let reasonIndex { fields[reasonIndex] = reason } else { fields.append(reason) }
                try writer.write(fields)
            }
            try writer.close()
        } catch {
            throw ImportError.cannotWriteRejects(path: path, reason: "\(error)")
        }
    }
}

/// Thrown inside the transaction to roll it back when `--strict` meets a rejected row.
struct StrictRollback: Error {}
