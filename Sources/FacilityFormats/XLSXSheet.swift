import FacilityText
import Foundation

/// A sheet of an Office Open XML workbook (`.xlsx`, as Excel, WPS, LibreOffice and openpyxl write it), read as the
/// rows of a table while it inflates: the sheet's XML is parsed by Expat a piece at a time, so memory holds the
/// workbook's shared-string table (as Excel does) and a few thousand rows, never the sheet. Lines are the sheet's row
/// numbers, as Excel shows them; messages name cells (`医疗机构!F57`).
///
/// The header is found as in an `.xls` (`Workbook.headerIndex`), or is on `--header-row`. Cells read as text the way
/// a CSV would hold them: numbers as written (a whole number without a point; a number in exponent form or with more
/// than 15 digits as Swift writes the double), dates — numbers in a date format, Excel's or a custom one such as
/// `yyyy"年"m"月"d"日"` — as `YYYY-MM-DD` (with ` HH:MM:SS` when they have a time), in the workbook's 1900 or 1904
/// system; text exact (shared, inline and rich text, phonetic guides left out, `_x000D_` escapes decoded); booleans
/// as TRUE/FALSE; formulas by the value saved with them (a formula saved without one is the row's problem: open and
/// save the workbook in Excel, WPS or LibreOffice); error values (`#N/A`) as their text. A merged cell's value is in
/// its first cell only, as Excel's own CSV export has it. Completely empty rows are skipped.
public final class XLSXSheet: RecordSource {
    public let path: String
    public let header: [String]
    public let headerLine: Int
    public let byteCount: Int
    public var bytesRead: Int { reader.consumed }
    /// The sheet's name.
    public let sheetName: String
    /// UTF-8 with a byte order mark: what Excel opens.
    public var rejectsEncoding: CSVOutputEncoding { .utf8BOM }

    private let reader: ZipArchive.EntryReader
    private let rows: SheetRows
    private var done = false

    /// The sheet `options` names (by name, or number from 1; the first when none) of the workbook at `path`, its header
    /// on `options.headerRow` or found.
    public init(path: String, options: WorkbookOptions = WorkbookOptions()) throws {
        self.path = path
        func unreadable(_ reason: Phrase) -> WorkbookError {
            .unreadable(path: path, reason: WorkbookError.saveAgain(reason))
        }
        let package: XLSXPackage
        do {
            package = try XLSXPackage(path: path)
        } catch let failure as ZipArchive.Failure {
            if failure.message == "no such file" || failure.message == "permission denied" {
                throw WorkbookError.unreadable(path: path, reason: .reason(failure.message))
            }
            throw unreadable(Phrase("error.workbook.not-xlsx", arguments: [.phrase(.reason(failure.message))]))
        } catch let failure as XMLStream.Failure {
            throw unreadable(Phrase("error.workbook.not-xml", failure.message))
        }
        byteCount = package.fileSize
        let names = package.sheets.map(\.name)
        let asked = options.sheet
        let index = asked.map { asked in names.firstIndex(of: asked) ?? Int(asked).map { $0 - 1 } ?? -1 } ?? 0
        guard package.sheets.indices.contains(index) else {
            throw WorkbookError.noSheet(path: path, asked: asked ?? "1", sheets: names)
        }
        sheetName = names[index]
        guard let entry = package.archive.entry(named: package.sheets[index].part) else {
            throw unreadable(Phrase("error.workbook.part-missing", sheetName, package.sheets[index].part))
        }
        let rows = SheetRows(strings: package.sharedStrings, dateStyles: package.dateStyles, date1904: package.date1904)
        let reader: ZipArchive.EntryReader
        do {
            reader = try ZipArchive.EntryReader(archive: package.archive, entry: entry)
        } catch let failure as ZipArchive.Failure {
            throw unreadable(.reason(failure.message))
        }
        self.rows = rows
        self.reader = reader

        // The first rows (up to row 50, or the header row asked for) decide the header.
        let lastLooked = max(50, options.headerRow ?? 0)
        var done = false
        while !done, rows.ready.last.map({ $0.line < lastLooked }) ?? true {
            done = try Self.pump(reader, rows, path: path, sheet: sheetName)
        }
        self.done = done
        let first = rows.ready.filter { $0.line <= lastLooked }
        let headerIndex: Int?
        if let asked = options.headerRow {
            headerIndex = first.firstIndex { $0.line == asked }
        } else {
            headerIndex = Workbook.headerIndex(filled: first.filter { $0.line <= 50 }.map { $0.fields.filter { !$0.isEmpty }.count })
        }
        guard let headerIndex else {
            throw WorkbookError.noHeader(path: path, sheet: sheetName, headerRow: options.headerRow,
                                         otherSheets: names.count > 1 && asked == nil ? names : [])
        }
        var headerNames = rows.ready[headerIndex].fields.map { $0.trimmingCharacters(in: .whitespaces) }
        while headerNames.last?.isEmpty == true { headerNames.removeLast() }
        header = headerNames
        headerLine = rows.ready[headerIndex].line
        rows.ready.removeFirst(headerIndex + 1)
    }

    public func next() throws -> CSVRow? {
        while true {
            if rows.taken < rows.ready.count {
                let row = rows.ready[rows.taken]
                rows.taken += 1
                if row.fields.allSatisfy(\.isEmpty) && row.problems.isEmpty { continue }
                var fields = row.fields
                if fields.count < header.count { fields += Array(repeating: "", count: header.count - fields.count) }
                while fields.count > header.count, fields.last?.isEmpty == true { fields.removeLast() }
                return CSVRow(line: row.line, fields: fields, problems: row.problems)
            }
            rows.ready.removeAll(keepingCapacity: true)
            rows.taken = 0
            if done { return nil }
            done = try Self.pump(reader, rows, path: path, sheet: sheetName)
        }
    }

    public func cell(line: Int, field: String) -> String? {
        Workbook.reference(sheet: sheetName, header: header, line: line, field: field)
    }

    /// Inflates and parses the next piece of the sheet; true when the sheet is done.
    private static func pump(_ reader: ZipArchive.EntryReader, _ rows: SheetRows, path: String, sheet: String) throws -> Bool {
        do {
            let more = try reader.next { rows.feed($0) }
            if !more { rows.finish() }
            if let failure = rows.failure { throw WorkbookError.unreadable(path: path, reason: Phrase("error.workbook.in-sheet", sheet, "\(failure)")) }
            return !more
        } catch let failure as ZipArchive.Failure {
            throw WorkbookError.unreadable(path: path, reason: Phrase("error.workbook.in-sheet", arguments: [.text(sheet), .phrase(.reason(failure.message))]))
        }
    }
}

/// The parts of an `.xlsx` a sheet needs: where each sheet is, the shared strings, which styles are dates, the date
/// system. Found through the package's relationships, as Office Open XML (ECMA-376 part 2) lays them out.
struct XLSXPackage {
    struct Sheet {
        let name: String
        /// The sheet's part in the archive, e.g. `xl/worksheets/sheet1.xml`.
        let part: String
    }

    let archive: ZipArchive
    let fileSize: Int
    let sheets: [Sheet]
    let sharedStrings: SharedStrings
    /// For each cell style (`s`), whether it formats numbers as dates.
    let dateStyles: [Bool]
    let date1904: Bool

    init(path: String) throws {
        let archive = try ZipArchive(path: path)
        self.archive = archive
        fileSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        func part(_ name: String) throws -> [UInt8]? {
            try archive.entry(named: name).map { try archive.contents(of: $0) }
        }
        // The workbook part: the package's officeDocument relationship (xl/workbook.xml as everyone writes it).
        let root = try part("_rels/.rels").map { try Relationships($0, base: "") }
        let workbookPart = root?.target(ofType: "/officeDocument") ?? "xl/workbook.xml"
        guard let workbookXML = try part(workbookPart) else {
            throw ZipArchive.Failure(message: "it has no workbook part (\(workbookPart))")
        }
        let folder = (workbookPart as NSString).deletingLastPathComponent
        let relationships = try part(folder.isEmpty ? "_rels/\(workbookPart).rels" : "\(folder)/_rels/\((workbookPart as NSString).lastPathComponent).rels")
            .map { try Relationships($0, base: folder) } ?? Relationships(byID: [:], all: [])
        let workbook = WorkbookPart()
        try XMLStream(handler: workbook).parse(workbookXML)
        sheets = workbook.sheets.compactMap { sheet in
            relationships.byID[sheet.id].map { Sheet(name: sheet.name, part: $0.target) }
        }
        guard !sheets.isEmpty else { throw ZipArchive.Failure(message: "it has no worksheet") }
        date1904 = workbook.date1904

        let strings = SharedStrings()
        if let target = relationships.target(ofType: "/sharedStrings"), let entry = archive.entry(named: target) {
            let stream = XMLStream(handler: strings)
            try archive.stream(entry) { try stream.feed($0) }
            try stream.feed(UnsafeBufferPointer(start: nil, count: 0), final: true)
        }
        sharedStrings = strings
        let styles = StylesPart()
        if let target = relationships.target(ofType: "/styles"), let xml = try part(target) {
            try XMLStream(handler: styles).parse(xml)
        }
        dateStyles = styles.cellFormats.map { id in
            styles.customFormats[id].map(Self.isDateFormat) ?? Self.builtInDateFormats.contains(id)
        }
    }

    /// Excel's built-in number formats that are dates or times: 14–22, 45–47, and the East Asian ones (27–36,
    /// 50–58: 2025年3月1日 and the like in a Chinese, Japanese or Korean Excel).
    static let builtInDateFormats: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    /// Whether a custom number format code formats dates or times: a y, m, d, h or s outside quoted text, escapes
    /// and brackets (`[Red]`, `[$-804]`), or an elapsed time (`[h]`).
    static func isDateFormat(_ code: String) -> Bool {
        // Only the first section (positive numbers) decides.
        var quoted = false, escaped = false, bracket = false, bracketText = ""
        for character in code {
            if escaped { escaped = false; continue }
            if quoted { if character == "\"" { quoted = false }; continue }
            if bracket {
                if character == "]" {
                    bracket = false
                    let lower = bracketText.lowercased()
                    if ["h", "hh", "m", "mm", "s", "ss"].contains(lower) { return true }
                } else { bracketText.append(character) }
                continue
            }
            switch character {
            case "\"": quoted = true
            case "\\", "_", "*": escaped = true
            case "[": bracket = true; bracketText = ""
            case ";": return false
            case "y", "Y", "m", "M", "d", "D", "h", "H", "s", "S": return code.lowercased() != "general"
            default: break
            }
        }
        return false
    }
}

/// A package's relationships (`_rels/*.rels`): each id's type and target, the targets resolved against `base`.
struct Relationships {
    struct Relationship {
        let type: String
        let target: String
    }

    let byID: [String: Relationship]
    let all: [Relationship]

    init(byID: [String: Relationship], all: [Relationship]) {
        self.byID = byID
        self.all = all
    }

    init(_ xml: [UInt8], base: String) throws {
        final class Reader: XMLHandler {
            var found: [(String, Relationship)] = []
            let base: String
            init(base: String) { self.base = base }
            func start(_ name: XMLName, _ attributes: XMLAttributes) {
                guard name.is("Relationship"), let id = attributes.string("Id"), let target = attributes.string("Target") else { return }
                // Absolute targets start at the package's root; others are relative to the part's folder.
                let path = target.hasPrefix("/") ? String(target.dropFirst()) : (base.isEmpty ? target : base + "/" + target)
                var parts: [Substring] = []
                for part in path.split(separator: "/") where part != "." {
                    if part == ".." { _ = parts.popLast() } else { parts.append(part) }
                }
                found.append((id, Relationship(type: attributes.string("Type") ?? "", target: parts.joined(separator: "/"))))
            }
            func end(_ name: XMLName) {}
            func text(_ bytes: UnsafeBufferPointer<UInt8>) {}
        }
        let reader = Reader(base: base)
        try XMLStream(handler: reader).parse(xml)
        byID = Dictionary(reader.found, uniquingKeysWith: { first, _ in first })
        all = reader.found.map(\.1)
    }

    /// The first target whose type ends with `suffix` (`/styles`, `/sharedStrings`).
    func target(ofType suffix: String) -> String? {
        all.first { $0.type.hasSuffix(suffix) }?.target
    }
}

/// `xl/workbook.xml`: the sheets in tab order, and the date system.
final class WorkbookPart: XMLHandler {
    var sheets: [(name: String, id: String)] = []
    var date1904 = false

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        if name.is("sheet"), let sheet = attributes.string("name"), let id = attributes.string("id") {
            sheets.append((sheet, id))
        } else if name.is("workbookPr"), let value = attributes.string("date1904") {
            date1904 = value == "1" || value.lowercased() == "true"
        }
    }
    func end(_ name: XMLName) {}
    func text(_ bytes: UnsafeBufferPointer<UInt8>) {}
}

/// `xl/styles.xml`: the number format of each cell style, and the custom formats' codes.
final class StylesPart: XMLHandler {
    var cellFormats: [Int] = []
    var customFormats: [Int: String] = [:]
    private var inCellFormats = false

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        if name.is("numFmt"), let id = attributes.string("numFmtId").flatMap({ Int($0) }), let code = attributes.string("formatCode") {
            customFormats[id] = code
        } else if name.is("cellXfs") {
            inCellFormats = true
        } else if inCellFormats, name.is("xf") {
            cellFormats.append(attributes.string("numFmtId").flatMap { Int($0) } ?? 0)
        }
    }
    func end(_ name: XMLName) { if name.is("cellXfs") { inCellFormats = false } }
    func text(_ bytes: UnsafeBufferPointer<UInt8>) {}
}

/// The shared-string table (`xl/sharedStrings.xml`), held as one run of UTF-8 bytes: the text of each `<si>`, its
/// runs joined, phonetic guides (`<rPh>`) left out, `_xHHHH_` escapes decoded.
final class SharedStrings: XMLHandler {
    private var bytes: [UInt8] = []
    private var ends: [Int] = []
    private var inItem = false, inText = false, phonetic = 0
    private var start = 0

    /// The string at `index`, nil past the end.
    func string(_ index: Int) -> String? {
        guard index >= 0, index < ends.count else { return nil }
        let from = index == 0 ? 0 : ends[index - 1]
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[from..<ends[index]]), as: UTF8.self) }
    }

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        if name.is("si") { inItem = true; start = bytes.count }
        else if name.is("rPh") { phonetic += 1 }
        else if inItem, phonetic == 0, name.is("t") { inText = true }
    }

    func end(_ name: XMLName) {
        if name.is("t") { inText = false }
        else if name.is("rPh") { phonetic -= 1 }
        else if name.is("si") {
            inItem = false
            if OOXMLEscapes.present(bytes, from: start) {
                let decoded = OOXMLEscapes.decode(Array(bytes[start...]))
                bytes.removeSubrange(start...)
                bytes.append(contentsOf: decoded)
            }
            ends.append(bytes.count)
        }
    }

    func text(_ text: UnsafeBufferPointer<UInt8>) {
        if inText { bytes.append(contentsOf: text) }
    }
}

/// Office Open XML's escapes for characters XML cannot hold: `_x000D_` is a carriage return, `_x005F_` an underscore.
enum OOXMLEscapes {
    static func present(_ bytes: [UInt8], from start: Int) -> Bool {
        var at = start
        while at + 7 <= bytes.count {
            if bytes[at] == UInt8(ascii: "_"), bytes[at + 1] == UInt8(ascii: "x"), bytes[at + 6] == UInt8(ascii: "_") { return true }
            at += 1
        }
        return false
    }

    static func decode(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var at = 0
        while at < bytes.count {
            if at + 7 <= bytes.count, bytes[at] == UInt8(ascii: "_"), bytes[at + 1] == UInt8(ascii: "x"), bytes[at + 6] == UInt8(ascii: "_"),
               let code = UInt32(String(decoding: bytes[(at + 2)..<(at + 6)], as: UTF8.self), radix: 16), let scalar = Unicode.Scalar(code) {
                out.append(contentsOf: String(Character(scalar)).utf8)
                at += 7
            } else {
                out.append(bytes[at])
                at += 1
            }
        }
        return out
    }
}
