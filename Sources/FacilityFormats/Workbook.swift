import FacilityText
import Foundation

/// Which sheet of a workbook an import reads, and where its header is: `--sheet` and `--header-row`.
public struct WorkbookOptions: Sendable, Equatable {
    /// The sheet's name, or its number from 1; the first sheet when nil.
    public var sheet: String?
    /// The header's row number (from 1); found below any title when nil.
    public var headerRow: Int?

    public init(sheet: String? = nil, headerRow: Int? = nil) {
        self.sheet = sheet
        self.headerRow = headerRow
    }
}

/// Why a workbook cannot be read as a whole.
public enum WorkbookError: PhrasedError, Equatable {
    case unreadable(path: String, reason: Phrase)
    /// The sheet asked for (`--sheet`, else the first) is not there; `sheets` are the workbook's.
    case noSheet(path: String, asked: String, sheets: [String])
    /// The sheet has no header row where one was looked for: on `headerRow` (`--header-row`), else in its first 50
    /// rows; `otherSheets` the workbook's sheets, to name when no `--sheet` was given.
    case noHeader(path: String, sheet: String, headerRow: Int?, otherSheets: [String])

    public var phrase: Phrase {
        switch self {
        case let .unreadable(path, reason):
            Phrase("error.workbook.unreadable", arguments: [.text(path), .phrase(reason)])
        case let .noSheet(path, asked, sheets):
            Phrase("error.workbook.no-sheet", arguments: [.text(path), .text(asked), .phrase(.list(sheets))])
        case let .noHeader(path, sheet, headerRow, otherSheets):
            Phrase("error.workbook.no-header", arguments: [
                .text(path), .text(sheet),
                .phrase(headerRow.map { Phrase("error.workbook.no-header.on-row", String($0)) } ?? Phrase("error.workbook.no-header.first-rows")),
                .phrase(otherSheets.isEmpty ? .verbatim("") : Phrase("error.workbook.no-header.other-sheets", arguments: [.phrase(.list(otherSheets))])),
            ])
        }
    }

    public var description: String { phrase.text(in: .en).singleLine }

    /// `reason` and what to do: open the workbook in a spreadsheet and save it again.
    static func saveAgain(_ reason: Phrase) -> Phrase { Phrase("error.workbook.save-again", arguments: [.phrase(reason)]) }
}

/// What the workbook readers (`XLSSheet`, `XLSXSheet`) share: how the header is found, how a cell is named, how a
/// date serial reads.
enum Workbook {
    /// The header among the first rows, given how many filled cells each has (in order; at most the first 50): the
    /// first row at least half as full as the fullest (and with two cells or more) — a merged title such as
    /// 洛阳市医疗卫生机构名录（2025年） fills one cell, blank rows none.
    static func headerIndex(filled: [Int]) -> Int? {
        let needed = max(2, ((filled.max() ?? 0) + 1) / 2)
        return filled.firstIndex { $0 >= needed }
    }

    /// A column's letters as Excel shows them: 0 → A, 25 → Z, 26 → AA.
    static func columnName(_ column: Int) -> String {
        var letters: [UInt8] = []
        var n = column + 1
        while n > 0 {
            letters.append(UInt8(ascii: "A") + UInt8((n - 1) % 26))
            n = (n - 1) / 26
        }
        return String(decoding: letters.reversed(), as: UTF8.self)
    }

    /// A cell's reference as Excel writes it in a formula: `医疗机构!F57`, the sheet's name quoted when it holds
    /// anything but letters, digits and `_` (`'Sheet 1'!F57`). A row without one column (`field` not a header name)
    /// is the whole row: `医疗机构!57:57`.
    static func reference(sheet: String, header: [String], line: Int, field: String) -> String {
        let plain = !sheet.isEmpty && sheet.unicodeScalars.allSatisfy { $0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" }
            && !("0"..."9").contains(sheet.unicodeScalars.first!)
        let name = plain ? sheet : "'" + sheet.replacingOccurrences(of: "'", with: "''") + "'"
        // A field the importer names as two columns (`lon/lat`) points at the first.
        let column = header.firstIndex(of: field) ?? field.split(separator: "/").first.flatMap { header.firstIndex(of: String($0)) }
        return column.map { "\(name)!\(columnName($0))\(line)" } ?? "\(name)!\(line):\(line)"
    }

    /// An Excel date serial as text: `YYYY-MM-DD`, with ` HH:MM:SS` when it has a time of day; in the 1900 system
    /// (serial 1 is 1900-01-01, and 60 the 1900-02-29 Lotus 1-2-3 counted) or the 1904 system (0 is 1904-01-01).
    static func dateText(serial: Double, date1904: Bool) -> String {
        var seconds = (serial * 86_400).rounded()
        // Days from 1970-01-01 of serial 0.
        let epoch = date1904 ? -24_107 : (serial < 60 ? -25_568 : -25_569)
        var days = Int((seconds / 86_400).rounded(.down))
        seconds -= Double(days) * 86_400
        days += epoch
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : String(n) }
        let date = "\(year < 1000 ? String(repeating: "0", count: 4 - String(year).count) : "")\(year)-\(two(month))-\(two(day))"
        let time = Int(seconds)
        guard time > 0 else { return date }
        return date + " \(two(time / 3600)):\(two(time / 60 % 60)):\(two(time % 60))"
    }
}
