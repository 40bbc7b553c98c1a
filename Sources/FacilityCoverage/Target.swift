import FacilityModel
import FacilityNetwork
import Foundation

/// How a target is measured.
public enum Metric: String, CaseIterable, Sendable {
    /// Share of units of a level that have a facility of the kinds.
    case unitCoverage = "unit_coverage"
    /// Sum of a field over facilities per `per` people.
    case perPopulation = "per_population"
    /// Share of a field (or of facilities) where a boolean attribute holds.
    case share
    /// Number of facilities; with `per_area`, the share of areas that have at least `min`.
    case count
    /// Capacity within reach per `per` people (two-step floating catchment, 2SFCA): each facility's `field` shared
    /// among the people of the units within `within_m` (optionally weighted by distance), summed per unit.
    case access
}

/// What a `unit_coverage` target's share counts.
public enum CoverageWeight: String, CaseIterable, Sendable {
    /// Units: the share of units covered.
    case units
    /// People: the share of the units' people living in covered units (reported beside the unit share).
    case population
}

/// How an `access` target weighs a facility by distance within `within_m`.
public enum DistanceDecay: Equatable, Sendable {
    /// Every facility within reach counts whole.
    case none
    /// `exp(−d² / 2σ²)`, as PySAL access's `weights.gaussian(sigma)`.
    case gaussian(sigmaMetres: Double)

    public func weight(_ metres: Double) -> Double {
        switch self {
        case .none: 1
        case let .gaussian(sigma): exp(-metres * metres / (2 * sigma * sigma))
        }
    }
}

/// How a target's reach (`within_m`, `within_min`) is measured.
public enum ReachDistance: Hashable, Sendable {
    /// As the crow flies: great-circle metres (`distance: straight`, the default).
    case straight
    /// Along the stored roads, as the mode may go (`distance: network`, `mode: walk|drive`); the way to and from the
    /// roads walked.
    case network(TravelMode)

    /// The mode of a network distance.
    public var mode: TravelMode? {
        if case let .network(mode) = self { return mode }
        return nil
    }
}

/// One measurable goal of a plan, as the targets file states it.
public struct Target: Equatable, Sendable {
    public var id: String
    public var title: String
    public var metric: Metric
    /// The facility kinds that count.
    public var kinds: [FacilityKind]
    /// `unit_coverage`: the level of the units counted.
    public var units: UnitLevel?
    /// `unit_coverage`: a facility this close to a unit's geometry covers it (0: registered to it or inside it).
    public var withinMetres: Double
    /// `per_population`, `share`: the field summed (for `share`, facilities are counted when absent).
    public var field: FacilityCount?
    /// `per_population`: people per unit of the result (1000: per thousand people).
    public var per: Double?
    /// `share`: the boolean attribute that selects the numerator (`inclusive`, or an extra column).
    public var whereAttribute: String?
    /// `count`: judge each area of this level (at least `min` facilities) instead of the city-wide total.
    public var perArea: UnitLevel?
    /// `count` with `per_area`: facilities an area needs.
    public var min: Int
    /// Goal by year: a share (0–1) for coverage and shares, a rate for per_population and access, a number for count.
    public var goals: [Int: Double]
    /// `unit_coverage`: whether the share is of units or of their people.
    public var weight: CoverageWeight = .units
    /// `access`: how distance within `withinMetres` weighs a facility.
    public var decay: DistanceDecay = .none
    /// `unit_coverage`, `access`: how the reach is measured.
    public var distance: ReachDistance = .straight
    /// With `distance: network`: the reach in minutes at the mode's speeds (`within_min`) instead of `withinMetres`.
    public var withinMinutes: Double?

    /// Whether the target is measured along the roads.
    public var isNetwork: Bool { distance != .straight }
    /// A network target's cost unit and its limit in it (seconds for `within_min`, else metres).
    public var networkLimit: (weight: NetworkWeight, limit: Double) {
        if let minutes = withinMinutes { return (.seconds, minutes * 60) }
        return (.metres, withinMetres)
    }

    public init(id: String, title: String, metric: Metric, kinds: [FacilityKind], units: UnitLevel? = nil,
                withinMetres: Double = 0, field: FacilityCount? = nil, per: Double? = nil, whereAttribute: String? = nil,
                perArea: UnitLevel? = nil, min: Int = 1, goals: [Int: Double]) {
        self.id = id
        self.title = title
        self.metric = metric
        self.kinds = kinds
        self.units = units
        self.withinMetres = withinMetres
        self.field = field
        self.per = per
        self.whereAttribute = whereAttribute
        self.perArea = perArea
        self.min = min
        self.goals = goals
    }
}

/// A plan's targets: what `--targets FILE` holds.
public struct TargetPlan: Equatable, Sendable {
    public var plan: String
    /// The code of the plan's whole area (e.g. 410300); its unit is the report's total row when loaded.
    public var area: String?
    public var targets: [Target]
    /// How network targets join and use the roads: speeds per class and mode, `max_snap_m` (the file's `network:`).
    public var network: NetworkOptions = NetworkOptions()

    public init(plan: String, area: String?, targets: [Target]) {
        self.plan = plan
        self.area = area
        self.targets = targets
    }

    /// Whether any target is measured along the roads.
    public var usesNetwork: Bool { targets.contains(where: \.isNetwork) }

    /// Whether a target selects facilities by an extra attribute (a `where` other than `inclusive`).
    public var usesExtraAttributes: Bool {
        targets.contains { $0.whereAttribute != nil && $0.whereAttribute != "inclusive" }
    }

    /// The latest year any target has a goal for.
    public var latestGoalYear: Int? { targets.flatMap { $0.goals.keys }.max() }
}

extension TargetPlan {
    /// The target `text` names: its id (any case) or its title (每千人口医疗卫生机构床位数), or nil.
    public func target(named text: String) -> Target? {
        let wanted = text.trimmed
        return targets.first { $0.id == wanted } ?? targets.first { $0.title == wanted }
            ?? targets.first { $0.id.lowercased() == wanted.lowercased() }
    }

    /// What to say of a name that is no target of the plan: the nearest target, and every target's id and title.
    public func unknownTargetMessage(_ text: String) -> String {
        let listed = targets.map { "\($0.id) \($0.title)" }.joined(separator: ", ")
        if let near = Spelling.nearest(to: text.trimmed, among: targets.flatMap { [$0.id, $0.title] }).first,
           let target = targets.first(where: { $0.id == near || $0.title == near }) {
            return "\(text) is not a target of the plan — did you mean \(target.id) (\(target.title))? The targets: \(listed)"
        }
        return "\(text) is not a target of the plan: use an id or a title of \(listed)"
    }
}
