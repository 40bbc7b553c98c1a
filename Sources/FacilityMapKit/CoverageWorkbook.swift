import FacilityCoverage
import FacilityFormats
import Foundation

/// A coverage report as a workbook for leadership (`coverage --format xlsx`): a summary sheet with every target's
/// goal, actual, met, shortfall and number of areas not met, then a sheet per target with its area rows and the total.
/// Numbers are numeric cells shown as `--format csv` shows them (shares as percentages with one decimal, rates with
/// two, counts whole); rows not met are filled light red.
public enum CoverageWorkbook {
    /// The workbook's words, as the bureaus write them, in one place.
    public enum Words {
        public static let summarySheet = "汇总"
        public static let target = "指标"
        public static let title = "指标名称"
        public static let year = "年份"
        public static let asOf = "统计日"
        public static let areaCode = "区域代码"
        public static let areaName = "区域名称"
        public static let totalRow = "合计行"
        public static let numerator = "分子"
        public static let denominator = "分母"
        public static let actual = "实际值"
        public static let goal = "目标值"
        public static let met = "是否达标"
        public static let shortfall = "缺口"
        public static let note = "说明"
        public static let uncoveredCount = "未覆盖单位数"
        public static let uncovered = "未覆盖单位"
        public static let areasNotMet = "未达标区域数"
        public static let sheet = "明细表"
        /// `met` true and false; a row with no goal (or nothing to judge) is left empty.
        public static let yes = "达标", no = "未达标"
        /// `totalRow` on the total and on an area's row.
        public static let isTotal = "是", isArea = "否"
        /// Ends a list of uncovered units cut to fit a cell: "…等 1234 个".
        static func more(_ count: Int) -> String { "…等 \(count) 个" }
    }

    /// The summary's header.
    public static let summaryHeader = [Words.target, Words.title, Words.year, Words.asOf, Words.goal, Words.actual, Words.met,
                                       Words.shortfall, Words.areasNotMet, Words.sheet]

    /// A target sheet's header; `uncovered` adds the uncovered units (for `unit_coverage`).
    public static func areaHeader(uncovered: Bool) -> [String] {
        [Words.areaCode, Words.areaName, Words.totalRow, Words.numerator, Words.denominator, Words.actual, Words.goal, Words.met,
         Words.shortfall, Words.note] + (uncovered ? [Words.uncoveredCount, Words.uncovered] : [])
    }

    /// The sheet names: the summary's, then each target's (its title, made safe and distinct).
    public static func sheetNames(_ report: CoverageReport) -> [String] {
        WorkbookWriter.sheetNames([Words.summarySheet] + report.targets.map(\.target.title))
    }

    /// The workbook's sheets: the summary, then one per target in the report's order.
    public static func sheets(_ report: CoverageReport) -> [WorkbookWriter.Sheet] {
        let names = sheetNames(report)
        var summary: [WorkbookWriter.Row] = []
        var sheets: [WorkbookWriter.Sheet] = []
        for (t, name) in zip(report.targets, names.dropFirst()) {
            let totalShare = CoverageFormatter.showsShares(t, by: report.by, areaRow: false)
            let areasNotMet = t.areas.filter { $0.result.met == false }.count
            summary.append(WorkbookWriter.Row([
                .text(t.target.id), .text(t.target.title), .number(Double(report.year), .whole), .text(report.asOf.description),
                value(t.total.goal ?? t.goal, t, share: totalShare), value(t.total.actual, t, share: totalShare),
                met(t.total.met), count(t.total.shortfall), .number(Double(areasNotMet), .whole), .text(name),
            ], highlighted: t.total.met == false))

            let uncovered = t.target.metric == .unitCoverage
            func row(_ area: UnitReference, _ r: CoverageResult, total: Bool, units: [UnitReference]) -> WorkbookWriter.Row {
                let share = CoverageFormatter.showsShares(t, by: report.by, areaRow: !total)
                var cells: [WorkbookWriter.Cell] = [
                    .text(area.code), .text(area.name), .text(total ? Words.isTotal : Words.isArea), count(r.numerator),
                    count(r.denominator), value(r.actual, t, share: share), value(r.goal, t, share: share), met(r.met),
                    count(r.shortfall), .text(r.note ?? ""),
                ]
                if uncovered { cells += [.number(Double(units.count), .whole), .text(unitNames(units))] }
                return WorkbookWriter.Row(cells, highlighted: r.met == false, bold: total)
            }
            var rows = t.areas.map { row($0.area, $0.result, total: false, units: $0.uncovered) }
            rows.append(row(t.totalArea, t.total, total: true, units: t.totalUncovered))
            sheets.append(WorkbookWriter.Sheet(name: name, header: areaHeader(uncovered: uncovered), rows: rows))
        }
        return [WorkbookWriter.Sheet(name: names[0], header: summaryHeader, rows: summary)] + sheets
    }

    /// Writes the report's workbook to the `.xlsx` file at `path`.
    public static func write(_ report: CoverageReport, to path: String) throws(WorkbookWriteError) {
        try WorkbookWriter.write(sheets(report), to: path)
    }

    /// The report's workbook as bytes (written to a temporary file and read back).
    public static func data(_ report: CoverageReport) throws -> Data {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("facilitymap-\(UUID().uuidString).xlsx").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try write(report, to: path)
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

    static func met(_ met: Bool?) -> WorkbookWriter.Cell {
        met.map { .text($0 ? Words.yes : Words.no) } ?? .empty
    }

    /// The units' names, 、-separated, cut to fit a cell ("…等 N 个" names how many there are in all).
    static func unitNames(_ units: [UnitReference]) -> String {
        var text = ""
        var used = 0
        let room = WorkbookWriter.cellTextLimit - Words.more(units.count).utf16.count
        for (i, unit) in units.enumerated() {
            let next = (i == 0 ? "" : "、") + unit.name
            used += next.utf16.count
            if used > room { return text + Words.more(units.count) }
            text += next
        }
        return text
    }
}
