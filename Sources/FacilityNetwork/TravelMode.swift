import FacilityModel

/// How people travel along the roads: on foot, or by car.
public enum TravelMode: String, CaseIterable, Hashable, Sendable {
    case walk
    case drive
}

/// Speeds per OSM `highway` class and mode, in km/h. A class a mode has no speed for is not used by that mode: walking
/// never uses `motorway`, `trunk` or their links; driving never uses footways, paths, steps or cycleways.
///
/// The standard table (`SpeedTable.standard`): on foot 4.5 km/h on every class pedestrians may use; by car motorway
/// 100, trunk 80, primary 60, secondary 50, tertiary 40, unclassified and residential 30, links 30–60, service and
/// track 15, living street 10. A targets file may override any entry (`network: speeds:`).
public struct SpeedTable: Hashable, Sendable {
    /// km/h per class, per mode.
    public var kmh: [TravelMode: [String: Double]]

    public init(kmh: [TravelMode: [String: Double]]) { self.kmh = kmh }

    /// The classes pedestrians may use (OSM `highway` values).
    public static let walkableClasses = [
        "primary", "primary_link", "secondary", "secondary_link", "tertiary", "tertiary_link", "unclassified", "residential",
        "living_street", "service", "road", "track", "pedestrian", "footway", "path", "steps", "cycleway", "bridleway",
        "corridor", "crossing", "elevator",
    ]

    /// Standard walking speed, km/h.
    public static let walkingKmh = 4.5

    public static let standard = SpeedTable(kmh: [
        .walk: Dictionary(uniqueKeysWithValues: walkableClasses.map { ($0, walkingKmh) }),
        .drive: [
            "motorway": 100, "motorway_link": 60, "trunk": 80, "trunk_link": 50, "primary": 60, "primary_link": 40,
            "secondary": 50, "secondary_link": 40, "tertiary": 40, "tertiary_link": 30, "unclassified": 30,
            "residential": 30, "road": 30, "living_street": 10, "service": 15, "track": 15,
        ],
    ])

    /// The speed of `highway` for `mode` in km/h; nil when the mode does not use the class.
    public func speed(of highway: String, for mode: TravelMode) -> Double? {
        guard let value = kmh[mode]?[highway], value > 0 else { return nil }
        return value
    }

    /// This table with `overrides` laid over it (a class given 0 is no longer used by that mode).
    public func overridden(by overrides: [TravelMode: [String: Double]]) -> SpeedTable {
        var result = self
        for (mode, speeds) in overrides {
            for (highway, value) in speeds { result.kmh[mode, default: [:]][highway] = value }
        }
        return result
    }

    /// Whether `road` may be used by `mode`: its class has a speed, and its tags do not forbid it (`access=private`
    /// always; `access=no` unless `foot=yes|designated|permissive` on foot; `foot=no` on foot).
    public func allows(_ road: Road, for mode: TravelMode) -> Bool {
        guard speed(of: road.highway, for: mode) != nil else { return false }
        if road.access == "private" { return false }
        switch mode {
        case .walk:
            if road.foot == "no" { return false }
            if road.access == "no" { return ["yes", "designated", "permissive"].contains(road.foot ?? "") }
            return true
        case .drive:
            return road.access != "no"
        }
    }
}

/// How places join the network and how far they may be from it.
public struct NetworkOptions: Hashable, Sendable {
    /// The speeds per class and mode.
    public var speeds: SpeedTable
    /// A place farther than this from every usable road is off the network: never covered through it.
    public var maxSnapMetres: Double
    /// The speed the way from a place to its road is walked at, km/h (the walking speed of the table's default).
    public var snapKmh: Double

    public init(speeds: SpeedTable = .standard, maxSnapMetres: Double = 500, snapKmh: Double = SpeedTable.walkingKmh) {
        self.speeds = speeds
        self.maxSnapMetres = maxSnapMetres
        self.snapKmh = snapKmh
    }
}
