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
    private let stream: XMLStream
    private let rows: SheetRows
    private var done = false

    /// The sheet `options` names (by name, or number from 1; the first when none) of the workbook at `path`, its header
    /// on `options.headerRow` or found.
    public init(path: String, options: WorkbookOptions = WorkbookOptions()) throws {
        self.path = path
        func unreadable(_ reason: String) -> WorkbookError {
            .unreadable(path: path, reason: reason + " — open it in Excel, WPS or LibreOffice and save it again as .xlsx, or save the sheet as CSV UTF-8")
        }
        let package: XLSXPackage
        do {
            package = try XLSXPackage(path: path)
        } catch let failure as ZipArchive.Failure {
            if failure.message == "no such file" || failure.message == "permission denied" {
                throw WorkbookError.unreadable(path: path, reason: failure.message)
            }
            throw unreadable("not an .xlsx workbook: \(failure.message)")
        } catch let failure as XMLStream.Failure {
            throw unreadable("its parts are not well-formed XML: \(failure.message)")
        }
        byteCount = package.fileSize
        let names = package.sheets.map(\.name)
        let asked = options.sheet
        let index = asked.map { asked in names.firstIndex(of: asked) ?? Int(asked).map { $0 - 1 } ?? -1 } ?? 0
        guard package.sheets.indices.contains(index) else {
            throw WorkbookError.noSheet(path: path, message: "no sheet \(asked ?? "1") — its sheets are \(names.joined(separator: ", ")): name one with --sheet NAME or --sheet N")
        }
        sheetName = names[index]
        guard let entry = package.archive.entry(named: package.sheets[index].part) else {
            throw unreadable("sheet \(sheetName)'s part \(package.sheets[index].part) is missing from the archive")
        }
        let rows = SheetRows(strings: package.sharedStrings, dateStyles: package.dateStyles, date1904: package.date1904)
        let stream = XMLStream(handler: rows)
        let reader: ZipArchive.EntryReader
        do {
            reader = try ZipArchive.EntryReader(archive: package.archive, entry: entry)
        } catch let failure as ZipArchive.Failure {
            throw unreadable(failure.message)
        }
        self.rows = rows
        self.stream = stream
        self.reader = reader

        // The first rows (up to row 50, or the header row asked for) decide the header.
        let lastLooked = max(50, options.headerRow ?? 0)
        var done = false
        while !done, rows.ready.last.map({ $0.line < lastLooked }) ?? true {
            done = try Self.pump(reader, stream, rows, path: path, sheet: sheetName)
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
            let place = options.headerRow.map { "on row \($0) (--header-row)" } ?? "in its first 50 rows"
            let others = names.count > 1 && asked == nil ? " — the workbook's sheets are \(names.joined(separator: ", ")): name the one with the table with --sheet" : ""
            throw WorkbookError.noHeader(path: path, message: "sheet \(sheetName) has no header row (a row of column names) \(place)\(others)")
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
            done = try Self.pump(reader, stream, rows, path: path, sheet: sheetName)
        }
    }

    public func cell(line: Int, field: String) -> String? {
        Workbook.reference(sheet: sheetName, header: header, line: line, field: field)
    }

    /// Inflates and parses the next piece of the sheet; true when the sheet is done.
    private static func pump(_ reader: ZipArchive.EntryReader, _ stream: XMLStream, _ rows: SheetRows, path: String, sheet: String) throws -> Bool {
        do {
            let more = try reader.next { try stream.feed($0) }
            if !more { try stream.feed(UnsafeBufferPointer(start: nil, count: 0), final: true) }
            if let failure = rows.failure { throw WorkbookError.unreadable(path: path, reason: "sheet \(sheet): \(failure)") }
            return !more
        } catch let failure as ZipArchive.Failure {
            throw WorkbookError.unreadable(path: path, reason: "sheet \(sheet): \(failure.message)")
        } catch let failure as XMLStream.Failure {
            throw WorkbookError.unreadable(path: path, reason: "sheet \(sheet) is not well-formed XML (\(failure.message)) — open it in Excel, WPS or LibreOffice and save it again")
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

    var count: Int { ends.count }

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

/// The rows of a sheet's XML as it is parsed: each `<row>` becomes its fields, cells placed by their reference.
final class SheetRows: XMLHandler {
    struct Row {
        let line: Int
        let fields: [String]
        let problems: [CSVFieldProblem]
    }

    private enum Kind { case number, shared, inline, formulaText, boolean, error, isoDate }

    /// Rows parsed and not yet taken, from `taken` on.
    var ready: [Row] = []
    var taken = 0
    /// What stopped the parse (a damaged cell), thrown by the reader.
    var failure: String?

    private let strings: SharedStrings
    private let dateStyles: [Bool]
    private let date1904: Bool

    private var line = 0
    private var fields: [String] = []
    private var problems: [CSVFieldProblem] = []
    private var column = -1
    private var kind = Kind.number
    private var style = 0
    private var text: [UInt8] = []
    private var collecting = false, inInline = false, phonetic = 0, hasValue = false, hasFormula = false, inCell = false

    init(strings: SharedStrings, dateStyles: [Bool], date1904: Bool) {
        self.strings = strings
        self.dateStyles = dateStyles
        self.date1904 = date1904
    }

    func start(_ name: XMLName, _ attributes: XMLAttributes) {
        switch name.pointer.pointee {
        case 0x63 where name.is("c"): // c
            inCell = true
            column = attributes.value("r").map(Self.column) ?? column + 1
            kind = .number
            if let type = attributes.value("t") {
                switch type.pointee {
                case 0x73 where type[1] == 0: kind = .shared                       // s
                case 0x69: kind = .inline                                           // inlineStr
                case 0x73: kind = .formulaText                                      // str
                case 0x62: kind = .boolean                                          // b
                case 0x65: kind = .error                                            // e
                case 0x64: kind = .isoDate                                          // d
                default: kind = .number                                             // n
                }
            }
            style = attributes.value("s").map { Int(strtol($0, nil, 10)) } ?? 0
            text.removeAll(keepingCapacity: true)
            hasValue = false
            hasFormula = false
        case 0x76 where inCell && name.is("v"): collecting = true // v
        case 0x72 where name.is("row"): // row
            line = attributes.value("r").map { Int(strtol($0, nil, 10)) } ?? line + 1
            fields.removeAll(keepingCapacity: true)
            problems.removeAll()
            column = -1
        case 0x72 where name.is("rPh"): phonetic += 1
        case 0x69 where inCell && name.is("is"): inInline = true
        case 0x74 where inInline && phonetic == 0 && name.is("t"): collecting = true
        case 0x66 where inCell && name.is("f"): hasFormula = true
        default: break
        }
    }

    func end(_ name: XMLName) {
        switch name.pointer.pointee {
        case 0x76 where collecting && name.is("v"): collecting = false; hasValue = true
        case 0x74 where collecting && name.is("t"): collecting = false; hasValue = true
        case 0x72 where name.is("rPh"): phonetic -= 1
        case 0x69 where name.is("is"): inInline = false
        case 0x63 where name.is("c"):
            inCell = false
            guard column >= 0, column < 16_384 else {
                if failure == nil { failure = "row \(line) has a cell beyond column XFD — the workbook is damaged" }
                return
            }
            let value = cellText()
            // A formula's value is saved in <v>; openpyxl and other writers that do not compute leave it out or empty.
            let unsaved = hasFormula && (!hasValue || text.isEmpty && kind != .formulaText)
            if value.isEmpty && !unsaved { return }
            if fields.count <= column { fields += Array(repeating: "", count: column + 1 - fields.count) }
            fields[column] = value
            if unsaved {
                problems.append(CSVFieldProblem(column: column, line: line, message: "a formula saved without its value — open the workbook in Excel, WPS or LibreOffice, save it (they compute and store the values), and import it again"))
            }
        case 0x72 where name.is("row"):
            ready.append(Row(line: line, fields: fields, problems: problems))
        default: break
        }
    }

    func text(_ bytes: UnsafeBufferPointer<UInt8>) {
        if collecting { text.append(contentsOf: bytes) }
    }

    /// The cell just read, as text.
    private func cellText() -> String {
        guard hasValue else { return "" }
        switch kind {
        case .shared:
            let index = text.withUnsafeBufferPointer { Self.integer($0) } ?? -1
            return strings.string(index) ?? ""
        case .inline, .formulaText:
            return OOXMLEscapes.present(text, from: 0) ? String(decoding: OOXMLEscapes.decode(text), as: UTF8.self)
                : String(decoding: text, as: UTF8.self)
        case .boolean:
            return text.first == UInt8(ascii: "1") ? "TRUE" : "FALSE"
        case .error:
            return String(decoding: text, as: UTF8.self)
        case .isoDate:
            let value = String(decoding: text, as: UTF8.self)
            return value.hasSuffix("T00:00:00") ? String(value.prefix(value.count - 9)) : value.replacingOccurrences(of: "T", with: " ")
        case .number:
            if style > 0, style < dateStyles.count, dateStyles[style], let serial = Double(String(decoding: text, as: UTF8.self)) {
                return Workbook.dateText(serial: serial, date1904: date1904)
            }
            return Self.numberText(text)
        }
    }

    /// A number cell's value as a CSV would hold it: plain decimals as written (trailing zeros after the point
    /// dropped, `3.0` as `3`); exponent forms and long values through `Double`, whole ones without a point.
    static func numberText(_ bytes: [UInt8]) -> String {
        var plain = !bytes.isEmpty, point: Int?, digits = 0
        for (i, byte) in bytes.enumerated() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digits += 1
            case UInt8(ascii: "."): if point == nil { point = i } else { plain = false }
            case UInt8(ascii: "-") where i == 0: break
            default: plain = false
            }
        }
        if plain, digits <= 15 {
            guard let point else { return String(decoding: bytes, as: UTF8.self) }
            var end = bytes.count
            while end > point + 1, bytes[end - 1] == UInt8(ascii: "0") { end -= 1 }
            if end == point + 1 { end = point }
            return String(decoding: bytes[..<end], as: UTF8.self)
        }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let value = Double(text), value.isFinite else { return text }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// The column of a reference such as `F57` (0 for A).
    private static func column(_ reference: UnsafePointer<CChar>) -> Int {
        var column = 0, at = 0
        while true {
            let c = reference[at]
            guard c >= 0x41 && c <= 0x5A || c >= 0x61 && c <= 0x7A else { break }
            column = column * 26 + Int((c & 0x1F)) // A/a → 1
            at += 1
            if column > 16_384 { break }
        }
        return column - 1
    }

    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        var value = 0
        var any = false
        for byte in bytes where byte != 0x20 {
            guard byte >= 0x30, byte <= 0x39, value < Int.max / 10 - 10 else { return nil }
            value = value * 10 + Int(byte - 0x30)
            any = true
        }
        return any ? value : nil
    }
}
