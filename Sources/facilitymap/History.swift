import ArgumentParser
import FacilityMapKit
import Foundation

struct History: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.history").text()) }

    @OptionGroup var storeOptions: StoreOptions
    @Argument(help: ArgumentHelp(Message("option.the-facility-s-id").text())) var id: String
    @Option(help: ArgumentHelp(Message("option.table-or-json").text())) var format: ListFormat = .table

    func run() throws {
        let store = try storeOptions.open()
        guard let changes = try store.history(facilityID: id) else {
            printError(Message("cli.no-facility").text(id, "\(store.location)"))
            throw Exit(status: 1)
        }
        switch format {
        case .json: print(RegistryText.historyJSON(id: id, changes))
        case .table, .csv: print(RegistryText.historyTable(changes, in: .current), terminator: "")
        }
    }
}
