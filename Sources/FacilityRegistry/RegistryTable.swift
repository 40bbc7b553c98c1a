import Foundation
import FacilityModel

/// One table of a registry, the same on every engine, as another engine gets it: plain columns as text, geometry columns as WKB (hex), in the
/// order of `columns` then `geometries`. `facilitymap migrate` copies a registry table by table through these.
public struct RegistryTable: Sendable, Equatable {
    public let name: String
    /// Plain columns; the first orders the rows.
    public let columns: [String]
    /// Geometry columns (SRID 4326): `boundary` multipolygons, `location` points, `geometry` lines.
    public let geometries: [String]
    /// Columns holding whole numbers (the rest are text).
    public let integers: Set<String>

    public var allColumns: [String] { columns + geometries }
}

extension RegistryTable {
    /// Every table of a registry, parents before the rows that point at them (units, facilities, the import log,
    /// facility history, creations, tokens), then the roads.
    public static let all: [RegistryTable] = [
        RegistryTable(name: "units", columns: ["pk", "code", "name", "level", "parent", "population", "attributes"],
                   geometries: ["boundary", "location"], integers: ["pk", "population"]),
        RegistryTable(name: "facilities", columns: ["pk"] + FacilityTable.plain + ["attributes"],
                   geometries: ["location"], integers: Set(["pk", "inclusive"] + FacilityCount.allCases.map(\.rawValue))),
        RegistryTable(name: "import_log", columns: ["pk", "file", "sha256", "imported_at", "layer", "rows", "new", "updated", "unchanged",
                                                 "rejected", "author"],
                   geometries: [], integers: ["pk", "rows", "new", "updated", "unchanged", "rejected"]),
        RegistryTable(name: "facility_history", columns: ["pk", "facility", "import", "action", "old", "new"], geometries: [],
                   integers: ["pk", "facility", "import"]),
        RegistryTable(name: "facility_creations", columns: ["first_pk", "last_pk", "import"], geometries: [],
                   integers: ["first_pk", "last_pk", "import"]),
        RegistryTable(name: "tokens", columns: ["pk", "name", "sha256", "kinds", "unit", "created_at", "expires_on", "last_used_at"],
                   geometries: [], integers: ["pk"]),
        RegistryTable(name: "roads", columns: ["id", "osm_id", "highway", "name", "oneway", "foot", "access"],
                   geometries: ["geometry"], integers: ["id", "osm_id", "oneway"]),
    ]
}
