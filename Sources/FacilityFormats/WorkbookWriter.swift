import CXlsxWriter
import FacilityText
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system's message for `errno`, in the catalogue's words when it knows them.
func systemReason(_ code: Int32 = errno) -> Phrase.Argument { .phrase(.reason(String(cString: strerror(code)))) }

/// `.xlsx` workbooks (Excel 2007 and later, WPS, LibreOffice) described as values and written by libxlsxwriter:
/// sheets with a bold header row (frozen, so it stays in view), rows of typed cells, and columns as wide as their
/// contents unless told otherwise.
public enum WorkbookWriter {
    /// Excel's limit on a sheet name's length, in UTF-16 units.
    public static let sheetNameLimit = 31
    /// Excel's limit on the text of one cell, in UTF-16 units.
    public static let cellTextLimit = 32_767

    /// How a number is shown, in Excel's format codes; the cell holds the number itself.
    public struct NumberFormat: Hashable, Sendable {
        public var code: String

        public init(_ code: String) { self.code = code }

        /// A share, 0.873 shown as 87.3%.
        public static let percent = NumberFormat("0.0%")
        /// One decimal: 12.5.
        public static let oneDecimal = NumberFormat("0.0")
        /// Two decimals: 9.87.
        public static let twoDecimals = NumberFormat("0.00")
        /// A whole number: 1200.
        public static let whole = NumberFormat("0")
    }

    /// One cell: text (a yes or no shown in words is text too), a number with its format, or nothing.
    public enum Cell: Equatable, Sendable {
        case text(String)
        /// A number that is not finite is written as an empty cell (a workbook cannot hold it).
        case number(Double, NumberFormat)
        case empty
    }

    /// A row of cells; `highlighted` fills it light red (what needs attention), `bold` marks a total.
    public struct Row: Equatable, Sendable {
        public var cells: [Cell]
        public var highlighted: Bool
        public var bold: Bool

        public init(_ cells: [Cell], highlighted: Bool = false, bold: Bool = false) {
            self.cells = cells
            self.highlighted = highlighted
            self.bold = bold
        }
    }

    /// One sheet: its name (made safe when written, see `sheetNames`), a header row and the rows under it.
    public struct Sheet: Equatable, Sendable {
        public var name: String
        public var header: [String]
        public var rows: [Row]
        /// Column widths in characters (a Chinese character is two); nil fits each column to its contents.
        public var columnWidths: [Double]?
        /// Whether the header row stays in view when scrolling.
        public var freezesHeader: Bool

        public init(name: String, header: [String], rows: [Row], columnWidths: [Double]? = nil, freezesHeader: Bool = true) {
            self.name = name
            self.header = header
            self.rows = rows
            self.columnWidths = columnWidths
            self.freezesHeader = freezesHeader
        }

        /// Each column's width to show its header and cells: the widest, plus a margin, at most 60 characters.
        public var fittedColumnWidths: [Double] {
            let columns = max(header.count, rows.map(\.cells.count).max() ?? 0)
            var widths = [Double](repeating: 6, count: columns)
            func fit(_ column: Int, _ width: Int) { widths[column] = max(widths[column], min(60, Double(width) + 2)) }
            for (column, text) in header.enumerated() { fit(column, displayWidth(text) + 1) }
            for row in rows {
                for (column, cell) in row.cells.enumerated() {
                    switch cell {
                    case .text(let text): fit(column, displayWidth(text))
                    case .number(let value, let format): fit(column, shownWidth(value, format))
                    case .empty: break
                    }
                }
            }
            return widths
        }
    }

    /// `wanted` made into names Excel takes, in order: the characters []:*?/\ become _, leading and trailing
    /// apostrophes go, names are cut to 31 characters, and a name already taken (Excel ignores case) gets " (2)", " (3)"…
    /// Names that are already safe and distinct come back unchanged.
    public static func sheetNames(_ wanted: [String]) -> [String] {
        var taken = Set<String>()
        var names: [String] = []
        for name in wanted {
            var safe = cut(String(name.map { "[]:*?/\\".contains($0) || $0.isNewline ? "_" : $0 }), to: sheetNameLimit)
            safe = safe.trimmingCharacters(in: CharacterSet.whitespaces.union(CharacterSet(charactersIn: "'")))
            if safe.isEmpty { safe = "Sheet\(names.count + 1)" }
            // "History" is reserved in English Excel.
            if safe.lowercased() == "history" { safe += "_" }
            var candidate = safe
            var n = 2
            while taken.contains(candidate.lowercased()) {
                let suffix = " (\(n))"
                candidate = cut(safe, to: sheetNameLimit - suffix.utf16.count) + suffix
                n += 1
            }
            taken.insert(candidate.lowercased())
            names.append(candidate)
        }
        return names
    }

    /// Writes `sheets` to the `.xlsx` file at `path`, replacing it only once the whole workbook is written.
    public static func write(_ sheets: [Sheet], to path: String) throws(FileWriteError) {
        let parent = (path as NSString).deletingLastPathComponent
        let folder = parent.isEmpty ? "." : parent
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            throw FileWriteError(path: path, "workbook-write.is-folder", .text(path))
        }
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else {
            throw FileWriteError(path: path, "workbook-write.no-folder", .text(folder))
        }
        guard isFolder.boolValue else {
            throw FileWriteError(path: path, "workbook-write.folder-is-file", .text(folder))
        }
        guard access(folder, W_OK) == 0 else {
            throw FileWriteError(path: path, "workbook-write.folder-not-writable", .text(folder), systemReason())
        }
        let partial = (folder as NSString).appendingPathComponent(".\((path as NSString).lastPathComponent).\(getpid()).partial")
        do throws(FileWriteError) {
            try writeWorkbook(sheets, to: partial, naming: path)
            guard rename(partial, path) == 0 else {
                throw FileWriteError(path: path, "workbook-write.rename", systemReason())
            }
        } catch {
            unlink(partial)
            throw error
        }
    }

    /// The sheets in libxlsxwriter's calls; `path` is where it writes, `name` the file errors name.
    private static func writeWorkbook(_ sheets: [Sheet], to path: String, naming name: String) throws(FileWriteError) {
        guard let workbook = workbook_new(path) else {
            throw FileWriteError(path: name, "workbook-write.start")
        }
        var closed = false
        defer { if !closed { workbook_close(workbook) } }
        var formats = Formats(workbook: workbook)
        let names = sheetNames(sheets.map(\.name))
        for (sheet, sheetName) in zip(sheets, names) {
            guard let worksheet = workbook_add_worksheet(workbook, sheetName) else {
                throw FileWriteError(path: name, "workbook-write.sheet-refused", .text(sheetName))
            }
            func check(_ error: lxw_error, row: Int, column: Int) throws(FileWriteError) {
                guard error != LXW_NO_ERROR else { return }
                throw FileWriteError(path: name, "workbook-write.cell", .text(sheetName), .text(String(row + 1)), .text(String(column + 1)),
                                         .text(String(cString: lxw_strerror(error))))
            }
            let header = formats.format(nil, highlighted: false, bold: true, header: true)
            for (column, text) in sheet.header.enumerated() {
                try check(worksheet_write_string(worksheet, 0, lxw_col_t(column), text, header), row: 0, column: column)
            }
            for (index, row) in sheet.rows.enumerated() {
                let r = lxw_row_t(index + 1)
                guard index + 1 < 1_048_576 else {
                    throw FileWriteError(path: name, "workbook-write.too-many-rows", .text(sheetName))
                }
                let plain = formats.format(nil, highlighted: row.highlighted, bold: row.bold, header: false)
                for (column, cell) in row.cells.enumerated() {
                    let c = lxw_col_t(column)
                    switch cell {
                    case .text(let text) where !text.isEmpty:
                        try check(worksheet_write_string(worksheet, r, c, text, plain), row: index + 1, column: column)
                    case .number(let value, let numberFormat) where value.isFinite:
                        let format = formats.format(numberFormat, highlighted: row.highlighted, bold: row.bold, header: false)
                        try check(worksheet_write_number(worksheet, r, c, value, format), row: index + 1, column: column)
                    default:
                        if let plain { try check(worksheet_write_blank(worksheet, r, c, plain), row: index + 1, column: column) }
                    }
                }
            }
            for (column, width) in (sheet.columnWidths ?? sheet.fittedColumnWidths).enumerated() {
                _ = worksheet_set_column(worksheet, lxw_col_t(column), lxw_col_t(column), width, nil)
            }
            if sheet.freezesHeader { worksheet_freeze_panes(worksheet, 1, 0) }
        }
        closed = true
        let error = workbook_close(workbook)
        guard error == LXW_NO_ERROR else {
            throw FileWriteError(path: name, "workbook-write.close", .text(String(cString: lxw_strerror(error))))
        }
    }

    /// The workbook's cell formats, one per combination, made when first asked for.
    private struct Formats {
        let workbook: UnsafeMutablePointer<lxw_workbook>
        var made: [String: UnsafeMutablePointer<lxw_format>] = [:]

        init(workbook: UnsafeMutablePointer<lxw_workbook>) { self.workbook = workbook }

        /// The format for a cell; nil for plain text in a plain row (libxlsxwriter's default).
        mutating func format(_ number: NumberFormat?, highlighted: Bool, bold: Bool, header: Bool)
            -> UnsafeMutablePointer<lxw_format>? {
            if number == nil && !highlighted && !bold && !header { return nil }
            let key = "\(number?.code ?? "")|\(highlighted)|\(bold)|\(header)"
            if let format = made[key] { return format }
            guard let format = workbook_add_format(workbook) else { return nil }
            if let number { format_set_num_format(format, number.code) }
            if bold || header { format_set_bold(format) }
            if header {
                format_set_bg_color(format, 0xD9E1F2)
                format_set_bottom(format, UInt8(LXW_BORDER_THIN.rawValue))
            } else if highlighted {
                // Excel's "light red fill" of its conditional formats.
                format_set_bg_color(format, 0xFFC7CE)
            }
            made[key] = format
            return format
        }
    }

    /// `text` cut to at most `limit` UTF-16 units, on a character boundary.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.utf16.count > limit else { return text }
        var out = ""
        var used = 0
        for character in text {
            let size = character.utf16.count
            if used + size > limit { break }
            out.append(character)
            used += size
        }
        return out
    }

    /// How many columns `text` takes on screen: two for a Chinese (wide) character, one for others.
    static func displayWidth(_ text: String) -> Int {
        text.unicodeScalars.reduce(0) { $0 + ($1.value >= 0x2E80 && $1.value <= 0xFFEF ? 2 : 1) }
    }

    /// About how many columns `value` takes in `format`.
    static func shownWidth(_ value: Double, _ format: NumberFormat) -> Int {
        let decimals = format.code.split(separator: ".").dropFirst().first.map { $0.filter { $0 == "0" }.count } ?? 0
        let scaled = format.code.hasSuffix("%") ? value * 100 : value
        let digits = scaled.magnitude < 1 ? 1 : Int(log10(scaled.magnitude)) + 1
        return digits + (decimals > 0 ? decimals + 1 : 0) + (format.code.hasSuffix("%") ? 1 : 0) + (value < 0 ? 1 : 0)
    }
}
