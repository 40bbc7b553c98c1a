import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore

/// The loaded city and district polygons, for telling whether a point lies in the area the store covers.
struct AreaIndex {
    let areas: [(unit: AdministrativeUnit, boundary: MultiPolygon, box: BoundingBox)]

    init(store: FacilityStore, levels: Set<UnitLevel>) throws {
        areas = try store.units().compactMap { unit in
            guard levels.contains(unit.level), let boundary = unit.boundary else { return nil }
            return (unit, boundary, boundary.boundingBox)
        }
    }

    var isEmpty: Bool { areas.isEmpty }

    /// The finest loaded area containing `point` (a district before its city).
    func containing(_ point: LonLat) -> AdministrativeUnit? {
        var best: AdministrativeUnit?
        for area in areas where area.box.contains(point) && area.boundary.contains(point) {
            if best == nil || area.unit.level.rank > best!.level.rank { best = area.unit }
        }
        return best
    }

    /// Why a point is outside, with a hint when swapped coordinates or another coordinate system would fit.
    func outsideMessage(source: LonLat, given: CoordinateSystem) -> String {
        let text = "(\(source.lon), \(source.lat))"
        var message = "\(text) lies outside every loaded city and district"
        if source.lat.magnitude <= 180 && source.lon.magnitude <= 90,
           let area = containing(given.toWGS84(LonLat(source.lat, source.lon))) {
            return message + " — swapping lon and lat would place it in \(area.name) (\(area.code)); check the column order"
        }
        for other in CoordinateSystem.allCases where other != given && other != .cgcs2000 && !(given == .cgcs2000 && other == .wgs84) {
            if let area = containing(other.toWGS84(source)) {
                return message + " — read as \(other.rawValue) it would lie in \(area.name) (\(area.code)); try --crs \(other.rawValue)"
            }
        }
        message += " — check the coordinates, or import the units that cover them"
        return message
    }
}
