import FacilityFormats
import FacilityGeometry
import FacilityModel
import FacilityStore
import Foundation

/// What a token may write: facilities of its kinds that belong to its unit's subtree (registered to a unit in it,
/// or registered to none the store knows and inside the unit's boundary).
public struct WriteScope: Sendable {
    public let token: WriteToken
    /// The codes of the scope unit and every unit below it; nil when the token may write everywhere.
    let subtree: Set<String>?
    let knownUnits: Set<String>
    let boundary: MultiPolygon?

    /// The scope of `token` over the units stored now.
    public init(token: WriteToken, store: any RegistryStore) throws {
        self.token = token
        if let unit = token.unit {
            let units = try store.units(within: unit)
            subtree = Set(units.map(\.code))
            boundary = units.first { $0.code == unit }?.boundary
            knownUnits = Set(try store.unitLinks().map(\.code))
        } else {
            subtree = nil
            boundary = nil
            knownUnits = []
        }
    }

    /// Whether the token may write anything anywhere (units too).
    public var isWholeRegistry: Bool { token.unit == nil && token.kinds.isEmpty }

    /// Why `facility` is outside the scope, or nil when it is inside.
    public func refusal(of facility: Facility) -> String? {
        if !token.kinds.isEmpty && !token.kinds.contains(facility.kind) {
            return "its kind \(facility.kind.rawValue) is not one of \(token.kinds.map(\.rawValue).joined(separator: ", "))"
        }
        guard let subtree, let scopeUnit = token.unit else { return nil }
        if let unit = facility.unit, knownUnits.contains(unit) {
            return subtree.contains(unit) ? nil : "its unit \(unit) is not in \(scopeUnit) or below it"
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
