import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore
import FacilityText

/// The loaded city and district polygons, for telling whether a point lies in the area the store covers.
struct AreaIndex {
    let areas: [AdministrativeUnit]
    private let grid: PolygonGrid

    init(store: any RegistryStore, levels: Set<UnitLevel>) throws {
        // In code order, as `units()` lists them; loaded level by level, not the whole table.
        self.init(areas: try levels.flatMap { try store.units(level: $0) }.filter { $0.boundary != nil }
            .sorted { $0.code < $1.code })
    }

    /// An index of `areas` (each with a boundary), tried in this order among areas of the same level.
    init(areas: [AdministrativeUnit]) {
        self.areas = areas
        grid = PolygonGrid(polygons: areas.enumerated().map { (index: $0, boundary: $1.boundary!) })
    }

    var isEmpty: Bool { areas.isEmpty }

    /// Whether some loaded area contains `point`.
    func covers(_ point: LonLat) -> Bool {
        var found = false
        grid.forEachCandidate(containing: point) { k in
            if !found && grid.polygons[k].boundary.contains(point) { found = true }
        }
        return found
    }

    /// The finest loaded area containing `point` (a district before its city).
    func containing(_ point: LonLat) -> AdministrativeUnit? {
        position(containing: point).map { areas[$0] }
    }

    /// The position in `areas` of the finest loaded area containing `point`.
    func position(containing point: LonLat) -> Int? {
        var best: Int?
        grid.forEachCandidate(containing: point) { k in
            let entry = grid.polygons[k]
            if (best == nil || areas[entry.index].level.rank > areas[best!].level.rank) && entry.boundary.contains(point) {
                best = entry.index
            }
        }
        return best
    }

    /// Why a point is outside, with a hint when swapped coordinates or another coordinate system would fit.
    func outsideMessage(source: LonLat, given: CoordinateSystem) -> String {
        outside(source: source, given: given).text(in: .en)
    }

    /// Why a point outside every loaded area is refused, and what would place it: swapped columns, another system.
    func outside(source: LonLat, given: CoordinateSystem) -> Phrase {
        let text = "(\(source.lon), \(source.lat))"
        if source.lat.magnitude <= 180 && source.lon.magnitude <= 90,
           let area = containing(given.toWGS84(LonLat(source.lat, source.lon))) {
            return Phrase("row.outside.swapped", text, area.name, area.code)
        }
        for other in CoordinateSystem.allCases where other != given && other != .cgcs2000 && !(given == .cgcs2000 && other == .wgs84) {
            if let area = containing(other.toWGS84(source)) {
                return Phrase("row.outside.crs", text, other.rawValue, area.name, area.code)
            }
        }
        return Phrase("row.outside", text)
    }
}
