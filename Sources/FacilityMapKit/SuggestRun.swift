import FacilityCoverage
import FacilityFormats
import FacilityModel
import FacilityStore
import Foundation

/// How `suggest` writes its proposals.
public enum SuggestFormat: String, CaseIterable, Sendable {
    case table, csv, json, geojson
}

/// `facilitymap suggest`: proposals as a table, as a facilities CSV ready to import (the proposals as facilities,
/// with `target`, `area`, `pick` and `covers` as extra columns), as JSON, or as GeoJSON points.
public enum SuggestFormatter {
    /// The id a proposal gets as a facility: `SUG-<target>-<year>-<area>-<pick>` (proposals for two goal years do
    /// not replace each other when both are imported).
    /// A conversion keeps the facility's own id.
    public static func id(_ p: ProposedSite, _ report: SitingReport) -> String {
        if let existing = p.existing { return existing.id }
        return "\(FacilityKind.proposalIDPrefix)\(report.target.id)-\(report.year)-\(p.area.code)-\(p.pick)"
    }

    /// `拟建<kind>（<site>）`; a conversion keeps the facility's own name.
    public static func name(_ p: ProposedSite, _ report: SitingReport) -> String {
        if let existing = p.existing { return existing.name }
        return "拟建\(report.kind.chineseNames[0])（\(p.site.name)）"
    }

    /// Fills in the stored facility of each conversion (`ProposedSite.existing`), read from `store` by its position.
    public static func resolveConversions(_ reports: inout [SitingReport], store: any RegistryStore) throws {
        let positions = Set(reports.flatMap { $0.proposals.compactMap(\.facility) })
        guard !positions.isEmpty else { return }
        let found = try store.facilities(atColumnPositions: positions)
        for r in reports.indices {
            for a in reports[r].areas.indices {
                for p in reports[r].areas[a].proposals.indices {
                    if let f = reports[r].areas[a].proposals[p].facility { reports[r].areas[a].proposals[p].existing = found[f] }
                }
            }
        }
    }

    /// What a capacity, share or city-wide count target's proposals add, in words: `beds`, `places to convert`, …
    static func amountWord(_ report: SitingReport, in language: Language = .en) -> String {
        switch report.target.metric {
        case .perPopulation: return report.target.field.map { Message("field." + $0.rawValue).text(in: language) } ?? Message("suggest.amount").text(in: language)
        case .share:
            let what = report.target.field.map { Message("field." + $0.rawValue).text(in: language) } ?? Message("suggest.facilities").text(in: language)
            return Message("suggest.to-convert").text(what, in: language)
        default: return Message("table.new").text(in: language)
        }
    }

    /// A measure of a capacity, share or city-wide count target as the coverage table shows it.
    static func measure(_ value: Double?, _ report: SitingReport) -> String {
        guard let value else { return "–" }
        switch report.target.metric {
        case .perPopulation: return String(format: "%.2f", value)
        case .share: return percent(value)
        default: return String(Int(value.rounded()))
        }
    }

    /// Whether the report's proposals add capacity, convert facilities or spread a city-wide count (not cover units).
    static func isCapacity(_ report: SitingReport) -> Bool {
        switch report.target.metric {
        case .perPopulation, .share: true
        case .count: report.target.perArea == nil
        case .unitCoverage, .access: false
        }
    }

    static func capacityTable(_ report: SitingReport, in language: Language = .en) -> String {
        let t = report.target
        let word = amountWord(report, in: language)
        let what: String
        let field = t.field.map { Message("field." + $0.rawValue).text(in: language) }
        switch t.metric {
        case .perPopulation:
            what = Message("suggest.goal.per-population").text(measure(report.goal, report), field ?? "", String(Int(t.per ?? 1)), in: language)
        case .share:
            what = Message("suggest.goal.share").text(percent(report.goal), field ?? Message("suggest.facilities").text(in: language),
                                                      t.whereAttribute ?? "inclusive", in: language)
        default:
            what = Message("suggest.goal.count-spread").text(String(Int(report.goal)), Message("level." + (t.units ?? .township).rawValue).text(in: language),
                                                             in: language)
        }
        var out = Message("suggest.title").text(t.id, t.title, what, String(report.year), "\(report.asOf)", in: language) + "\n"
        let rows = report.areas.map { a in
            [a.area.code, a.area.name, measure(a.valueBefore, report), String(a.amount), String(a.proposals.count), measure(a.valueAfter, report)]
        }
        let total = ["", Message("suggest.total").text(in: language), measure(report.totalBefore, report), String(report.areas.reduce(0) { $0 + $1.amount }),
                     String(report.proposals.count), measure(report.totalAfter, report)]
        let headings = Message.headings(["code", "area", "before"], in: language) + [word]
            + Message.headings([t.metric == .share ? "conversions" : "sites", "after"], in: language)
        out += TextTable.render(header: headings, rows: rows + [total], rightAligned: [2, 3, 4, 5])
        if !report.proposals.isEmpty {
            out += Message(t.metric == .share ? "suggest.to-convert-largest-first" : "suggest.proposed-sites").text(in: language) + "\n"
            let count = t.metric == .count
            out += TextTable.render(
                header: Message.headings(["area", "pick", "id", t.metric == .share ? "facility" : "site", "lon", "lat"], in: language)
                    + (count ? Message.headings(["located-in"], in: language) : [word] + Message.headings(["serves"], in: language)),
                rows: report.proposals.map { p in
                    let serves = p.covers.map { "\($0.code) \($0.name)" }.joined(separator: ", ")
                    return [p.area.code, String(p.pick), id(p, report), p.existing?.name ?? p.site.name,
                            String(format: "%.6f", p.site.location.lon), String(format: "%.6f", p.site.location.lat)]
                        + (count ? [serves] : [String(p.amount ?? 0), serves])
                }, rightAligned: count ? [1] : [1, 6])
        }
        return out + "\n"
    }

    static func percent(_ share: Double?) -> String { share.map { String(format: "%.1f%%", $0 * 100) } ?? "–" }

    /// `goal 50.0% of villages within 1000 m`; at 0 m, `goal: every community with a facility inside it`.
    static func coverageGoal(_ goal: Double?, units: UnitLevel?, withinMetres: Double, in language: Language = .en) -> String {
        let plural = units.map { Message("level." + $0.rawValue + ".plural").text(in: language) } ?? Message("suggest.units").text(in: language)
        if withinMetres > 0 { return Message("suggest.goal.within").text(percent(goal), plural, String(Int(withinMetres)), in: language) }
        if let goal, goal >= 1 - 1e-9 {
            return Message("suggest.goal.every").text(units.map { Message("level." + $0.rawValue).text(in: language) } ?? Message("suggest.unit").text(in: language),
                                                      in: language)
        }
        return Message("suggest.goal.inside").text(percent(goal), plural, in: language)
    }

    /// `goal 100.0% of communities within 1000 m along the roads on foot` (or `within 15 min`).
    static func networkGoal(_ goal: Double?, _ t: Target, in language: Language) -> String {
        let plural = t.units.map { Message("level." + $0.rawValue + ".plural").text(in: language) } ?? Message("suggest.units").text(in: language)
        let reach = t.withinMinutes.map { Message("suggest.reach.minutes").text(GeoJSONExport.number($0), in: language) }
            ?? Message("suggest.reach.metres").text(String(Int(t.withinMetres)), in: language)
        return Message("suggest.goal.network").text(percent(goal), plural, reach, Message("mode." + (t.distance.mode?.rawValue ?? "walk")).text(in: language),
                                                    in: language)
    }

    /// The proposals as tables for people, in `language`: headings and words from the catalogues; codes, names, ids and
    /// numbers as they are.
    public static func table(_ reports: [SitingReport], in language: Language = .en) -> String {
        var out = ""
        for report in reports {
            if isCapacity(report) { out += capacityTable(report, in: language); continue }
            let t = report.target
            let goal = t.metric == .count
                ? Message("suggest.goal.per-area").text(percent(report.goal),
                                                        t.perArea.map { Message("level." + $0.rawValue).text(in: language) } ?? Message("suggest.area").text(in: language),
                                                        String(t.min), in: language)
                : t.isNetwork ? networkGoal(report.goal, t, in: language)
                : coverageGoal(report.goal, units: t.units, withinMetres: t.withinMetres, in: language)
            out += Message("suggest.title").text(t.id, t.title, goal, String(report.year), "\(report.asOf)", in: language) + "\n"
            let exact = report.areas.contains { $0.greedy != nil }
            let rows = report.areas.map { a in
                [a.area.code, a.area.name, String(a.units), String(a.coveredBefore), String(a.needed), String(a.proposals.count),
                 exact ? (a.greedy.map(String.init) ?? "–") : String(a.lowerBound), percent(a.shareBefore), percent(a.shareAfter)]
            }
            let total = report.areas.reduce(into: (units: 0, before: 0, needed: 0, new: 0, bound: 0, after: 0)) {
                $0.units += $1.units; $0.before += $1.coveredBefore; $0.needed += $1.needed; $0.new += $1.proposals.count
                $0.bound += $1.lowerBound; $0.after += $1.coveredAfter
            }
            let share = { (n: Int) in total.units == 0 ? nil : Double(n) / Double(total.units) }
            out += TextTable.render(header: Message.headings(["code", "area", "units", "covered", "needed", exact ? "new-exact" : "new",
                                                              exact ? "greedy" : "at-least", "before", "after"], in: language),
                                    rows: rows + [["", Message("suggest.total").text(in: language), String(total.units), String(total.before), String(total.needed),
                                                   String(total.new),
                                                   exact ? String(report.areas.reduce(0) { $0 + ($1.greedy ?? $1.proposals.count) }) : String(total.bound),
                                                   percent(share(total.before)),
                                                   percent(share(total.after))]],
                                    rightAligned: [2, 3, 4, 5, 6, 7, 8])
            if !report.proposals.isEmpty {
                out += Message("suggest.proposed-in-order").text(in: language) + "\n"
                out += TextTable.render(
                    header: Message.headings(["area", "pick", "id", "site", "lon", "lat", "covers"], in: language),
                    rows: report.proposals.map { p in
                        [p.area.code, String(p.pick), id(p, report), p.site.name, String(format: "%.6f", p.site.location.lon),
                         String(format: "%.6f", p.site.location.lat),
                         "\(p.covers.count): " + p.covers.prefix(3).map { "\($0.code) \($0.name)" }.joined(separator: ", ")
                            + (p.covers.count > 3 ? ", …" : "")]
                    }, rightAligned: [1])
            }
            out += "\n"
        }
        return out
    }

    /// The proposals as a facilities CSV in the import format: new facilities (a capacity proposal holds its beds or
    /// GPs), and each conversion as the stored facility with the attribute set and its other fields and attributes
    /// as stored (importing it updates that facility). `target`, `area`, `pick` and `covers` say why, as extra columns.
    public static func csv(_ reports: [SitingReport], encoding: CSVOutputEncoding = .utf8BOM, to output: FileHandle) throws {
        let writer = CSVWriter(fileHandle: output, encoding: encoding)
        let fields = FacilityField.allCases.map(\.rawValue)
        var extra: [String] = []
        for report in reports {
            if report.target.metric == .share, let attribute = report.target.whereAttribute, attribute != "inclusive", !extra.contains(attribute) {
                extra.append(attribute)
            }
            for key in report.proposals.compactMap(\.existing).flatMap({ $0.attributes.keys }).sorted() where !extra.contains(key) {
                extra.append(key)
            }
        }
        let why = ["target", "area", "pick", "covers"]
        extra.removeAll { why.contains($0) || fields.contains($0) }
        try writer.write(fields + extra + why)
        let text = { (n: Int?) in n.map(String.init) ?? "" }
        // New capacity at one site (beds and GPs for the same unit's point) is one facility: its row holds every
        // amount, and its target column names each target.
        struct Site: Hashable { let kind: FacilityKind; let lon: Double; let lat: Double; let unit: String? }
        var capacityAt: [Site: (amounts: [String: String], targets: [String])] = [:]
        for report in reports where report.target.metric == .perPopulation {
            for p in report.proposals where p.existing == nil {
                let site = Site(kind: report.kind, lon: p.site.location.lon, lat: p.site.location.lat, unit: p.site.unit)
                if capacityAt[site] == nil { capacityAt[site] = ([:], []) }
                if let field = report.target.field { capacityAt[site]!.amounts[field.rawValue] = text(p.amount) }
                if !capacityAt[site]!.targets.contains(report.target.id) { capacityAt[site]!.targets.append(report.target.id) }
            }
        }
        var written = Set<Site>()
        for report in reports {
            let attribute = report.target.whereAttribute ?? "inclusive"
            for p in report.proposals {
                var row: [String]
                var targets = report.target.id
                var attributes: [String: String] = [:]
                if let f = p.existing {
                    row = FacilityField.allCases.map { field in
                        switch field {
                        case .lon: JSONText.value(f.location.lon)
                        case .lat: JSONText.value(f.location.lat)
                        case .inclusive where attribute == "inclusive": "true"
                        default: f.value(of: field).plainText
                        }
                    }
                    attributes = f.attributes
                    if attribute != "inclusive" { attributes[attribute] = "true" }
                } else {
                    var amounts: [String: String] = [:]
                    if report.target.metric == .perPopulation {
                        let site = Site(kind: report.kind, lon: p.site.location.lon, lat: p.site.location.lat, unit: p.site.unit)
                        guard written.insert(site).inserted, let merged = capacityAt[site] else { continue }
                        amounts = merged.amounts
                        targets = merged.targets.joined(separator: " ")
                    }
                    row = FacilityField.allCases.map { field in
                        switch field {
                        case .id: id(p, report)
                        case .name: name(p, report)
                        case .kind: report.kind.rawValue
                        case .lon: JSONText.value(p.site.location.lon)
                        case .lat: JSONText.value(p.site.location.lat)
                        case .unit: p.site.unit ?? ""
                        case let .count(count): amounts[count.rawValue] ?? ""
                        case .inclusive, .level, .opened, .closed: ""
                        }
                    }
                }
                row += extra.map { attributes[$0] ?? "" }
                row += [targets, p.area.code, String(p.pick), p.covers.map(\.code).joined(separator: " ")]
                try writer.write(row)
            }
        }
        try writer.close()
    }

    public static func json(_ reports: [SitingReport]) -> String {
        let items = reports.map { report in
            let areas = report.areas.map { a in
                let proposals = a.proposals.map { p in
                    JSONText.object([
                        ("pick", JSONText.value(p.pick)), ("id", JSONText.string(id(p, report))), ("name", JSONText.string(name(p, report))),
                        ("site", JSONText.string(p.site.name)), ("lon", JSONText.value(p.site.location.lon)),
                        ("lat", JSONText.value(p.site.location.lat)), ("unit", JSONText.value(p.site.unit)),
                        ("amount", JSONText.value(p.amount)), ("converts", JSONText.value(p.facility != nil)),
                        ("covers", "[" + p.covers.map { JSONText.object([("code", JSONText.string($0.code)), ("name", JSONText.string($0.name))]) }
                            .joined(separator: ", ") + "]"),
                    ])
                }
                return JSONText.object([
                    ("code", JSONText.string(a.area.code)), ("name", JSONText.string(a.area.name)), ("units", JSONText.value(a.units)),
                    ("covered_before", JSONText.value(a.coveredBefore)), ("needed", JSONText.value(a.needed)),
                    ("new", JSONText.value(a.proposals.count)), ("lower_bound", JSONText.value(a.lowerBound)),
                    ("greedy", JSONText.value(a.greedy)),
                    ("share_before", JSONText.value(a.shareBefore)), ("share_after", JSONText.value(a.shareAfter)),
                    ("amount", JSONText.value(a.amount)), ("value_before", JSONText.value(a.valueBefore)),
                    ("value_after", JSONText.value(a.valueAfter)),
                    ("proposals", "[" + proposals.joined(separator: ",\n") + "]"),
                ])
            }
            return JSONText.object([
                ("target", JSONText.string(report.target.id)), ("title", JSONText.string(report.target.title)),
                ("year", JSONText.value(report.year)), ("as_of", JSONText.string(report.asOf.description)),
                ("by", JSONText.string(report.by.rawValue)), ("goal", JSONText.value(report.goal)),
                ("kind", JSONText.string(report.kind.rawValue)), ("metric", JSONText.string(report.target.metric.rawValue)),
                ("within_m", JSONText.value(report.target.withinMetres)),
                ("total_before", JSONText.value(report.totalBefore)), ("total_after", JSONText.value(report.totalAfter)),
                ("areas", "[\n" + areas.joined(separator: ",\n") + "]"),
            ])
        }
        return "{\"plan\": \(JSONText.string(reports.first?.plan ?? "")), \"suggestions\": [\n" + items.joined(separator: ",\n") + "]}\n"
    }

    /// The proposals as RFC 7946 points (`path` nil: standard output); returns how many.
    @discardableResult
    public static func geojson(_ reports: [SitingReport], path: String?) throws -> Int {
        let out = try GeoJSONWriter(path: path, foreignMembers: [("proposed", .bool(true))])
        for report in reports {
            for p in report.proposals {
                try out.write(id: .string(id(p, report)), properties: [
                    ("id", .string(id(p, report))), ("name", .string(name(p, report))), ("kind", .string(report.kind.rawValue)),
                    ("proposed", .bool(true)), ("target", .string(report.target.id)), ("area", .string(p.area.code)),
                    ("pick", .int(p.pick)), ("unit", p.site.unit.map { .string($0) } ?? .null),
                    ("amount", p.amount.map { .int($0) } ?? .null), ("converts", .bool(p.facility != nil)),
                    ("covers", .string(p.covers.map(\.code).joined(separator: " "))), ("covers_count", .int(p.covers.count)),
                ], geometry: .point(p.site.location))
            }
        }
        try out.finish()
        return out.featureCount
    }

    /// Candidate plots from a CSV: `id`, `name`, `lon`, `lat` (编号, 名称, 经度, 纬度), optional `unit` (所属区划代码),
    /// in `coordinateSystem`.
    public static func readSites(path: String, coordinateSystem: CoordinateSystem = .wgs84) throws -> [CandidateSite] {
        let reader = try CSVReader(path: path, encoding: .auto)
        let columns = ColumnMap<FacilityField>(header: reader.header, aliases: { $0.aliases })
        let missing = columns.missing([.lon, .lat])
        guard missing.isEmpty else {
            throw ImportError.missingColumns(file: path, line: reader.headerLine, names: missing.map { "\($0.rawValue) (\($0.aliases[0]))" })
        }
        var sites: [CandidateSite] = []
        while let row = try reader.next() {
            guard let lon = columns.value(.lon, in: row.fields).flatMap(Double.init), let lat = columns.value(.lat, in: row.fields).flatMap(Double.init),
                  (-180...180).contains(lon), (-90...90).contains(lat) else {
                throw SitingError(Phrase("siting.bad-plot", path, String(row.line)))
            }
            let id = columns.value(.id, in: row.fields) ?? "site-\(row.line)"
            sites.append(CandidateSite(id: id, name: columns.value(.name, in: row.fields) ?? id,
                                       location: coordinateSystem.toWGS84(LonLat(lon, lat)), unit: columns.value(.unit, in: row.fields)))
        }
        if sites.isEmpty { throw ImportError.noDataRows(file: path, line: reader.headerLine) }
        return sites
    }
}

/// `facilitymap suggest` as a use case, for the command and the map: which targets, and their proposals.
public enum SuggestRun {
    /// The targets with a goal in the query's year that the report says are not met, in total or in an area (access
    /// targets aside: suggest does not site for them).
    public static func unmetTargets(engine: CoverageEngine, plan: TargetPlan, query: CoverageQuery) -> [Target] {
        engine.report(plan: plan, query: query).targets
            .filter { $0.target.metric != .access && $0.goal != nil && ($0.total.met == false || $0.areas.contains { $0.result.met == false }) }
            .map(\.target)
    }

    /// The proposals for `targets`, each conversion's stored facility read from `store`; `exact` hands each area of
    /// a unit coverage target to GLPK as well. Throws `SitingError` when a goal cannot be reached.
    public static func proposals(engine: CoverageEngine, store: any RegistryStore, plan: TargetPlan, query: CoverageQuery,
                                 targets: [Target], candidates: CandidateSites = .units, maxNew: Int? = nil,
                                 exact: Bool = false) throws -> [SitingReport] {
        var reports = try targets.map { target in
            try engine.suggest(target: target, plan: plan, query: query, candidates: candidates, maxNew: maxNew,
                               exact: exact ? { try ExactSiting.solve($0) } : nil)
        }
        try SuggestFormatter.resolveConversions(&reports, store: store)
        return reports
    }
}
