import FacilityModel
import FacilityNetwork

/// One measured result, in the target's own terms.
///
/// | metric | numerator | denominator | actual | shortfall when not met |
/// |---|---|---|---|---|
/// | unit_coverage | covered units | units | num ÷ den | ⌈goal × den⌉ − num |
/// | unit_coverage, weight: population | people in covered units | people in the units | num ÷ den | ⌈goal × den⌉ − num (people) |
/// | access | Σ people × capacity per person within reach (2SFCA) | people | num ÷ den × per | ⌈goal × den ÷ per⌉ − num |
/// | per_population | sum of field | people | num ÷ den × per | ⌈goal × den ÷ per⌉ − num |
/// | share | sum of field where `where` holds | sum of field | num ÷ den | ⌈goal × den⌉ − num |
/// | count | facilities | nil | num | goal − num |
/// | count per area, total | areas with ≥ min | areas of that level | num ÷ den | ⌈goal × den⌉ − num |
/// | count per area, one area | facilities in it | nil | num | min − num (goal is min) |
public struct CoverageResult: Equatable, Sendable {
    public var numerator: Double
    public var denominator: Double?
    /// Nil when there is nothing to divide by (see `note`).
    public var actual: Double?
    /// Nil when the target has no goal for the year, or the row is not judged.
    public var goal: Double?
    public var met: Bool?
    /// What is still missing: units to cover, beds or doctors to add, places to make inclusive, facilities to build.
    public var shortfall: Double?
    /// Why `actual` is missing (nothing to divide by).
    public var reason: CoverageNote?
    /// `reason` in English, e.g. "no population" (as JSON and CSV give it).
    public var note: String? { reason?.text }
    /// `unit_coverage` with `weight: population`: the share of units covered, beside `actual` (the share of people).
    public var unitShare: Double?

    public init(numerator: Double, denominator: Double?, actual: Double?, goal: Double?, met: Bool?, shortfall: Double?,
                note: CoverageNote? = nil) {
        self.numerator = numerator
        self.denominator = denominator
        self.actual = actual
        self.goal = goal
        self.met = met
        self.shortfall = shortfall
        self.reason = note
    }
}

/// Why a result has no actual value: what there was nothing of to divide by. `text` is the English that JSON and CSV
/// carry; `key` and `arguments` say it in another language (the catalogue's `note.*`, arguments being its keys too).
public enum CoverageNote: Hashable, Sendable {
    case noPopulation
    case noPeopleAtPoint
    case noFacilities
    /// No facility states this count (beds, doctors, places…).
    case noField(FacilityCount)
    case noPeopleIn(UnitLevel)
    case noUnits(UnitLevel)
    /// A target measured along the roads, and the registry holds none.
    case noRoads
    /// A target measured along the roads, and none of them may be used by the mode.
    case noUsableRoads(TravelMode)

    public var text: String {
        switch self {
        case .noPopulation: "no population"
        case .noPeopleAtPoint: "no people at a unit's point"
        case .noFacilities: "no facilities"
        case .noField(let field): "no \(field.rawValue)"
        case .noPeopleIn(let level): "no people in \(level.rawValue) units"
        case .noUnits(let level): "no \(level.rawValue) units"
        case .noRoads: "no roads stored"
        case .noUsableRoads(let mode): "no road usable \(mode == .walk ? "on foot" : "by car")"
        }
    }

    /// The catalogue key that says it, and its arguments (themselves catalogue keys).
    public var key: String {
        switch self {
        case .noPopulation: "note.no-population"
        case .noPeopleAtPoint: "note.no-people-at-point"
        case .noFacilities: "note.no-facilities"
        case .noField: "note.no-field"
        case .noPeopleIn: "note.no-people-in"
        case .noUnits: "note.no-units"
        case .noRoads: "note.no-roads"
        case .noUsableRoads: "note.no-usable-roads"
        }
    }

    public var argumentKeys: [String] {
        switch self {
        case .noPopulation, .noPeopleAtPoint, .noFacilities, .noRoads: []
        case .noUsableRoads(let mode): ["mode.\(mode.rawValue)"]
        case .noField(let field): ["field.\(field.rawValue)"]
        case .noPeopleIn(let level), .noUnits(let level): ["level.\(level.rawValue)"]
        }
    }
}

/// A unit named in a report.
public struct UnitReference: Equatable, Sendable {
    public var code: String
    public var name: String

    public init(code: String, name: String) {
        self.code = code
        self.name = name
    }
}

/// The result for one area (a district, say) of one target.
public struct AreaResult: Equatable, Sendable {
    public var area: UnitReference
    public var result: CoverageResult
    /// `unit_coverage`: the units of the area that no facility covers, in code order.
    public var uncovered: [UnitReference]
}

/// One target's results: every area of the report's level, and the total.
public struct TargetReport: Equatable, Sendable {
    public var target: Target
    public var goal: Double?
    public var total: CoverageResult
    /// The row the total stands for: the plan's area unit, or "all units" when it is not loaded.
    public var totalArea: UnitReference
    public var totalUncovered: [UnitReference]
    public var areas: [AreaResult]
}

/// How far the loaded facilities are from a plan's targets on one day.
public struct CoverageReport: Equatable, Sendable {
    public var plan: String
    public var year: Int
    public var asOf: Day
    /// The level of the area rows.
    public var by: UnitLevel
    public var targets: [TargetReport]

    /// Whether every target with a goal this year is met in total.
    public var allMet: Bool { targets.allSatisfy { $0.total.met != false } }
}

/// The metric arithmetic, shared by totals and areas. Goals are met within 1e-9; shortfalls are whole numbers.
enum Judge {
    static let tolerance = 1e-9

    /// ⌈x⌉, ignoring floating-point noise (0.87 × 1000 is 870, not 871).
    static func ceiling(_ x: Double) -> Double { (x - tolerance * max(1, x.magnitude)).rounded(.up) }

    /// A result whose actual is `numerator ÷ denominator × scale`, with shortfall ⌈goal × den ÷ scale⌉ − num.
    static func ratio(numerator: Double, denominator: Double, scale: Double = 1, goal: Double?, emptyNote: CoverageNote?) -> CoverageResult {
        guard denominator > 0 else {
            return CoverageResult(numerator: numerator, denominator: denominator, actual: nil, goal: goal, met: nil,
                                  shortfall: nil, note: emptyNote)
        }
        let actual = numerator / denominator * scale
        guard let goal else {
            return CoverageResult(numerator: numerator, denominator: denominator, actual: actual, goal: nil, met: nil, shortfall: nil)
        }
        let met = actual >= goal - tolerance
        let shortfall = met ? 0 : max(0, ceiling(goal * denominator / scale) - numerator)
        return CoverageResult(numerator: numerator, denominator: denominator, actual: actual, goal: goal, met: met, shortfall: shortfall)
    }

    /// A plain count judged against a goal (or not judged, with a nil goal).
    static func count(_ numerator: Double, goal: Double?) -> CoverageResult {
        guard let goal else {
            return CoverageResult(numerator: numerator, denominator: nil, actual: numerator, goal: nil, met: nil, shortfall: nil)
        }
        let met = numerator >= goal - tolerance
        return CoverageResult(numerator: numerator, denominator: nil, actual: numerator, goal: goal, met: met,
                              shortfall: met ? 0 : ceiling(goal - numerator))
    }
}
