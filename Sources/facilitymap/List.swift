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

    func run() throws {
        let store = try storeOptions.open()
        print(try StoreStats(store: store).text(in: .current), terminator: "")
    }
}
