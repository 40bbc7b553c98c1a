import ArgumentParser
import FacilityMapKit
import Foundation

struct Migrate: ParsableCommand {
    static var configuration: CommandConfiguration { CommandConfiguration(
        abstract: Message("help.migrate").text(),
        discussion: """
            facilitymap migrate --from facilitymap.sqlite --to postgresql://user@host:5432/registry
            facilitymap migrate --from postgresql://user@host:5432/registry --to copy.sqlite
            Every table is copied row for row — units with their polygons and points, facilities, the import log, \
            each facility's history and creations, write tokens — in one transaction (COPY into PostgreSQL). The \
            target must be empty: a database whose FacilityMap tables are empty (the schema is created, with PostGIS, \
            when missing), or a SQLite path that does not exist yet.
            Exit status: 0 copied; 1 refused (a target not empty or existing, a server error) with nothing written; 2 a usage error (no such --from store, or not one file and one address).
            """
    ) }

    @Option(help: ArgumentHelp(Message("option.the-registry-to-copy-a-sqlite-store-or-a-postgre").text(), valueName: "store"))
    var from: String
    @Option(help: ArgumentHelp(Message("option.where-to-copy-it-a-postgresql-address-or-a-new-s").text(), valueName: "store"))
    var to: String

    func run() throws {
        for line in try RegistryMigration.run(from: from, to: to) { print(line) }
    }
}
