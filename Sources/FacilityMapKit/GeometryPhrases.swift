import FacilityGEOS
import FacilityText

// What FacilityGEOS says in English (it depends on nothing but GEOS), said in the user's language where an import
// turns it into a message.

extension GeometryBudgetExceeded {
    /// The budget spent, in any language; `description` is its English.
    public var phrase: Phrase {
        switch resource {
        case .time: Phrase("geos.budget.time", Self.seconds(budget.seconds))
        case .memory: Phrase("geos.budget.memory", String(budget.memoryBytes >> 20))
        }
    }
}

extension PolygonRepairError {
    /// What failed, in any language (GEOS's own reason as `Phrase.geosReason` words it); `description` is its English.
    public var phrase: Phrase {
        Phrase("geos.failed", arguments: [.phrase(Phrase("geos.step.\(step)")),
                                          .phrase(reason.map(Phrase.geosReason) ?? Phrase("geos.no-reason"))])
    }
}

extension Phrase {
    /// A reason GEOS gives for an invalid geometry (`Self-intersection[112.5 34.6]`), in the catalogue's words when it
    /// is one GEOS is known to give, the place in brackets as it is; any other text as it is.
    public static func geosReason(_ text: String) -> Phrase {
        let name: Substring, place: String
        if let bracket = text.firstIndex(of: "["), text.hasSuffix("]") {
            name = text[..<bracket]
            place = String(text[bracket...])
        } else {
            name = text[...]
            place = ""
        }
        guard let key = geosReasons[name.trimmingCharacters(in: .whitespaces)] else { return .verbatim(text) }
        return Phrase("geos.reason", arguments: [.phrase(Phrase(key)), .text(place)])
    }

    /// The reasons of GEOS's `IsValidOp` (`TopologyValidationError`'s messages).
    private static let geosReasons: [String: String] = [
        "Self-intersection": "geos.reason.self-intersection",
        "Ring Self-intersection": "geos.reason.ring-self-intersection",
        "Too few points in geometry component": "geos.reason.too-few-points",
        "Hole lies outside shell": "geos.reason.hole-outside-shell",
        "Holes are nested": "geos.reason.nested-holes",
        "Interior is disconnected": "geos.reason.disconnected-interior",
        "Nested shells": "geos.reason.nested-shells",
        "Duplicate Rings": "geos.reason.duplicate-rings",
        "Invalid Coordinate": "geos.reason.invalid-coordinate",
        "Ring is not closed": "geos.reason.ring-not-closed",
    ]
}
