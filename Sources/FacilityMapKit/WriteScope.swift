import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore
import Foundation

/// What a token may write: facilities of its kinds that belong to its unit's subtree (registered to a unit in it,
/// or registered to none the store knows and inside the unit's boundary), whose point lies there too: inside the
/// polygon of the registered unit or of its nearest ancestor in the subtree that has one (within
/// `boundaryToleranceMetres`), else within `pointDistanceMetres` of the registered unit's point.
public struct WriteScope: Sendable {
    public let token: WriteToken
    /// The codes of the scope unit and every unit below it; nil when the token may write everywhere.
    let subtree: Set<String>?
    let knownUnits: Set<String>
    let boundary: MultiPolygon?
    /// The subtree's units by code (parents, polygons and points).
    let units: [String: AdministrativeUnit]
    /// How far outside a polygon a point may lie (boundary data and GPS readings differ by metres).
    public static let boundaryToleranceMetres = 100.0
    /// How far from its registered unit's point a facility may lie where the subtree has no polygon for it.
    public static let pointDistanceMetres = 5_000.0

    /// The scope of `token` over the units stored now.
    public init(token: WriteToken, store: any RegistryStore) throws {
        self.token = token
        if let unit = token.unit {
            let units = try store.units(within: unit)
            subtree = Set(units.map(\.code))
            boundary = units.first { $0.code == unit }?.boundary
            knownUnits = Set(try store.unitLinks().map(\.code))
            self.units = Dictionary(units.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
        } else {
            subtree = nil
            boundary = nil
            knownUnits = []
            self.units = [:]
        }
    }

    /// Whether the token may write anything anywhere (units too).
    public var isWholeRegistry: Bool { token.unit == nil && token.kinds.isEmpty }

    /// Why `point` cannot belong to `code` (a unit of the subtree), or nil when it can: inside (or within
    /// `boundaryToleranceMetres` of) the polygon of `code` or of its nearest ancestor in the subtree that has one;
    /// where none has, within `pointDistanceMetres` of the point of `code` or of its nearest ancestor that has one.
    func pointRefusal(_ point: LonLat, registeredTo code: String) -> String? {
        var chain: [AdministrativeUnit] = []
        var next: String? = code
        while let c = next, let unit = units[c], chain.count < 16 {
            chain.append(unit)
            if c == token.unit { break }
            next = unit.parent
        }
        let lonLat = "(\(point.lon), \(point.lat))"
        if let area = chain.first(where: { $0.boundary != nil }), let polygon = area.boundary {
            let distance = polygon.distanceMetres(to: point)
            if distance <= Self.boundaryToleranceMetres { return nil }
            return "its point \(lonLat) lies \(Int(distance.rounded())) m outside \(area.code) \(area.name), where it is registered — correct the point or the unit"
        }
        if let place = chain.first(where: { $0.location != nil }), let location = place.location {
            let distance = haversineMetres(point, location)
            if distance <= Self.pointDistanceMetres { return nil }
            return "its point \(lonLat) lies \(Int(distance.rounded())) m from the point of \(place.code) \(place.name), where it is registered (more than \(Int(Self.pointDistanceMetres)) m) — correct the point or the unit"
        }
        return nil
    }

    /// Why `facility` is outside the scope, or nil when it is inside.
    public func refusal(of facility: Facility) -> String? {
        if !token.kinds.isEmpty && !token.kinds.contains(facility.kind) {
            return "its kind \(facility.kind.rawValue) is not one of \(token.kinds.map(\.rawValue).joined(separator: ", "))"
        }
        guard let subtree, let scopeUnit = token.unit else { return nil }
        if let unit = facility.unit, knownUnits.contains(unit) {
            guard subtree.contains(unit) else { return "its unit \(unit) is not in \(scopeUnit) or below it" }
            return pointRefusal(facility.location, registeredTo: unit)
        }
        if let boundary, boundary.contains(facility.location) { return nil }
        return "it is registered to no unit of \(scopeUnit) and its point (\(facility.location.lon), \(facility.location.lat)) is outside \(scopeUnit)"
    }
}

/// Making and checking write tokens' secrets.
public enum TokenSecret {
    /// A new random secret: `fm_` and 43 characters of base64url (256 bits).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let text = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "fm_" + text
    }

    /// The SHA-256 the store keeps of `secret`, in hex.
    public static func hash(_ secret: String) -> String {
        SHA256.hex(of: Array(secret.utf8))
    }
}
