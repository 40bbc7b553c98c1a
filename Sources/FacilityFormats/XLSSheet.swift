import CFreeXL
import FacilityText
import Foundation

/// A sheet of an Excel 97–2003 workbook (`.xls`), read by FreeXL, as the rows of a table. Lines are the sheet's row
/// numbers, as Excel shows them.
///
/// The header is found below any title: it is the first row with at least half as many filled cells as the fullest
/// of the first 50 rows (and at least two) — a merged title such as 洛阳市医疗卫生机构名录（2025年） fills one cell,
/// blank rows none. Cells read as text the way a CSV would hold them: whole numbers without a point, other numbers
/// as Swift writes them (the shortest text that reads back the same), date cells as `YYYY-MM-DD` (a date with a time
/// of midnight too), text as it is. Completely empty rows are skipped.
public final class XLSSheet: RecordSource {
    public let path: String
    public let header: [String]
    public let headerLine: Int
    public let byteCount: Int
    public private(set) var bytesRead = 0
    /// The sheet's name.
    public let sheetName: String
    /// UTF-8 with a byte order mark: what Excel opens.
    public var rejectsEncoding: CSVOutputEncoding { .utf8BOM }

    private let handle: UnsafeRawPointer
    private let rows: Int
    private let columns: Int
    private var row: Int

    /// The sheet `options` names (by name, or number from 1; the first when none) of the workbook at `path`, its header
    /// on `options.headerRow` or found.
    public init(path: String, options: WorkbookOptions = WorkbookOptions()) throws {
        self.path = path
        byteCount = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        var opened: UnsafeRawPointer?
        let status = freexl_open(path, &opened)
        guard status == FREEXL_OK, let opened else {
            if let opened { freexl_close(opened) }
            let reason = FileManager.default.fileExists(atPath: path)
                ? Phrase("error.workbook.freexl", String(status))
                : Phrase("reason.no-such-file")
            throw WorkbookError.unreadable(path: path, reason: reason)
        }
        let handle = opened
        self.handle = handle
        var count: UInt32 = 0
        freexl_get_info(handle, UInt16(FREEXL_BIFF_SHEET_COUNT), &count)
        let sheets: [String] = (0..<Int(count)).map { index in
            var name: UnsafePointer<CChar>?
            freexl_get_worksheet_name(handle, UInt16(index), &name)
            return name.map { String(cString: $0) } ?? "Sheet\(index + 1)"
        }
        let asked = options.sheet
        let sheet = asked.map { asked in sheets.firstIndex(of: asked) ?? Int(asked).map { $0 - 1 } ?? -1 } ?? 0
        guard sheets.indices.contains(sheet), freexl_select_active_worksheet(handle, UInt16(sheet)) == FREEXL_OK else {
            freexl_close(handle)
            throw WorkbookError.noSheet(path: path, asked: asked ?? "1", sheets: sheets)
        }
        sheetName = sheets[sheet]
        var rowCount: UInt32 = 0, columnCount: UInt16 = 0
        freexl_worksheet_dimensions(handle, &rowCount, &columnCount)
        let rows = Int(rowCount), columns = Int(columnCount)
        self.rows = rows
        self.columns = columns

        // The header: the first row at least half as full as the fullest of the first 50 (and with two cells or more).
        let filled = (0..<min(rows, 50)).map { r in (0..<columns).filter { !Self.text(handle, r, $0).isEmpty }.count }
        guard let headerRow = options.headerRow.map({ $0 - 1 }) ?? Workbook.headerIndex(filled: filled), headerRow >= 0, headerRow < rows else {
            freexl_close(handle)
            throw WorkbookError.noHeader(path: path, sheet: sheetName, headerRow: nil, otherSheets: sheets.count > 1 && asked == nil ? sheets : [])
        }
        var names = (0..<columns).map { Self.text(handle, headerRow, $0).trimmingCharacters(in: .whitespaces) }
        while names.last?.isEmpty == true { names.removeLast() }
        header = names
        headerLine = headerRow + 1
        row = headerRow + 1
    }

    deinit { freexl_close(handle) }

    public func cell(line: Int, field: String) -> String? {
        Workbook.reference(sheet: sheetName, header: header, line: line, field: field)
    }

    public func next() throws -> CSVRow? {
        while row < rows {
            defer { row += 1 }
            bytesRead = rows == 0 ? byteCount : byteCount * (row + 1) / rows
            var fields = (0..<max(columns, header.count)).map { Self.text(handle, row, $0) }
            while fields.count > header.count, fields.last?.isEmpty == true { fields.removeLast() }
            if fields.allSatisfy(\.isEmpty) { continue }
            return CSVRow(line: row + 1, fields: fields, problems: [])
        }
        bytesRead = byteCount
        return nil
    }

    /// The cell at (`row`, `column`) as text (see the type's description); empty for an empty cell.
    private static func text(_ handle: UnsafeRawPointer, _ row: Int, _ column: Int) -> String {
        var cell = FreeXL_CellValue()
        guard freexl_get_cell_value(handle, UInt32(row), UInt16(column), &cell) == FREEXL_OK else { return "" }
        switch Int32(cell.type) {
        case FREEXL_CELL_INT: return String(cell.value.int_value)
        case FREEXL_CELL_DOUBLE:
            let value = cell.value.double_value
            if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
            return "\(value)"
        case FREEXL_CELL_TEXT, FREEXL_CELL_SST_TEXT, FREEXL_CELL_TIME:
            return cell.value.text_value.map { String(cString: $0) } ?? ""
        case FREEXL_CELL_DATE, FREEXL_CELL_DATETIME:
            let text = cell.value.text_value.map { String(cString: $0) } ?? ""
            return text.hasSuffix(" 00:00:00") ? String(text.prefix(10)) : text
        default: return ""
        }
    }
}
