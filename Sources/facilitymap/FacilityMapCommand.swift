import ArgumentParser
import FacilityMapKit
import Foundation

/// The command line. Its help is in the language chosen (`--lang`, else the locale): `main.swift` sets
/// `Language.current` before anything is parsed, and every command's abstract and every `@Option`/`@Flag`/`@Argument`
/// help is `Message("help.…")`/`Message("option.…").text()`, read when swift-argument-parser builds the command.
/// What swift-argument-parser writes itself cannot be translated: its headings (OVERVIEW, USAGE, ARGUMENTS, OPTIONS,
/// SUBCOMMANDS), `(default: …)`, the `-h, --help` and `--version` lines it adds, its `See 'facilitymap help <subcommand>'`
/// line, and its own usage errors (`Missing expected argument`, `Unknown option`); those stay English. The commands'
/// long discussions (the import's column list, check's rules) are English still.
struct FacilityMapCommand: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        commandName: "facilitymap",
        abstract: Message("help.facility-map-command").text(),
        discussion: Message("help.facility-map-command.discussion").text(),
        subcommands: [DemoCommand.self, Import.self, List.self, Stats.self, TargetsCommand.self, Coverage.self, Export.self, MapCommand.self,
                      Serve.self, Token.self, History.self, Suggest.self, Check.self, Migrate.self]
    ) }
}

/// `--store`, shared by every command.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        Message("option.the-registry-a-sqlite-store-file-created-if-miss").text(),
        discussion: Message("option.default-facilitymap-store-else-facilitymap-sqlit").text(),
        valueName: "path"))
    var store: String?

    var path: String {
        if let store { return store }
        if let env = ProcessInfo.processInfo.environment["FACILITYMAP_STORE"], !env.isEmpty { return env }
        return SQLiteStore.defaultFileName
    }

    /// Opens the registry. Only a command that writes (`creating`) may create a SQLite store; the others refuse a
    /// path where there is none (a mistyped `--store` would otherwise report on an empty registry).
    func open(creating: Bool = false) throws -> any RegistryStore {
        if !creating { try requireExisting() }
        do {
            return try RegistryLocation.open(path)
        } catch let error as PostgresError {
            printError("facilitymap: " + error.phrase.text(in: .current))
            throw Exit(status: 1)
        }
    }
}

/// `--encoding` of the commands that write CSV (`--format csv`).
struct CSVEncodingOption: ParsableArguments {
    @Option(name: .customLong("encoding"), help: ArgumentHelp(
        Message("option.encoding-of-format-csv-utf-8-bom-excel-opens-it").text(),
        valueName: "encoding"))
    var name: String = CSVOutputEncoding.utf8BOM.rawValue

    var encoding: CSVOutputEncoding {
        get throws {
            guard let encoding = CSVOutputEncoding(argument: name) else {
                throw ValidationError("--encoding \(name) is not known: use utf-8-bom, utf-8 or gb18030")
            }
            return encoding
        }
    }

    func validate() throws { _ = try encoding }
}

extension StoreOptions {
    /// Exits with status 2 when the store is a SQLite path where no file is, naming the nearest store beside it.
    func requireExisting() throws {
        let path = self.path
        guard !RegistryLocation.isPostgres(path), !FileManager.default.fileExists(atPath: path) else { return }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let stores = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { $0.hasSuffix(".sqlite") }
        let shown = { (name: String) in path.contains("/") ? (folder as NSString).appendingPathComponent(name) : name }
        var message = "facilitymap: " + Message("error.no-such-store").text(path)
        if let nearest = Spelling.nearest(to: url.lastPathComponent, among: stores).first ?? (stores.count == 1 ? stores.first : nil) {
            message += Message("error.no-such-store.nearest").text(shown(nearest))
        } else if !stores.isEmpty {
            message += Message("error.no-such-store.beside").text(stores.sorted().prefix(8).map(shown).joined(separator: Phrase.listSeparator(in: .current)))
        } else {
            message += Message("error.no-such-store.none").text(path)
        }
        printError(message)
        throw Exit(status: 2)
    }
}

/// Thrown after the command has printed its own result, to end with a given status.
struct Exit: Error {
    let status: Int32
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
