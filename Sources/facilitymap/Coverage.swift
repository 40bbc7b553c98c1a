import ArgumentParser
import FacilityMapKit
import Foundation

extension ReportFormat: ExpressibleByArgument {}

struct TargetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "List the plan's targets: id, title, metric and goals by year.",
        discussion: "`coverage --target`, `suggest --target` and `export geojson --layer coverage --target` take an id or a title from this list.")

    @Option(help: ArgumentHelp("A targets YAML file (default: the built-in Luoyang plan).", valueName: "file"))
    var targets: String?

    func run() throws {
        let plan = try targets.map { try TargetPlan(path: $0) } ?? TargetPlan.luoyang2022
        print(CoverageFormatter.targetsTable(plan), terminator: "")
    }
}

struct Coverage: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the stored facilities against a plan's targets, per area.",
        discussion: """
            Targets come from --targets FILE (YAML, see docs/targets.md), else the built-in Luoyang plan \
            (幸福洛阳建设行动计划, GeoData/targets/luoyang-2022.yaml). A facility counts on the --as-of day when it \
            opened on or before it and has not closed by it.
            Exit status: 0 the report was produced; 1 the store or targets file was refused; 2 usage error; \
            3 with --check, when any target is unmet.
            """
    )

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var planOptions: PlanOptions
    @Option(help: ArgumentHelp("Only the target with this id.", valueName: "id")) var target: String?
    @Option(help: "table, csv or json.") var format: ReportFormat = .table
    @OptionGroup var csv: CSVEncodingOption
    @Flag(help: "Exit with status 3 when any target is unmet (for scripts and CI).") var check = false

    func run() throws {
        let (plan, chosen) = try planOptions.plan(choosing: target)
        let store = try storeOptions.open()
        let engine = try CoverageEngine(store: store, attributes: plan.usesExtraAttributes)
        let report = engine.report(plan: plan, query: planOptions.query(target: chosen?.id))
        try FileHandle.standardOutput.write(contentsOf: CoverageFormatter.data(report, as: format, csvEncoding: try csv.encoding))
        if check && !report.allMet { throw Exit(status: 3) }
    }
}
