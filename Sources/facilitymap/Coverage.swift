import ArgumentParser
import FacilityMapKit
import Foundation

extension ReportFormat: ExpressibleByArgument {}

struct Coverage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the stored facilities against a plan's targets, per area.",
        discussion: """
            Targets come from --targets FILE (YAML, see docs/targets.md), else the built-in Luoyang plan
            (幸福洛阳建设行动计划, GeoData/targets/luoyang-2022.yaml). A facility counts on the --as-of day when it
            opened on or before it and has not closed by it.
            Exit status: 0 the report was produced; 1 the store or targets file was refused; 2 usage error;
            3 with --check, when any target is unmet.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp("A targets YAML file (default: the built-in Luoyang plan).", valueName: "file"))
    var targets: String?
    @Option(help: "The goal year (default: the next goal year from --as-of, else the latest goal year).") var year: Int?
    @Option(name: .customLong("as-of"), help: ArgumentHelp("Count facilities open on this day (default: the end of --year).",
                                                             valueName: "YYYY-MM-DD"))
    var asOf: String?
    @Option(help: "The level of the area rows: city, district or township.") var by: String = "district"
    @Option(help: ArgumentHelp("Only the target with this id.", valueName: "id")) var target: String?
    @Option(help: "table, csv or json.") var format: ReportFormat = .table
    @Flag(help: "Exit with status 3 when any target is unmet (for scripts and CI).") var check = false

    var level: UnitLevel? {
        UnitLevel(argument: by).flatMap { [.city, .district, .township].contains($0) ? $0 : nil }
    }

    func validate() throws {
        if level == nil { throw ValidationError("--by \(by) is not an area level: use city, district or township") }
        if let asOf, Day(parsing: asOf) == nil || asOf.count != 10 {
            throw ValidationError("--as-of \(asOf) is not a date: write YYYY-MM-DD")
        }
        if let year, !(1900...2200).contains(year) { throw ValidationError("--year \(year) is not a plausible year") }
    }

    func run() throws {
        let plan = try targets.map { try TargetPlan(path: $0) } ?? TargetPlan.luoyang2022
        if let target, !plan.targets.contains(where: { $0.id == target }) {
            throw ValidationError("--target \(target) is not in the targets: \(plan.targets.map(\.id).joined(separator: ", "))")
        }
        let store = try storeOptions.open()
        let engine = try CoverageEngine(store: store, attributes: plan.usesExtraAttributes)
        let report = engine.report(plan: plan, query: CoverageQuery(year: year, asOf: asOf.flatMap { Day(parsing: $0) },
                                                                     by: level!, targetID: target))
        FileHandle.standardOutput.write(Data(CoverageFormatter.render(report, as: format).utf8))
        if check && !report.allMet { throw Exit(status: 3) }
    }
}
