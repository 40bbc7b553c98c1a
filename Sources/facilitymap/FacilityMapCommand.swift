import ArgumentParser
import FacilityMapKit
import Foundation

struct FacilityMapCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facilitymap",
        abstract: "A registry of public-service facilities and administrative units, in SpatiaLite or PostGIS.",
        discussion: """
            Register facilities from CSV and units from GeoJSON or CSV, then read them back.
            Every command works on one registry: --store PATH (a SQLite store file) or --store postgresql://… (a
            PostgreSQL database with PostGIS), else $FACILITYMAP_STORE, else ./facilitymap.sqlite.
            """,
        subcommands: [DemoCommand.self, Import.self, List.self, Stats.self, Coverage.self, Export.self, MapCommand.self,
                      Serve.self, Token.self, History.self, Suggest.self, Check.self, Migrate.self]
    )
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
        return FacilityStore.defaultFileName
    }

    func open() throws -> any RegistryStore {
        do {
            return try RegistryLocation.open(path)
        } catch let error as PostgresError {
            printError("facilitymap: \(error)")
            throw Exit(status: 1)
        }
    }
}

/// Thrown after the command has printed its own result, to end with a given status.
struct Exit: Error {
    let status: Int32
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
