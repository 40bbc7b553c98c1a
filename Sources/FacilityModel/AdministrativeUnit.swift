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

extension AdministrativeUnit {
    /// This unit as an import stores it over `stored`, the unit with its code already in the registry: the fields
    /// it gives, and the stored ones where it gives none (a boundary, a point, a parent or a population); its
    /// attributes added to the stored ones.
    public func merged(over stored: AdministrativeUnit) -> AdministrativeUnit {
        var unit = self
        unit.parent = parent ?? stored.parent
        unit.population = population ?? stored.population
        unit.boundary = boundary ?? stored.boundary
        unit.location = location ?? stored.location
        unit.attributes = stored.attributes.merging(attributes) { $1 }
        return unit
    }
}
