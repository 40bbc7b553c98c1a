import FacilityCoverage
import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore
import Foundation

/// `facilitymap export geojson`: the store's layers as RFC 7946 GeoJSON, streamed.
public struct GeoJSONExport {
    public enum Layer: String, CaseIterable, Sendable {
        case facilities, units, coverage
        case serviceAreas = "service-areas"
    }

    public let store: any RegistryStore
    /// `nil` writes to standard output.
    public var outputPath: String?
    /// WGS-84 (the standard), or GCJ-02/BD-09 for overlays on Chinese web maps.
    public var coordinateSystem: CoordinateSystem = .wgs84

    public init(store: any RegistryStore, outputPath: String?, coordinateSystem: CoordinateSystem = .wgs84) {
        self.store = store
        self.outputPath = outputPath
        self.coordinateSystem = coordinateSystem
    }

    private func writer() throws -> GeoJSONWriter {
        try GeoJSONWriter(path: outputPath, coordinateSystem: coordinateSystem)
    }

    static func text(_ value: String?) -> GeoJSONProperty { value.map { .string($0) } ?? .null }
    static func int(_ value: Int?) -> GeoJSONProperty { value.map { .int($0) } ?? .null }
    static func double(_ value: Double?) -> GeoJSONProperty { value.map { .double($0) } ?? .null }
    static func bool(_ value: Bool?) -> GeoJSONProperty { value.map { .bool($0) } ?? .null }

    /// Facility `f`'s own fields as properties, in the field table's order (the point is the geometry), `kind_zh`
    /// after `kind`. (Written out, not through `Facility.value(of:)`: this runs for millions of facilities.)
    static func properties(of f: Facility) -> [(String, GeoJSONProperty)] {
        var properties: [(String, GeoJSONProperty)] = []
        properties.reserveCapacity(10 + FacilityCount.caseCount)
        properties.append(("id", .string(f.id)))
        properties.append(("name", .string(f.name)))
        properties.append(("kind", .string(f.kind.rawValue)))
        properties.append(("kind_zh", .string(f.kind.chineseNames[0])))
        properties.append(("unit", text(f.unit)))
        for count in FacilityCount.allCases { properties.append((count.rawValue, int(f.counts[count]))) }
        properties.append(("inclusive", bool(f.inclusive)))
        properties.append(("level", text(f.level)))
        properties.append(("opened", text(f.opened?.description)))
        properties.append(("closed", text(f.closed?.description)))
        return properties
    }

    /// The properties the export derives from others (`kind_zh` from `kind`): a facilities layer read back leaves
    /// them out.
    public static let derivedProperties: Set<String> = ["kind_zh"]

    /// The property names of a facility's own fields: an extra attribute of the same name is left out.
    static let facilityFields = Set(FacilityField.allCases.filter { $0 != .lon && $0 != .lat }.map(\.rawValue) + ["kind_zh"])

    /// Every facility (optionally of one kind, within one unit) as a Point with all its fields; returns the count.
    /// One thread reads the store while this one writes.
    @discardableResult
    public func facilities(kind: FacilityKind? = nil, within code: String? = nil) throws -> Int {
        let out = try writer()
        struct Stopped: Error {}
        let batches = Producer<[Facility]> { [store] push in
            var batch: [Facility] = []
            batch.reserveCapacity(1024)
            do {
                try store.forEachFacility(kind: kind, within: code) { facility in
                    batch.append(facility)
                    if batch.count == 1024 {
                        guard push(batch) else { throw Stopped() }
                        batch.removeAll(keepingCapacity: true)
                    }
                }
                _ = push(batch)
            } catch is Stopped {}
        }
        defer { batches.stop() }
        while let batch = try batches.next() {
            for f in batch {
                try out.write(id: .string(f.id), properties: Self.allProperties(of: f), geometry: .point(f.location))
            }
        }
        batches.stop()
        try out.finish()
        return out.featureCount
    }

    /// A facility's properties as every export gives them: its fields, then its other columns by name.
    public static func allProperties(of f: Facility) -> [(String, GeoJSONProperty)] {
        var properties = properties(of: f)
        if !f.attributes.isEmpty {
            for (key, value) in f.attributes.sorted(by: { $0.key < $1.key }) where !facilityFields.contains(key) {
                properties.append((key, .string(value)))
            }
        }
        return properties
    }

    /// A unit's properties as every export gives them: code, name, level, parent, population, then its other columns.
    public static func allUnitProperties(_ unit: AdministrativeUnit) -> [(String, GeoJSONProperty)] {
        var properties = unitProperties(unit)
        let known = Set(properties.map(\.0))
        for (key, value) in unit.attributes.sorted(by: { $0.key < $1.key }) where !known.contains(key) {
            properties.append((key, .string(value)))
        }
        return properties
    }

    public static func geometry(of unit: AdministrativeUnit) -> Geometry? {
        if let boundary = unit.boundary { return .multiPolygon(boundary) }
        return unit.location.map { .point($0) }
    }

    static func unitProperties(_ u: AdministrativeUnit) -> [(String, GeoJSONProperty)] {
        [("code", .string(u.code)), ("name", .string(u.name)), ("level", .string(u.level.rawValue)),
         ("parent", text(u.parent)), ("population", int(u.population))]
    }

    /// Every unit (optionally of one level, within one unit) with its boundary, or its point when it has none.
    @discardableResult
    public func units(level: UnitLevel? = nil, within code: String? = nil) throws -> Int {
        let out = try writer()
        for unit in try store.units(level: level, within: code) {
            try out.write(id: .string(unit.code), properties: Self.allUnitProperties(unit), geometry: Self.geometry(of: unit))
        }
        try out.finish()
        return out.featureCount
    }

    /// One feature of a layer: its id, properties, geometry, and the box the geometry lies in.
    public struct Feature: Sendable {
        public let code: String
        public let properties: [(String, GeoJSONProperty)]
        public let geometry: Geometry?
        public let box: BoundingBox?
    }

    /// One target's coverage: for `unit_coverage`, each counted unit with `covered`, `nearest_m` and
    /// `facility_count`; for the other metrics, each area of `query.by` with the result's fields.
    @discardableResult
    public func coverage(engine: CoverageEngine, plan: TargetPlan, target: Target, query: CoverageQuery) throws -> Int {
        let (members, features) = Self.coverageFeatures(engine: engine, plan: plan, target: target, query: query)
        let out = try GeoJSONWriter(path: outputPath, coordinateSystem: coordinateSystem, foreignMembers: members)
        for feature in features { try out.write(id: .string(feature.code), properties: feature.properties, geometry: feature.geometry) }
        try out.finish()
        return out.featureCount
    }

    /// The coverage layer's members (plan, target, year, day, goal…) and features, as `coverage` writes them.
    public static func coverageFeatures(engine: CoverageEngine, plan: TargetPlan, target: Target,
                                        query: CoverageQuery) -> (members: [(String, GeoJSONProperty)], features: [Feature]) {
        let (asOf, year) = engine.resolve(plan: plan, query: query)
        var members: [(String, GeoJSONProperty)] = [
            ("plan", .string(plan.plan)), ("target", .string(target.id)), ("title", .string(target.title)),
            ("metric", .string(target.metric.rawValue)), ("year", .int(year)), ("as_of", .string(asOf.description)),
            ("goal", Self.double(target.goals[year])),
        ]
        if target.metric == .unitCoverage || target.metric == .access { members.append(("within_m", .double(target.withinMetres))) }
        if let mode = target.distance.mode {
            members += [("distance", .string("network")), ("mode", .string(mode.rawValue))]
            if let minutes = target.withinMinutes { members.append(("within_min", .double(minutes))) }
        }
        if target.metric == .access { members.append(("per", Self.double(target.per))) }
        var features: [Feature] = []
        func add(_ unit: AdministrativeUnit, _ properties: [(String, GeoJSONProperty)]) {
            let geometry = Self.geometry(of: unit)
            features.append(Feature(code: unit.code, properties: properties, geometry: geometry, box: geometry?.boundingBox))
        }
        if target.metric == .unitCoverage {
            for detail in engine.unitCoverage(of: target, plan: plan, query: query) {
                var properties = Self.unitProperties(detail.unit) + [
                    ("covered", .bool(detail.covered)), ("nearest_m", Self.double(detail.nearestMetres.map { ($0 * 10).rounded() / 10 })),
                    ("facility_count", .int(detail.facilityCount))]
                if let reach = detail.network {
                    // Along the roads: metres and minutes to the nearest, and whether the unit's point is off them.
                    properties += [("network_m", Self.double(reach.metres.map { ($0 * 10).rounded() / 10 })),
                                   ("network_min", Self.double(reach.minutes.map { ($0 * 10).rounded() / 10 })),
                                   ("off_network", .bool(reach.offNetwork))]
                }
                add(detail.unit, properties)
            }
        } else if target.metric == .access {
            // Each unit of demand with what it reaches (2SFCA), per `per` people.
            let goal = target.goals[year]
            for detail in engine.unitAccess(of: target, plan: plan, query: query) {
                add(detail.unit, Self.unitProperties(detail.unit) + [
                    ("people", .double(detail.people)), ("access", .double(detail.access)),
                    ("met", goal.map { .bool(detail.access >= $0 - 1e-9) } ?? .null)])
            }
        } else {
            var single = plan
            single.targets = [target]
            var q = query
            q.targetID = target.id
            let report = engine.report(plan: single, query: q).targets[0]
            let byCode = Dictionary(engine.units.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
            for area in report.areas {
                guard let unit = byCode[area.area.code] else { continue }
                add(unit, Self.unitProperties(unit) + Self.resultProperties(area.result))
            }
        }
        return (members, features)
    }

    static func resultProperties(_ r: CoverageResult) -> [(String, GeoJSONProperty)] {
        [("numerator", .double(r.numerator)), ("denominator", double(r.denominator)), ("actual", double(r.actual)),
         ("goal", double(r.goal)), ("met", bool(r.met)), ("shortfall", double(r.shortfall)), ("note", text(r.note))]
    }
}
