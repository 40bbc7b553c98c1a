import ArgumentParser
import FacilityMapKit
import Foundation

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
        "The registry: a SQLite store file (created if missing) or a postgresql://user@host:port/database address.",
        discussion: "Default: $FACILITYMAP_STORE, else ./facilitymap.sqlite.",
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
            printError("facilitymap: \(error)")
            throw Exit(status: 1)
        }
    }
}

/// `--encoding` of the commands that write CSV (`--format csv`).
struct CSVEncodingOption: ParsableArguments {
    @Option(name: .customLong("encoding"), help: ArgumentHelp(
        "Encoding of --format csv: utf-8-bom (Excel opens it as it is), utf-8 (no byte order mark) or gb18030.",
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
            message += Message("error.no-such-store.beside").text(stores.sorted().prefix(8).map(shown).joined(separator: ", "))
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
