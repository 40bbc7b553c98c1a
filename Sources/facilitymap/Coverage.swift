import ArgumentParser
import FacilityMapKit
import FacilityNetwork
import Foundation

extension ReportFormat: ExpressibleByArgument {}

struct TargetsCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "targets",
        abstract: Message("help.targets-command").text(),
        discussion: Message("option.coverage-target-suggest-target-and-export-geojso").text()) }

    @Option(help: ArgumentHelp(Message("option.a-targets-yaml-file-default-the-built-in-luoyang").text(), valueName: "file"))
    var targets: String?

    func run() throws {
        let plan = try targets.map { try TargetPlan(path: $0) } ?? TargetPlan.luoyang2022
        print(CoverageFormatter.targetsTable(plan, in: .current), terminator: "")
    }
}

struct Coverage: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.coverage").text(),
        discussion: """
            Targets come from --targets FILE (YAML, see docs/targets.md), else the built-in Luoyang plan \
            (幸福洛阳建设行动计划, GeoData/targets/luoyang-2022.yaml). A facility counts on the --as-of day when it \
            opened on or before it and has not closed by it.
            --format xlsx --out FILE.xlsx writes a workbook for Excel, WPS or LibreOffice: a summary sheet (汇总: every \
            target's goal, actual, met, shortfall, areas not met) and a sheet per target with its areas and the total.
            Exit status: 0 the report was produced; 1 the store or targets file was refused, or --out could not be \
            written; 2 usage error; 3 with --check, when any target is unmet.
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var planOptions: PlanOptions
    @Option(help: ArgumentHelp(Message("option.only-the-target-with-this-id").text(), valueName: "id")) var target: String?
    @Option(help: ArgumentHelp(Message("option.table-csv-json-or-xlsx-a-workbook-written-to-out").text(),
                               discussion: Message("option.default-xlsx-when-out-ends-in-xlsx-else-table").text()))
    var format: ReportFormat?
    @Option(help: ArgumentHelp(Message("option.write-the-report-to-this-file-instead-of-standar").text(),
                               valueName: "file"))
    var out: String?
    @OptionGroup var csv: CSVEncodingOption
    @Flag(help: ArgumentHelp(Message("option.exit-with-status-3-when-any-target-is-unmet-for").text())) var check = false

    /// The format asked for, else the one --out's name says.
    var chosenFormat: ReportFormat {
        format ?? (out.map { $0.lowercased().hasSuffix(".xlsx") } == true ? .xlsx : .table)
    }

    func validate() throws {
        if chosenFormat == .xlsx && out == nil {
            throw ValidationError("--format xlsx writes a workbook, not text for a terminal: add --out FILE.xlsx")
        }
    }

    func run() throws {
        let (plan, chosen) = try planOptions.plan(choosing: target)
        let store = try storeOptions.open()
        Trace.mark("store opened")
        let engine = try CoverageEngine(store: store, for: plan)
        Trace.mark("engine made")
        if let roads = engine.roads {
            // Each mode's network built up front (kept by `roads` for the report), so that FACILITYMAP_TRACE times
            // building apart from measuring (Scripts/bench reads these marks). A mode without usable roads is left
            // to the report, which says so.
            var modes: [TravelMode] = []
            for target in plan.targets {
                if let mode = target.distance.mode, !modes.contains(mode) { modes.append(mode) }
            }
            for mode in modes {
                if let network = try? roads.network(mode, options: plan.network) {
                    Trace.mark("network \(mode.rawValue) built: \(network.nodeCount) nodes, \(network.edgeCount) edges")
                }
            }
        }
        let report = engine.report(plan: plan, query: planOptions.query(target: chosen?.id))
        Trace.mark("coverage measured")
        // Places off the roads are never covered through them: say which, so that none is missed silently.
        for measured in report.targets where measured.target.isNetwork {
            guard let (units, facilities) = engine.offNetwork(of: measured.target, plan: plan, query: planOptions.query()),
                  !units.isEmpty || facilities > 0 else { continue }
            let listed = units.prefix(10).map { "\($0.name) \($0.code)" }.joined(separator: Language.current == .zh ? "、" : ", ")
                + (units.count > 10 ? " …" : "")
            printError(Message("coverage.off-network").text(measured.target.id, String(units.count), String(facilities),
                                                           String(Int(plan.network.maxSnapMetres)), listed))
        }
        switch (chosenFormat, out) {
        case (.xlsx, let out?):
            try CoverageWorkbook.write(report, to: out)
        case (let format, let out?):
            let data = try CoverageFormatter.data(report, as: format, csvEncoding: try csv.encoding, language: .current)
            do {
                try data.write(to: URL(fileURLWithPath: out), options: .atomic)
            } catch {
                printError("facilitymap: " + Message("cli.cannot-write-report").text(out, (error as NSError).localizedDescription))
                throw Exit(status: 1)
            }
        case (let format, nil):
            try FileHandle.standardOutput.write(contentsOf: CoverageFormatter.data(report, as: format, csvEncoding: try csv.encoding, language: .current))
        }
        if check && !report.allMet { throw Exit(status: 3) }
    }
}
