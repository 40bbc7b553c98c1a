import FacilityGeometry

/// A city, district, township, community or village, identified by its code (NBS codes have 6, 9 or 12 digits).
public struct AdministrativeUnit: Hashable, Sendable {
    public var code: String
    public var name: String
    public var level: UnitLevel
    /// The code of the unit this one belongs to; nil for the top of the loaded tree.
    public var parent: String?
    /// Resident population, when known.
    public var population: Int?
    /// The unit's area, when the source has a polygon.
    public var boundary: MultiPolygon?
    /// A point for the unit: the source's point, or a point inside its boundary.
    public var location: LonLat?
    /// Other properties from the source, kept as text and returned in exports.
    public var attributes: [String: String]

    public init(code: String, name: String, level: UnitLevel, parent: String? = nil, population: Int? = nil,
                boundary: MultiPolygon? = nil, location: LonLat? = nil, attributes: [String: String] = [:]) {
        self.code = code
        self.name = name
        self.level = level
        self.parent = parent
        self.population = population
        self.boundary = boundary
        self.location = location
        self.attributes = attributes
    }
}
