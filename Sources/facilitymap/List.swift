import ArgumentParser
import FacilityMapKit
import Foundation

struct List: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.list").text(),
        subcommands: [ListFacilities.self, ListUnits.self]
    ) }
}

extension ListFormat: ExpressibleByArgument {}

struct ListFacilities: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "facilities", abstract: Message("help.list-facilities").text()) }

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp(Message("option.only-this-kind-english-or-chinese-name").text())) var kind: String?
    @Option(name: .customLong("in"), help: ArgumentHelp(
        Message("option.only-facilities-of-this-unit-registered-to-it-or").text(),
        valueName: "code"))
    var within: String?
    @Option(help: ArgumentHelp(Message("option.table-csv-or-json").text())) var format: ListFormat = .table
    @OptionGroup var csv: CSVEncodingOption

    func validate() throws {
        if let kind, FacilityKind(argument: kind) == nil {
            throw ValidationError("--kind " + FacilityKind.unknownMessage(kind))
        }
    }

    func run() throws {
        let store = try storeOptions.open()
        if let within, try !store.containsUnit(code: within) {
            printError(Message("cli.no-unit").text(within, "\(store.location)"))
            throw Exit(status: 1)
        }
        try Listing(store: store, language: .current).facilities(kind: kind.flatMap(FacilityKind.init(argument:)), within: within,
                                             format: format, csvEncoding: try csv.encoding, to: .standardOutput)
    }
}

struct ListUnits: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(commandName: "units", abstract: Message("help.list-units").text()) }

    @OptionGroup var storeOptions: StoreOptions
    @Option(help: ArgumentHelp(Message("option.only-this-level-city-district-township-community").text())) var level: String?
    @Option(name: .customLong("in"), help: ArgumentHelp(Message("option.only-this-unit-and-the-units-below-it").text(), valueName: "code"))
    var within: String?
    @Option(help: ArgumentHelp(Message("option.table-csv-or-json").text())) var format: ListFormat = .table
    @OptionGroup var csv: CSVEncodingOption

    func validate() throws {
        if let level, UnitLevel(argument: level) == nil {
            throw ValidationError("--level \(level) is not a level: use city, district (county), township, community or village")
        }
    }

    func run() throws {
        let store = try storeOptions.open()
        try Listing(store: store, language: .current).units(level: level.flatMap(UnitLevel.init(argument:)), within: within,
                                        format: format, csvEncoding: try csv.encoding, to: .standardOutput)
    }
}

struct Stats: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(abstract: Message("help.stats").text()) }

    @OptionGroup var storeOptions: StoreOptions
    @Flag(help: ArgumentHelp(Message("option.stats-network").text())) var network = false
    @Option(help: ArgumentHelp(Message("option.a-targets-yaml-file-default-the-built-in-luoyang").text(), valueName: "file"))
    var targets: String?

    func run() throws {
        let store = try storeOptions.open()
        print(try StoreStats(store: store).text(in: .current), terminator: "")
        let roads = try store.roadCount()
        print("\n" + Message("stats.roads").text(String(roads)))
        guard network, roads > 0 else { return }
        // The network each mode builds from the roads (the targets file's speeds and max_snap_m, if given): its size and pieces.
        let plan = try targets.map { try TargetPlan(path: $0) } ?? TargetPlan.luoyang2022
        let networks = try RoadNetworks(store: store)
        var rows: [[String]] = []
        for mode in TravelMode.allCases {
            guard let built = try? networks.network(mode, options: plan.network) else {
                rows.append([Message("mode.\(mode.rawValue)").text(), "0", "0", "0", "-", "-"])
                continue
            }
            let pieces = built.pieces()
            rows.append([Message("mode.\(mode.rawValue)").text(), String(built.nodeCount), String(built.edgeCount),
                         String(format: "%.1f", built.totalMetres / 1_000), String(pieces.count),
                         String(format: "%.1f%%", pieces.largestShare * 100)])
        }
        print(TextTable.render(header: Message.headings(["mode", "nodes", "edges", "km", "pieces", "largest-piece"], in: .current), rows: rows,
                               rightAligned: [1, 2, 3, 4, 5]), terminator: "")
    }
}
