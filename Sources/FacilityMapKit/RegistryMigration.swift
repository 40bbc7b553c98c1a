import FacilityPostGIS
import FacilityStore
import Foundation

/// `facilitymap migrate`: a registry copied from a SQLite store into PostgreSQL with PostGIS, or back into a new
/// SQLite store — every table, row for row (row numbers, history and creations kept).
public enum RegistryMigration {
    static func isPostgres(_ location: String) -> Bool { RegistryLocation.isPostgres(location) }

    /// Copies `from` into `to` (one of them a PostgreSQL address) and returns one line per table copied.
    public static func run(from: String, to: String) throws -> [String] {
        switch (isPostgres(from), isPostgres(to)) {
        case (false, true):
            guard FileManager.default.fileExists(atPath: from) else {
                throw MigrationError.noSuchStore(path: from)
            }
            let store = try SQLiteStore(path: from)
            defer { store.close() }
            let target = try PostGISStore(url: to)
            let copied = try target.copy(from: store)
            return RegistryTable.all.map { "\($0.name): \(copied[$0.name] ?? 0) rows" }
        case (true, false):
            guard !FileManager.default.fileExists(atPath: to) else {
                throw MigrationError.targetExists(path: to)
            }
            let source = try PostGISStore(url: from)
            let store = try SQLiteStore(path: to)
            defer { store.close() }
            try source.copy(to: store)
            let counts = try source.counts()
            return RegistryTable.all.map { "\($0.name): \(counts[$0.name] ?? 0) rows" }
        default:
            throw MigrationError.notBetweenEngines
        }
    }
}

/// A `migrate` that cannot start: what was asked is not a copy between the two engines. Nothing is written.
public enum MigrationError: PhrasedError, Equatable {
    /// `--from` names a SQLite store that does not exist.
    case noSuchStore(path: String)
    /// `--to` names a SQLite store that exists: migration fills new stores only.
    case targetExists(path: String)
    /// Both sides are files, or both are addresses.
    case notBetweenEngines

    public var phrase: Phrase {
        switch self {
        case let .noSuchStore(path): Phrase("error.migrate.no-such-store", path)
        case let .targetExists(path): Phrase("error.migrate.target-exists", path)
        case .notBetweenEngines: Phrase("error.migrate.not-between-engines")
        }
    }
}
