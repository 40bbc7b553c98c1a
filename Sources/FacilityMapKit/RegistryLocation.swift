import FacilityPostGIS
import FacilityRegistry
import FacilityStore
import Foundation

/// How a registry is named on the command line and opened: the engine chosen from the address, in one table.
public enum RegistryLocation {
    /// An engine: which addresses it takes and how it opens one.
    struct Engine: Sendable {
        let name: String
        let takes: @Sendable (String) -> Bool
        let open: @Sendable (String) throws -> any RegistryStore
    }

    /// The engines by address, the first that takes it wins; a path takes the SQLite store.
    static let engines: [Engine] = [
        Engine(name: "PostgreSQL with PostGIS", takes: { $0.hasPrefix("postgresql://") || $0.hasPrefix("postgres://") },
               open: { try PostGISStore(url: $0) }),
        Engine(name: "SQLite with SpatiaLite", takes: { _ in true }, open: { try SQLiteStore(path: $0) }),
    ]

    /// Opens the registry at `location`: a postgresql:// address (PostGIS; the schema created or migrated), else a
    /// SQLite store's path (created if missing).
    public static func open(_ location: String) throws -> any RegistryStore {
        try engines.first { $0.takes(location) }!.open(location)
    }

    /// Whether `location` names a PostgreSQL database rather than a file.
    public static func isPostgres(_ location: String) -> Bool {
        engines[0].takes(location)
    }
}
