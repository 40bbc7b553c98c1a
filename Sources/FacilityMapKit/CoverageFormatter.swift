import FacilityFormats
import FacilityCoverage
import FacilityModel
import FacilityStore
import FacilityText
import Foundation

@_exported import FacilityCoverage

/// How `coverage` writes its report: text (table, csv, json) or a workbook (xlsx, see `CoverageWorkbook`).
public enum ReportFormat: String, CaseIterable, Sendable {
    case table, csv, json, xlsx
}

extension CoverageEngine {
    /// An engine over everything the store holds, on one snapshot. Facilities are read as columns, with extra
    /// attributes only when `attributes` (a `share` target's `where` may name one).
    public convenience init(store: any RegistryStore, attributes: Bool = true, roads: Bool = false) throws {
        let (units, facilities) = try store.unitsAndFacilityColumns(attributes: attributes)
        self.init(units: units, facilities: facilities)
        if roads { self.roads = try RoadNetworks(store: store) }
    }

    /// An engine for `plan`: the extra attributes read when its targets select by them, the roads when any target is
    /// measured along them.
    public convenience init(store: any RegistryStore, for plan: TargetPlan) throws {
        try self.init(store: store, attributes: plan.usesExtraAttributes, roads: plan.usesNetwork)
    }
}

extension RoadNetworks {
    /// The registry's roads as they stand (their state: the last import of the roads layer), read on one snapshot.
    public convenience init(store: any RegistryStore) throws {
        let (roads, state) = try store.read { () -> ([Road], Int) in
            var roads: [Road] = []
            try store.forEachRoad { roads.append($0) }
            return (roads, try store.roadsImportNumber())
        }
        Trace.mark("roads read: \(roads.count) at import \(state)")
        self.init(roads: roads, state: state)
    }
}

/// Renders a coverage report as a table, CSV or JSON (and, through `CoverageWorkbook`, a workbook).
public enum CoverageFormatter {
    /// The report as bytes to write: CSV in `csvEncoding`, table and JSON in UTF-8, xlsx a workbook's bytes.
    public static func data(_ report: CoverageReport, as format: ReportFormat, csvEncoding: CSVOutputEncoding = .utf8BOM,
                            language: Language = .en) throws -> Data {
        switch format {
        case .table: Data(table(report, in: language).utf8)
        case .csv: Data(csvEncoding.data(csv(report)))
        case .json: Data(json(report).utf8)
        case .xlsx: try CoverageWorkbook.data(report)
        }
    }

    // MARK: JSON

    static func number(_ value: Double?) -> String { JSONText.value(value) }

    static func resultMembers(_ r: CoverageResult) -> [(String, String)] {
        var members: [(String, String)] = [
            ("numerator", number(r.numerator)), ("denominator", number(r.denominator)), ("actual", number(r.actual)),
            ("goal", number(r.goal)), ("met", JSONText.value(r.met)), ("shortfall", number(r.shortfall)),
        ]
        if let note = r.note { members.append(("note", JSONText.string(note))) }
        if let share = r.unitShare { members.append(("unit_share", number(share))) }
        return members
    }

    /// `[{"code": …, "name": …}, …]`, written as bytes (uncovered lists run to hundreds of thousands).
    static func references(_ units: [UnitReference]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(units.count * 48 + 2)
        out.append(UInt8(ascii: "["))
        for (i, unit) in units.enumerated() {
            out.append(contentsOf: (i == 0 ? "{\"code\": " : ", {\"code\": ").utf8)
            JSONText.append(string: unit.code, to: &out)
            out.append(contentsOf: ", \"name\": ".utf8)
            JSONText.append(string: unit.name, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(UInt8(ascii: "]"))
        return String(decoding: out, as: UTF8.self)
    }

    public static func json(_ report: CoverageReport) -> String {
        let targets = Concurrently.map(report.targets) { t -> String in
            var total = [("code", JSONText.string(t.totalArea.code)), ("name", JSONText.string(t.totalArea.name))]
            total += resultMembers(t.total)
            if t.target.metric == .unitCoverage { total.append(("uncovered", references(t.totalUncovered))) }
            let areas = t.areas.map { a -> String in
                var members = [("code", JSONText.string(a.area.code)), ("name", JSONText.string(a.area.name))]
                members += resultMembers(a.result)
                if t.target.metric == .unitCoverage { members.append(("uncovered", references(a.uncovered))) }
                return "      " + JSONText.object(members)
            }
            return """
                    {"id": \(JSONText.string(t.target.id)), "title": \(JSONText.string(t.target.title)), \
                "metric": \(JSONText.string(t.target.metric.rawValue)), "per_area": \(JSONText.value(t.target.perArea?.rawValue)), \
                "goal": \(number(t.goal)),
                     "total": \(JSONText.object(total)),
                     "areas": [\(areas.isEmpty ? "" : "\n" + areas.joined(separator: ",\n") + "\n    ")]}
                """
        }
        return """
            {"plan": \(JSONText.string(report.plan)), "year": \(report.year), "as_of": "\(report.asOf)", \
            "by": "\(report.by.rawValue)",
             "targets": [
            \(targets.joined(separator: ",\n"))
             ]}

            """
    }

    // MARK: CSV

    /// Whether target `t`'s values are shares (shown as percentages), on a row that is (not) one of its areas.
    static func showsShares(_ t: TargetReport, by: UnitLevel, areaRow: Bool) -> Bool {
        let metric = t.target.metric
        let shares = metric == .unitCoverage || metric == .share || (metric == .count && t.target.perArea != nil)
        return shares && !(areaRow && by == t.target.perArea)
    }

    /// The report as CSV, its numbers as the table shows them (shares as percentages with one decimal, rates with
    /// two, counts whole); `--format json` keeps full precision.
    public static func csv(_ report: CoverageReport) -> String {
        var rows: [[String]] = [["target", "title", "metric", "year", "as_of", "area_code", "area_name", "total", "numerator",
                                 "denominator", "actual", "goal", "met", "shortfall", "note", "uncovered"]]
        for t in report.targets {
            func row(_ area: UnitReference, _ r: CoverageResult, total: Bool, uncovered: [UnitReference]) -> [String] {
                let asShare = showsShares(t, by: report.by, areaRow: !total)
                func shown(_ value: Double?) -> String { value == nil ? "" : (asShare ? percent(value) : decimal(value)) }
                func count(_ value: Double?) -> String { value == nil ? "" : whole(value) }
                return [t.target.id, t.target.title, t.target.metric.rawValue, String(report.year), report.asOf.description,
                        area.code, area.name, total ? "true" : "false", count(r.numerator), count(r.denominator),
                        shown(r.actual), shown(r.goal), r.met.map { $0 ? "true" : "false" } ?? "", count(r.shortfall),
                        r.note ?? "", uncovered.map(\.code).joined(separator: ";")]
            }
            for a in t.areas { rows.append(row(a.area, a.result, total: false, uncovered: a.uncovered)) }
            rows.append(row(t.totalArea, t.total, total: true, uncovered: t.totalUncovered))
        }
        return rows.map { $0.map(csvCell).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }

    static func csvCell(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: Table

    static func percent(_ value: Double?) -> String {
        guard let value else { return "-" }
        return String(format: "%.1f%%", value * 100)
    }

    static func decimal(_ value: Double?, _ digits: Int = 2) -> String {
        guard let value else { return "-" }
        return value.rounded() == value && value.magnitude < 1e15 ? String(Int(value)) : String(format: "%.\(digits)f", value)
    }

    static func whole(_ value: Double?) -> String {
        guard let value else { return "-" }
        return value.rounded() == value && value.magnitude < 1e15 ? String(Int(value)) : String(format: "%.1f", value)
    }

    static func plural(_ level: UnitLevel) -> String {
        switch level {
        case .city: "cities"
        case .community: "communities"
        default: level.rawValue + "s"
        }
    }

    /// `facilitymap targets`: each target's id, title, metric and goals by year, as `coverage` shows them.
    public static func targetsTable(_ plan: TargetPlan, in language: Language = .en) -> String {
        let rows = plan.targets.map { t -> [String] in
            let metric = t.metric
            let shares = metric == .unitCoverage || metric == .share || (metric == .count && t.perArea != nil)
            let goals = t.goals.sorted { $0.key < $1.key }.map { "\($0.key): \(shares ? percent($0.value) : decimal($0.value))" }
            return [t.id, t.title, metric.rawValue, goals.joined(separator: ", ")]
        }
        return Message("targets.head").text(plan.plan, String(plan.targets.count), in: language) + "\n"
            + TextTable.render(header: Message.headings(["id", "title", "metric", "goals"], in: language), rows: rows)
    }

    /// A result's note (`no population`, `no community units`, …) in `language`.
    static func note(_ note: CoverageNote, in language: Language) -> String {
        Message(note.key).text(note.argumentKeys.map { Message($0).text(in: language) }, in: language)
    }

    /// The report as the terminal shows it, in `language` (numbers, codes, names and target ids as they are).
    public static func table(_ report: CoverageReport, in language: Language = .en) -> String {
        func say(_ key: String, _ arguments: String...) -> String { Message(key).text(arguments, in: language) }
        func levelName(_ level: UnitLevel, plural: Bool = false) -> String { say("level.\(level.rawValue)" + (plural ? ".plural" : "")) }
        func fieldName(_ field: FacilityCount?) -> String? { field.map { language == .zh ? $0.label : $0.rawValue } }
        var out = say("coverage.title", report.plan, String(report.year), report.asOf.description, levelName(report.by)) + "\n"
        for t in report.targets {
            let metric = t.target.metric
            let shares = metric == .unitCoverage || metric == .share || (metric == .count && t.target.perArea != nil)
            let goalText = t.goal.map { say("coverage.goal", shares ? percent($0) : decimal($0)) } ?? say("coverage.no-goal", String(report.year))
            out += "\n\(t.target.id)  \(t.target.title)  (\(metric.rawValue), \(goalText))\n"
            let (numName, denName): (String, String) = {
                switch metric {
                case .unitCoverage where t.target.weight == .population: (say("coverage.people-covered"), say("coverage.people"))
                case .unitCoverage: (say("coverage.covered"), t.target.units.map { levelName($0, plural: true) } ?? say("coverage.units"))
                case .access: (say("coverage.reached", fieldName(t.target.field) ?? say("coverage.capacity")), say("coverage.people"))
                case .perPopulation: (fieldName(t.target.field) ?? say("coverage.sum"), say("coverage.people"))
                case .share: ("\(t.target.whereAttribute.map { name in language == .zh ? FacilityField(rawValue: name)?.label ?? name : name } ?? say("coverage.selected")) \(fieldName(t.target.field) ?? say("coverage.facilities"))",
                              fieldName(t.target.field) ?? say("coverage.facilities"))
                case .count: t.target.perArea.map { (say("coverage.meeting", levelName($0, plural: true)), levelName($0, plural: true)) }
                    ?? (say("coverage.facilities"), "-")
                }
            }()
            func cells(_ area: UnitReference, _ r: CoverageResult, total: Bool, perAreaRow: Bool) -> [String] {
                let asShare = showsShares(t, by: report.by, areaRow: perAreaRow)
                let actual = r.actual == nil ? (r.reason.map { note($0, in: language) } ?? "-") : (asShare ? percent(r.actual) : decimal(r.actual))
                let goal = r.goal.map { asShare ? percent($0) : decimal($0) } ?? "-"
                let met = r.met.map { say($0 ? "coverage.met.yes" : "coverage.met.no") } ?? "-"
                let marker = r.met == false ? "✗" : " "
                var row = [marker, area.code, total ? say("coverage.total", area.name) : area.name, whole(r.numerator), whole(r.denominator),
                           actual, goal, met, whole(r.shortfall)]
                if byPeople { row.append(r.unitShare.map { percent($0) } ?? "-") }
                return row
            }
            let byPeople = metric == .unitCoverage && t.target.weight == .population
            var rows = t.areas.map { cells($0.area, $0.result, total: false, perAreaRow: true) }
            rows.append(cells(t.totalArea, t.total, total: true, perAreaRow: false))
            let header = [" ", say("coverage.header.code"), say("coverage.header.area"), numName, denName, say("coverage.header.actual"),
                          say("coverage.header.goal"), say("coverage.header.met"), say("coverage.header.shortfall")]
            let table = TextTable.render(header: header + (byPeople ? [say("coverage.header.units-covered")] : []),
                                         rows: rows, rightAligned: [3, 4, 5, 6, 8, 9])
            out += table.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  " + $0 }
                .joined(separator: "\n")
            if metric == .unitCoverage {
                for a in t.areas where !a.uncovered.isEmpty {
                    let shown = a.uncovered.prefix(8).map { "\($0.name) \($0.code)" }.joined(separator: language == .zh ? "、" : ", ")
                    let more = a.uncovered.count > 8 ? say("coverage.uncovered.more", String(a.uncovered.count - 8)) : ""
                    out += "  " + say("coverage.uncovered", a.area.name, shown, more) + "\n"
                }
            }
        }
        return out
    }
}
