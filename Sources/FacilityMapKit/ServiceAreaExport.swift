import FacilityCoverage
import FacilityFormats
import FacilityGEOS
import FacilityGeometry
import FacilityModel

extension GeoJSONExport {
    /// How wide the reachable roads are drawn either side, metres, unless told.
    public static let serviceAreaBufferMetres = 50.0

    /// The service areas of a network target (`--layer service-areas`): per facility, or one per kind (`merged`), the
    /// roads from which it is reached within the target's reach, widened by `bufferMetres` either side and dissolved
    /// (GEOS buffer). A facility off the roads is written with a null geometry and `off_network: true`.
    @discardableResult
    public func serviceAreas(engine: CoverageEngine, plan: TargetPlan, target: Target, query: CoverageQuery, merged: Bool = false,
                             bufferMetres: Double = serviceAreaBufferMetres) throws -> Int {
        let areas = try engine.serviceAreas(of: target, plan: plan, query: query, merged: merged)
        let (asOf, year) = engine.resolve(plan: plan, query: query)
        var members: [(String, GeoJSONProperty)] = [
            ("plan", .string(plan.plan)), ("target", .string(target.id)), ("title", .string(target.title)),
            ("year", .int(year)), ("as_of", .string(asOf.description)),
            ("distance", .string("network")), ("mode", .string(target.distance.mode?.rawValue ?? "walk")),
            ("drawn", .string("the roads from which the facility is reached within the target's reach, widened by \(Self.number(bufferMetres)) m either side")),
        ]
        if let minutes = target.withinMinutes { members.append(("within_min", .double(minutes))) } else { members.append(("within_m", .double(target.withinMetres))) }
        let facilities = merged ? [:] : try store.facilities(atColumnPositions: Set(areas.compactMap(\.facility)))
        let out = try GeoJSONWriter(path: outputPath, coordinateSystem: coordinateSystem, foreignMembers: members)
        let buffer = LineBuffer()
        for area in areas {
            let shape = buffer.buffer(area.roads, metres: bufferMetres).map(Geometry.multiPolygon)
            var properties: [(String, GeoJSONProperty)] = []
            let id: GeoJSONProperty
            if let f = area.facility, let facility = facilities[f] {
                id = .string(facility.id)
                properties = [("facility", .string(facility.id)), ("name", .string(facility.name))]
            } else {
                id = .string(area.kind.rawValue)
                properties = [("facilities", .int(area.facilities))]
            }
            properties += [("kind", .string(area.kind.rawValue)), ("road_m", .double((area.roadMetres * 10).rounded() / 10)),
                           ("off_network", .bool(area.offNetwork))]
            try out.write(id: id, properties: properties, geometry: shape)
        }
        try out.finish()
        return out.featureCount
    }

    static func number(_ value: Double) -> String { value.rounded() == value ? String(Int(value)) : String(value) }
}
