import FacilityGeometry

/// Facilities as parallel columns of what the registry checks read (ids, names, kinds, points, registered units,
/// capacities, days, and the import that created each): `facilitymap check` over millions without a `Facility`
/// and its attributes each. Row `i` of every column is the same facility.
public struct FacilityRecords: Equatable, Sendable {
    public var id: [String] = []
    /// The names' UTF-8 bytes end to end; name `i` ends at `nameEnd[i]` (see `name(_:)`): no `String` per row.
    public var nameBytes: [UInt8] = []
    public var nameEnd: [Int] = []
    /// Each facility's kind, as its position in `FacilityKind.allCases`.
    public var kind: [UInt8] = []
    public var location: [LonLat] = []
    /// The registered unit, as its position in the unit list the records were read against; -1 when none is
    /// registered, -2 when the code is not in that list (`unknownUnits` holds it).
    public var unit: [Int32] = []
    /// The registered codes not in the unit list, by row.
    public var unknownUnits: [Int: String] = [:]
    /// Beds and places, nil where not stated.
    public var beds: [Int?] = []
    public var places: [Int?] = []
    /// `Day.ordinal` of the first and the last day of service; 0 where not stated.
    public var opened: [Int32] = []
    public var closed: [Int32] = []
    /// The number of the import that created the facility (its `import_log` row), or -1 when none is recorded.
    public var source: [Int32] = []

    public init() {}

    public var count: Int { id.count }

    public mutating func reserveCapacity(_ n: Int) {
        id.reserveCapacity(n); nameEnd.reserveCapacity(n); nameBytes.reserveCapacity(n * 30); kind.reserveCapacity(n); location.reserveCapacity(n)
        unit.reserveCapacity(n); beds.reserveCapacity(n); places.reserveCapacity(n); opened.reserveCapacity(n)
        closed.reserveCapacity(n); source.reserveCapacity(n)
    }

    /// Facility `i`'s name.
    public func name(_ i: Int) -> String {
        let start = i == 0 ? 0 : nameEnd[i - 1]
        return String(decoding: nameBytes[start..<nameEnd[i]], as: UTF8.self)
    }

    /// Whether facilities `a` and `b` have the same name, byte for byte.
    public func sameName(_ a: Int, _ b: Int) -> Bool {
        let ra = (a == 0 ? 0 : nameEnd[a - 1])..<nameEnd[a], rb = (b == 0 ? 0 : nameEnd[b - 1])..<nameEnd[b]
        return nameBytes[ra].elementsEqual(nameBytes[rb])
    }

    /// Appends `facility`: `unit` its registered unit's position (-1 when none, -2 when the code is not in the list:
    /// then kept in `unknownUnits`), `source` the import that created it (-1 when none is recorded).
    public mutating func append(_ facility: Facility, unit: Int32, source: Int32) {
        var name = facility.name
        name.withUTF8 { bytes in
            append(id: facility.id, name: UnsafeRawBufferPointer(bytes), kind: facility.kind, location: facility.location,
                   unit: unit, unknownUnit: unit == -2 ? facility.unit : nil, beds: facility.beds, places: facility.places,
                   opened: facility.opened?.ordinal ?? 0, closed: facility.closed?.ordinal ?? 0, source: source)
        }
    }

    /// Appends a facility; `name` is its name's UTF-8 bytes; `unknownUnit` the code when `unit` is -2.
    public mutating func append(id: String, name: UnsafeRawBufferPointer?, kind: FacilityKind, location: LonLat, unit: Int32,
                                unknownUnit: String? = nil, beds: Int?, places: Int?, opened: Int32, closed: Int32, source: Int32) {
        if let name { nameBytes.append(contentsOf: name) }
        nameEnd.append(nameBytes.count)
        if let unknownUnit { unknownUnits[self.id.count] = unknownUnit }
        self.id.append(id); self.kind.append(kind.ordinal); self.location.append(location)
        self.unit.append(unit); self.beds.append(beds); self.places.append(places); self.opened.append(opened)
        self.closed.append(closed); self.source.append(source)
    }
}
