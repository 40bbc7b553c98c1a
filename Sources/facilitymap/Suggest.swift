import ArgumentParser
import FacilityMapKit
import Foundation

extension SuggestFormat: ExpressibleByArgument {}

struct Suggest: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.suggest").text(),
        discussion: """
            For each unit_coverage target that is not met (or --target), per area of --by: the candidate covering the \
            most still uncovered communities or villages is picked until the area's share reaches the goal (greedy \
            maximum coverage, existing facilities kept), with a lower bound: no fewer sites can cover the units needed.
            A per-area count target (one per county) gets, in each area short of it, the missing facilities at the unit \
            nearest the area's population centre; a city-wide count target (58 centres) spreads the missing ones over the \
            townships with the fewest, the most populous first. A per_population target (beds, GPs per N people) gets \
            each area's shortfall as new capacity, split over the units below it by their own shortfall (with a CSV of \
            plots: at the plot nearest each); a share target (inclusive places) converts each area's existing \
            facilities, the largest first, until the share is met (--format csv writes them back with the attribute set).
            Candidates: units (default: each uncovered unit's own point, the facility registered to it), grid:500m (a \
            grid over the uncovered units, registered to none; unit_coverage only, others use units), or a CSV of \
            available plots (id, name, lon, lat, unit).
            --format csv writes the proposals as a facilities file: import it and `coverage` reports the target met.
            Exit status: 0 proposals made (or none needed); 1 a goal cannot be reached with the candidates; 2 usage error.
            """
    ) }

    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var planOptions: PlanOptions
    @Option(help: ArgumentHelp(Message("option.only-the-target-with-this-id-default-every-targe").text(), valueName: "id"))
    var target: String?
    @Option(help: ArgumentHelp(Message("option.units-grid-metresm-or-a-csv-of-plots").text(), valueName: "candidates")) var candidates: String = "units"
    @Option(name: .customLong("max-new"), help: ArgumentHelp(Message("option.at-most-this-many-new-sites-per-area").text())) var maxNew: Int?
    @Flag(help: ArgumentHelp(Message("option.solve-each-area-exactly-a-0-1-program-through-gl").text()))
    var exact = false
    @Option(help: ArgumentHelp(Message("option.table-csv-a-facilities-file-to-import-json-or-ge").text())) var format: SuggestFormat = .table
    @OptionGroup var csv: CSVEncodingOption
    @Option(help: ArgumentHelp(Message("option.the-file-to-write-default-standard-output").text(), valueName: "file")) var out: String?

    func validate() throws {
        if let maxNew, maxNew < 1 { throw ValidationError("--max-new must be at least 1") }
        _ = try candidateSites(reading: false)
    }

    /// `--candidates` as the planner takes it.
    func candidateSites(reading: Bool) throws -> CandidateSites {
        if candidates == "units" { return .units }
        if candidates.hasPrefix("grid:") {
            let text = candidates.dropFirst(5).lowercased()
            let number = text.hasSuffix("km") ? Double(text.dropLast(2)).map { $0 * 1000 } : Double(text.hasSuffix("m") ? text.dropLast() : text[...])
            guard let metres = number, metres >= 10, metres <= 100_000 else {
                throw ValidationError("--candidates \(candidates): give the grid's spacing in metres, 10 to 100000, as grid:500m")
            }
            return .grid(metres: metres)
        }
        guard FileManager.default.fileExists(atPath: candidates) else {
            throw ValidationError("--candidates \(candidates) is neither units, grid:500m nor a file that exists")
        }
        return reading ? .sites(try SuggestFormatter.readSites(path: candidates)) : .units
    }

    func run() throws {
        let (plan, named) = try planOptions.plan(choosing: target)
        let store = try storeOptions.open()
        let engine = try CoverageEngine(store: store, for: plan)
        let query = planOptions.query()
        let chosen = named.map { [$0] } ?? SuggestRun.unmetTargets(engine: engine, plan: plan, query: query)
        let reports: [SitingReport]
        do {
            reports = try SuggestRun.proposals(engine: engine, store: store, plan: plan, query: query, targets: chosen,
                                               candidates: try candidateSites(reading: true), maxNew: maxNew, exact: exact)
        } catch let error as SitingError {
            printError("facilitymap: " + error.phrase.text(in: .current).singleLine)
            throw Exit(status: 1)
        }
        let handle: FileHandle
        if let out, format != .geojson {
            guard FileManager.default.createFile(atPath: out, contents: nil), let h = FileHandle(forWritingAtPath: out) else {
                printError(Message("cli.cannot-write").text(out))
                throw Exit(status: 1)
            }
            handle = h
        } else {
            handle = .standardOutput
        }
        switch format {
        case .table:
            try handle.write(contentsOf: Data((reports.isEmpty ? Message("suggest.all-met").text() + "\n" : SuggestFormatter.table(reports, in: .current)).utf8))
        case .csv: try SuggestFormatter.csv(reports, encoding: try csv.encoding, to: handle)
        case .json: try handle.write(contentsOf: Data(SuggestFormatter.json(reports).utf8))
        case .geojson: try SuggestFormatter.geojson(reports, path: out)
        }
        if let out { printError(Message("cli.wrote-proposals").text(String(reports.reduce(0) { $0 + $1.proposals.count }), out)) }
    }
}
