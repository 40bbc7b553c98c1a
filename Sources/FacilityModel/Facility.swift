import FacilityGeometry

/// A registered public-service facility: a point with what it offers.
public struct Facility: Hashable, Sendable {
    /// The registry's identifier (编号), unique in the store.
    public var id: String
    public var name: String
    public var kind: FacilityKind
    /// WGS-84 position.
    public var location: LonLat
    /// Code of the administrative unit the facility is registered to (所属区划代码), if any.
    public var unit: String?
    /// Beds, doctors, GPs, places — each `FacilityCount` the source states.
    public var counts: FacilityCounts
    /// Inclusive (普惠) kindergarten: public, or private with capped fees.
    public var inclusive: Bool?
    /// Grade as the source writes it (等级), e.g. 二级甲等.
    public var level: String?
    /// First day of service; nil when unknown (counts as always open).
    public var opened: Day?
    /// The day the facility closed: it no longer counts from this day on (see `isOpen(on:)`).
    public var closed: Day?
    /// Other columns of the source, kept as text and returned in exports.
    public var attributes: [String: String]

    public init(id: String, name: String, kind: FacilityKind, location: LonLat, unit: String? = nil,
                counts: FacilityCounts,
                inclusive: Bool? = nil, level: String? = nil, opened: Day? = nil, closed: Day? = nil,
                attributes: [String: String] = [:]) {
        self.id = id
        self.name = name
        self.kind = kind
        self.location = location
        self.unit = unit
        self.counts = counts
        self.inclusive = inclusive
        self.level = level
        self.opened = opened
        self.closed = closed
        self.attributes = attributes
    }

    /// Whether the facility counts on `day`: `opened` is empty or on or before it, and `closed` is empty or after it.
    public func isOpen(on day: Day) -> Bool {
        if let opened, opened > day { return false }
        if let closed, closed <= day { return false }
        return true
    }
}

extension Facility {
    /// A facility with the plan's four counts named: a shorthand for `counts:` where a caller states them one by one.
    public init(id: String, name: String, kind: FacilityKind, location: LonLat, unit: String? = nil,
                beds: Int? = nil, doctors: Int? = nil, gps: Int? = nil, places: Int? = nil,
                inclusive: Bool? = nil, level: String? = nil, opened: Day? = nil, closed: Day? = nil,
                attributes: [String: String] = [:]) {
        self.init(id: id, name: name, kind: kind, location: location, unit: unit,
                  counts: [.beds: beds, .doctors: doctors, .gps: gps, .places: places], inclusive: inclusive,
                  level: level, opened: opened, closed: closed, attributes: attributes)
    }

    /// Shorthands for `counts[.beds]` and the plan's other three counts.
    public var beds: Int? { get { counts[.beds] } set { counts[.beds] = newValue } }
    public var doctors: Int? { get { counts[.doctors] } set { counts[.doctors] = newValue } }
    public var gps: Int? { get { counts[.gps] } set { counts[.gps] = newValue } }
    public var places: Int? { get { counts[.places] } set { counts[.places] = newValue } }
}
