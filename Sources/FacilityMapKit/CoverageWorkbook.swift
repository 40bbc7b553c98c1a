import FacilityCoverage
import FacilityFormats
import FacilityText
import Foundation

/// A coverage report as a workbook for leadership (`coverage --format xlsx`): a summary sheet with every target's
/// goal, actual, met, shortfall and number of areas not met, then a sheet per target with its area rows and the total.
/// Numbers are numeric cells shown as `--format csv` shows them (shares as percentages with one decimal, rates with
/// two, counts whole); rows not met are filled light red. Headers and words in the chosen language (Chinese as the
/// bureaus write it with `--lang zh` or a Chinese locale).
public enum CoverageWorkbook {
    /// The workbook's words in `language` (the catalogue's `workbook.*`), as the bureaus write them in Chinese.
    public struct Words: Sendable {
        public let language: Language
        public init(_ language: Language = .current) { self.language = language }

        public var summarySheet: String { Message("workbook.summary-sheet").text(in: language) }
        public var target: String { Message("workbook.target").text(in: language) }
        public var title: String { Message("workbook.title").text(in: language) }
        public var year: String { Message("workbook.year").text(in: language) }
        public var asOf: String { Message("workbook.as-of").text(in: language) }
        public var areaCode: String { Message("workbook.area-code").text(in: language) }
        public var areaName: String { Message("workbook.area-name").text(in: language) }
        public var totalRow: String { Message("workbook.total-row").text(in: language) }
        public var numerator: String { Message("workbook.numerator").text(in: language) }
        public var denominator: String { Message("workbook.denominator").text(in: language) }
        public var actual: String { Message("workbook.actual").text(in: language) }
        public var goal: String { Message("workbook.goal").text(in: language) }
        public var met: String { Message("workbook.met").text(in: language) }
        public var shortfall: String { Message("workbook.shortfall").text(in: language) }
        public var note: String { Message("workbook.note").text(in: language) }
        public var uncoveredCount: String { Message("workbook.uncovered-count").text(in: language) }
        public var uncovered: String { Message("workbook.uncovered").text(in: language) }
        public var areasNotMet: String { Message("workbook.areas-not-met").text(in: language) }
        public var sheet: String { Message("workbook.sheet").text(in: language) }
        public var yes: String { Message("workbook.yes").text(in: language) }
        public var no: String { Message("workbook.no").text(in: language) }
        public var isTotal: String { Message("workbook.is-total").text(in: language) }
        public var isArea: String { Message("workbook.is-area").text(in: language) }
        /// Ends a list of uncovered units cut to fit a cell: "…等 1234 个", "… and 1234 in all".
        func more(_ count: Int) -> String { Message("workbook.more").text(String(count), in: language) }
    }

    /// The summary's header.
    public static func summaryHeader(_ words: Words) -> [String] {
        [words.target, words.title, words.year, words.asOf, words.goal, words.actual, words.met, words.shortfall,
         words.areasNotMet, words.sheet]
    }

    /// A target sheet's header; `uncovered` adds the uncovered units (for `unit_coverage`).
    public static func areaHeader(uncovered: Bool, _ words: Words) -> [String] {
        [words.areaCode, words.areaName, words.totalRow, words.numerator, words.denominator, words.actual, words.goal,
         words.met, words.shortfall, words.note] + (uncovered ? [words.uncoveredCount, words.uncovered] : [])
    }

    /// The sheet names: the summary's, then each target's (its title, made safe and distinct).
    public static func sheetNames(_ report: CoverageReport, _ words: Words = Words()) -> [String] {
        WorkbookWriter.sheetNames([words.summarySheet] + report.targets.map(\.target.title))
    }

    /// The workbook's sheets in `language`: the summary, then one per target in the report's order.
    public static func sheets(_ report: CoverageReport, language: Language = .current) -> [WorkbookWriter.Sheet] {
        let words = Words(language)
        let names = sheetNames(report, words)
        var summary: [WorkbookWriter.Row] = []
        var sheets: [WorkbookWriter.Sheet] = []
        for (t, name) in zip(report.targets, names.dropFirst()) {
            let totalShare = CoverageFormatter.showsShares(t, by: report.by, areaRow: false)
            let areasNotMet = t.areas.filter { $0.result.met == false }.count
            summary.append(WorkbookWriter.Row([
                .text(t.target.id), .text(t.target.title), .number(Double(report.year), .whole), .text(report.asOf.description),
                value(t.total.goal ?? t.goal, t, share: totalShare), value(t.total.actual, t, share: totalShare),
                met(t.total.met, words), count(t.total.shortfall), .number(Double(areasNotMet), .whole), .text(name),
            ], highlighted: t.total.met == false))

            let uncovered = t.target.metric == .unitCoverage
            func row(_ area: UnitReference, _ r: CoverageResult, total: Bool, units: [UnitReference]) -> WorkbookWriter.Row {
                let share = CoverageFormatter.showsShares(t, by: report.by, areaRow: !total)
                var cells: [WorkbookWriter.Cell] = [
                    .text(area.code), .text(area.name), .text(total ? words.isTotal : words.isArea), count(r.numerator),
                    count(r.denominator), value(r.actual, t, share: share), value(r.goal, t, share: share), met(r.met, words),
                    count(r.shortfall), .text(r.note ?? ""),
                ]
                if uncovered { cells += [.number(Double(units.count), .whole), .text(unitNames(units, words))] }
                return WorkbookWriter.Row(cells, highlighted: r.met == false, bold: total)
            }
            var rows = t.areas.map { row($0.area, $0.result, total: false, units: $0.uncovered) }
            rows.append(row(t.totalArea, t.total, total: true, units: t.totalUncovered))
            sheets.append(WorkbookWriter.Sheet(name: name, header: areaHeader(uncovered: uncovered, words), rows: rows))
        }
        return [WorkbookWriter.Sheet(name: names[0], header: summaryHeader(words), rows: summary)] + sheets
    }

    /// Writes the report's workbook to the `.xlsx` file at `path`.
    public static func write(_ report: CoverageReport, to path: String, language: Language = .current) throws(FileWriteError) {
        try WorkbookWriter.write(sheets(report, language: language), to: path)
    }

    /// The report's workbook as bytes (written to a temporary file and read back).
    public static func data(_ report: CoverageReport, language: Language = .current) throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try write(report, to: path, language: language)
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }

    /// A goal or actual as `--format csv` shows it: a share as a percentage with one decimal, a count whole, a rate
    /// with two decimals (whole when it is whole).
    static func value(_ value: Double?, _ t: TargetReport, share: Bool) -> WorkbookWriter.Cell {
        guard let value else { return .empty }
        if share { return .number(value, .percent) }
        if t.target.metric == .count { return count(value) }
        return .number(value, value.rounded() == value ? .whole : .twoDecimals)
    }

    /// A count: whole, or with one decimal when it is not (capacity shared among people).
    static func count(_ value: Double?) -> WorkbookWriter.Cell {
        guard let value else { return .empty }
        return .number(value, value.rounded() == value ? .whole : .oneDecimal)
    }

    static func met(_ met: Bool?, _ words: Words) -> WorkbookWriter.Cell {
        met.map { .text($0 ? words.yes : words.no) } ?? .empty
    }

    /// The units' names, 、-separated, cut to fit a cell (`more` names how many there are in all).
    static func unitNames(_ units: [UnitReference], _ words: Words) -> String {
        var text = ""
        var used = 0
        let room = WorkbookWriter.cellTextLimit - words.more(units.count).utf16.count
        for (i, unit) in units.enumerated() {
            let next = (i == 0 ? "" : "、") + unit.name
            used += next.utf16.count
            if used > room { return text + words.more(units.count) }
            text += next
        }
        return text
    }
}
