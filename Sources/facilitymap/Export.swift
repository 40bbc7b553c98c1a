import ArgumentParser
import FacilityMapKit
import Foundation

extension GeoJSONExport.Layer: ExpressibleByArgument {}

struct Export: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.export").text(),
        subcommands: [ExportGeoJSON.self]
    ) }
}

/// Options that choose a plan, a day and a level, shared by `export geojson --layer coverage` and `map`.
struct PlanOptions: ParsableArguments {
    @Option(help: ArgumentHelp(Message("option.a-targets-yaml-file-default-the-built-in-luoyang").text(), valueName: "file"))
    var targets: String?
    @Option(help: ArgumentHelp(Message("option.the-goal-year-default-the-next-goal-year-from-as").text())) var year: Int?
    @Option(name: .customLong("as-of"), help: ArgumentHelp(Message("option.count-facilities-open-on-this-day-default-the-en").text(),
                                                             valueName: "YYYY-MM-DD"))
    var asOf: String?
    @Option(help: ArgumentHelp(Message("option.the-level-of-the-areas-city-district-or-township").text())) var by: String = "district"

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

    func plan() throws -> TargetPlan { try targets.map { try TargetPlan(path: $0) } ?? TargetPlan.luoyang2022 }

    /// The plan, and the target `text` names (its id or its title, 每千人口医疗卫生机构床位数) when given.
    func plan(choosing text: String?) throws -> (plan: TargetPlan, target: Target?) {
        let plan = try plan()
        guard let text else { return (plan, nil) }
        guard let target = plan.target(named: text) else { throw ValidationError("--target " + plan.unknownTargetMessage(text)) }
        return (plan, target)
    }

    func query(target: String? = nil) -> CoverageQuery {
        CoverageQuery(year: year, asOf: asOf.flatMap { Day(parsing: $0) }, by: level ?? .district, targetID: target)
    }
}

struct ExportGeoJSON: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "geojson",
        abstract: Message("help.export-geojson").text(),
        discussion: """
            Layers: facilities (a Point each, every field and extra attribute as properties); units (each unit with its \
            boundary, or its point); coverage (one target, --target, default the plan's first: for unit_coverage each \
            counted unit with covered, nearest_m and facility_count; for other metrics each area of --by with numerator, \
            denominator, actual, goal, met, shortfall; a target along the roads adds network_m, network_min and \
            off_network); service-areas (a target with distance: network, --target: per facility, or per kind with \
            --merge, the roads from which it is reached within the target's reach, widened by --buffer-m either side).
            --crs gcj02 writes GCJ-02 for overlays on Chinese web maps and says so in a "coordinate_system" member.
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp(Message("option.facilities-units-or-coverage").text())) var layer: GeoJSONExport.Layer
    @Option(help: ArgumentHelp(Message("option.facilities-only-this-kind").text())) var kind: String?
    @Option(name: .customLong("in"), help: ArgumentHelp(Message("option.facilities-units-only-this-unit-and-what-lies-be").text(), valueName: "code"))
    var within: String?
    @Option(help: ArgumentHelp(Message("option.coverage-the-target-s-id-default-the-plan-s-firs").text(), valueName: "id")) var target: String?
    @OptionGroup var planOptions: PlanOptions
    @Option(help: ArgumentHelp(Message("option.wgs84-default-gcj02-or-bd09").text())) var crs: String = "wgs84"
    @Option(help: ArgumentHelp(Message("option.the-file-to-write-default-standard-output").text(), valueName: "file")) var out: String?
    @Flag(help: ArgumentHelp(Message("option.service-areas-merge").text())) var merge = false
    @Option(name: .customLong("buffer-m"), help: ArgumentHelp(Message("option.service-areas-buffer").text(), valueName: "metres"))
    var bufferMetres: Double = GeoJSONExport.serviceAreaBufferMetres

    func validate() throws {
        if let kind, FacilityKind(argument: kind) == nil {
            throw ValidationError("--kind " + FacilityKind.unknownMessage(kind))
        }
        guard let system = CoordinateSystem(argument: crs), system != .cgcs2000 else {
            throw ValidationError("--crs \(crs) is not an output coordinate system: use wgs84, gcj02 or bd09")
        }
        _ = system
        guard bufferMetres > 0, bufferMetres <= 5_000 else {
            throw ValidationError("--buffer-m \(bufferMetres) is not a width: give metres either side of a road, more than 0 and at most 5000")
        }
    }

    func run() throws {
        let store = try storeOptions.open()
        if let within, try !store.containsUnit(code: within) {
            printError(Message("cli.no-unit").text(within, "\(store.location)"))
            throw Exit(status: 1)
        }
        let export = GeoJSONExport(store: store, outputPath: out, coordinateSystem: CoordinateSystem(argument: crs)!)
        let count: Int
        switch layer {
        case .facilities:
            count = try export.facilities(kind: kind.flatMap(FacilityKind.init(argument:)), within: within)
        case .units:
            count = try export.units(within: within)
        case .coverage:
            let (plan, named) = try planOptions.plan(choosing: target)
            guard let chosen = named ?? plan.targets.first else {
                throw ValidationError("the plan has no targets — give a targets file with --targets")
            }
            count = try export.coverage(engine: try CoverageEngine(store: store, for: plan), plan: plan, target: chosen,
                                        query: planOptions.query(target: chosen.id))
        case .serviceAreas:
            let (plan, named) = try planOptions.plan(choosing: target)
            guard let chosen = named ?? plan.targets.first(where: \.isNetwork) else {
                throw ValidationError("--layer service-areas needs --target: a target with `distance: network` (the plan has none)")
            }
            do {
                count = try export.serviceAreas(engine: try CoverageEngine(store: store, for: plan), plan: plan,
                                                target: chosen, query: planOptions.query(target: chosen.id), merged: merge,
                                                bufferMetres: bufferMetres)
            } catch let error as NetworkError {
                printError(error.description)
                throw Exit(status: 1)
            }
        }
        if let out { printError(Message("cli.wrote-features").text(String(count), out)) }
    }
}

struct MapCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "map",
        abstract: Message("help.map-command").text(),
        discussion: """
            Areas of --by coloured by attainment of the target chosen in the page (a selector lists every target), \
            facilities as points by kind with a legend, uncovered communities and villages marked; hovering shows \
            actual, goal and shortfall. With --suggest, what `facilitymap suggest` proposes for each target not met \
            (candidates: the units) is drawn apart: new sites as hollow diamonds, facilities to convert ringed.
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var planOptions: PlanOptions
    @Option(help: ArgumentHelp(Message("option.the-html-file-to-write").text(), valueName: "file")) var out: String = "coverage.html"
    @Flag(help: ArgumentHelp(Message("option.also-draw-the-sites-facilitymap-suggest-proposes").text())) var suggest = false
    @OptionGroup(title: Message("option.group.basemap").text()) var basemap: BasemapOptions

    func run() throws {
        let store = try storeOptions.open()
        let plan = try planOptions.plan()
        let engine = try CoverageEngine(store: store, for: plan)
        let query = planOptions.query()
        var suggestions: [SitingReport] = []
        // A target whose goal the units cannot reach is drawn without proposals, with a warning.
        for target in suggest ? SuggestRun.unmetTargets(engine: engine, plan: plan, query: query) : [] {
            do {
                suggestions += try SuggestRun.proposals(engine: engine, store: store, plan: plan, query: query, targets: [target])
            } catch let error as SitingError {
                printError(Message("cli.no-proposals-drawn").text(target.id, error.phrase.text(in: .current)))
            }
        }
        let html = CoverageMap.html(engine: engine, plan: plan, query: query, suggestions: suggestions, language: .current,
                                    basemap: try basemap.basemap())
        do {
            try Data(html.utf8).write(to: URL(fileURLWithPath: out))
        } catch {
            printError(Message("cli.cannot-write-map").text(out, error.localizedDescription))
            throw Exit(status: 1)
        }
        print("wrote \(out)" + (suggest ? " with \(suggestions.reduce(0) { $0 + $1.proposals.count }) proposed sites" : ""))
    }
}

struct DemoCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "demo",
        abstract: Message("help.demo-command").text(),
        discussion: """
            Imports GeoData/luoyang (built into the binary: real district boundaries, township and village names and \
            census population; generated points and facilities) into DIR/facilitymap.sqlite, prints the coverage of \
            the plan's 2023 and 2025 targets, and writes DIR/coverage.geojson and DIR/coverage.html.
            """
    ) }

    @Option(help: ArgumentHelp(Message("option.only-this-goal-year-default-2023-and-2025").text())) var year: Int?
    @Option(help: ArgumentHelp(Message("option.the-folder-to-write-into").text(), valueName: "dir")) var out: String = "facilitymap-demo"

    func run() throws {
        let demo = Demo(folder: URL(fileURLWithPath: out, isDirectory: true), year: year)
        print(try demo.run(log: { print($0) }), terminator: "")
    }
}
